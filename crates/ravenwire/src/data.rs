//! The data folder: where the database, the search index and the story
//! engine's snapshot live, and the lock that lets one ingest at a time run
//! in it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use fs4::fs_std::FileExt;
use index::SearchIndex;
use store::{LeaderLock, PgStore, SqliteStore, Store};

/// The data folder, and the database when it is not the folder's SQLite
/// file.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
    /// A PostgreSQL URL (`--database`, `RAVENWIRE_DATABASE_URL`); `None`
    /// for the SQLite file in the folder.
    database: Option<String>,
}

impl DataDir {
    /// The folder `root`, with the database `database` if given: it must
    /// be a `postgres://` or `postgresql://` URL.
    pub fn new(root: PathBuf, database: Option<String>) -> anyhow::Result<Self> {
        let database = database.filter(|d| !d.trim().is_empty());
        if let Some(url) = &database {
            if !is_postgres_url(url) {
                anyhow::bail!(
                    "--database {}: not a PostgreSQL URL (postgres://user@host/db); \
                     leave it out for the SQLite file in the data folder",
                    shown_url(url)
                );
            }
        }
        Ok(DataDir { root, database })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Fails with a hint when the folder does not exist yet, for commands
    /// that only read: creating an empty store there would hide a wrong path.
    pub fn require_existing(&self) -> anyhow::Result<()> {
        if self.database.is_some() || self.root.join("ravenwire.sqlite").exists() {
            Ok(())
        } else {
            anyhow::bail!(
                "no ravenwire data in {} (import something first, or name the folder with --data or RAVENWIRE_DATA)",
                self.root.display()
            )
        }
    }

    pub async fn open_store(&self) -> anyhow::Result<Arc<dyn Store>> {
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("cannot create the data folder {}", self.root.display()))?;
        if let Some(url) = &self.database {
            let store = PgStore::connect(url)
                .await
                .with_context(|| format!("cannot open the database {}", shown_url(url)))?;
            return Ok(Arc::new(store));
        }
        let store = SqliteStore::open(&self.root.join("ravenwire.sqlite")).await?;
        Ok(Arc::new(store))
    }

    /// The PostgreSQL URL, when the database is not the folder's SQLite file.
    pub fn database_url(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// On PostgreSQL, leadership over the shared database, which the story
    /// engine's holder needs besides this folder's lock: processes in other
    /// folders, on other machines, write to the same stories. Waits unless
    /// `no_wait`; `Ok(None)` when it would wait and `no_wait` is set. On
    /// SQLite, the folder's lock is all there is (`Some(None)`).
    async fn lead(&self, no_wait: bool) -> anyhow::Result<Option<Option<LeaderLock>>> {
        let Some(url) = &self.database else {
            return Ok(Some(None));
        };
        let store = PgStore::connect(url)
            .await
            .with_context(|| format!("cannot open the database {}", shown_url(url)))?;
        if let Some(lock) = store.try_lead().await? {
            return Ok(Some(Some(lock)));
        }
        if no_wait {
            return Ok(None);
        }
        eprintln!("waiting for the process that leads on {} to finish", shown_url(url));
        Ok(Some(Some(store.lead().await?)))
    }

    /// Opens the folder's search index. An index written by a version with
    /// other fields is derived state: it is set aside and a new, empty one
    /// takes its place, which the next ingest (its recovery's catch-up) or
    /// `serve`'s follower fills from the store.
    pub fn open_index(&self) -> anyhow::Result<Arc<SearchIndex>> {
        let dir = self.root.join("index");
        match SearchIndex::open(&dir) {
            Err(index::Error::OtherSchema { .. }) => Ok(Arc::new(self.replace_index(&dir)?)),
            opened => Ok(Arc::new(opened?)),
        }
    }

    /// Sets the index in `dir` aside and opens a new one there, under a
    /// lock so that two processes upgrading at once replace it only once.
    fn replace_index(&self, dir: &Path) -> anyhow::Result<SearchIndex> {
        let path = self.root.join(INDEX_UPGRADE_LOCK_FILE);
        let lock = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        lock.lock_exclusive()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        // Another process may have replaced it while this one waited.
        if let Ok(index) = SearchIndex::open(dir) {
            return Ok(index);
        }
        let aside = self.root.join("index.other-version");
        if aside.exists() {
            std::fs::remove_dir_all(&aside).with_context(|| format!("cannot remove {}", aside.display()))?;
        }
        std::fs::rename(dir, &aside)
            .with_context(|| format!("cannot move the old search index {} aside", dir.display()))?;
        tracing::warn!(
            index = %dir.display(),
            "the search index was written by another ravenwire version; \
             a new one is built from the store"
        );
        eprintln!(
            "the search index in {} was written by another ravenwire version: \
             a new one is filled from the store by the next import, fetch, worker or serve \
             (or at once by `ravenwire reindex`)",
            dir.display()
        );
        let index = SearchIndex::open(dir)?;
        // Processes of the old version may still read it; once they are
        // gone the files go too (on Unix, files in use stay until closed).
        if let Err(err) = std::fs::remove_dir_all(&aside) {
            tracing::warn!(folder = %aside.display(), %err, "cannot remove the old search index");
        }
        Ok(index)
    }

    /// Takes the data folder's ingest lock for `command` (named, with this
    /// process's id, in the lock file for whoever waits on it). When another
    /// ingest holds it, says so on stderr and waits for it; with `no_wait`,
    /// says so and returns `None` instead, and the command exits with
    /// [`EXIT_BUSY`].
    ///
    /// Whatever runs the story engine over this folder (`import`, `fetch`,
    /// the demo's import) holds the lock for the length of its work: two
    /// engines replaying and saving one snapshot side by side would leave a
    /// snapshot whose watermark skips the other's articles. Small writes
    /// (`add`) and readers (`serve`'s pages, `search`) take no lock. The
    /// scheduler inside `serve` takes it with [`DataDir::try_lock_ingest`]
    /// at the start of each cycle and drops it at the end.
    pub async fn lock_ingest(&self, command: &str, no_wait: bool) -> anyhow::Result<Option<IngestLock>> {
        let (file, path) = self.open_lock_file()?;
        let locked = file
            .try_lock_exclusive()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        if !locked {
            let holder = read_holder(&file);
            if no_wait {
                eprintln!(
                    "error: another ingest is running in {} ({holder}); not waiting because of --no-wait",
                    self.root.display()
                );
                return Ok(None);
            }
            eprintln!(
                "waiting for another ingest in {} to finish ({holder}; lock file {})",
                self.root.display(),
                path.display()
            );
            let waiter = file.try_clone().context("cannot wait on the lock file")?;
            tokio::task::spawn_blocking(move || waiter.lock_exclusive())
                .await?
                .with_context(|| format!("cannot lock {}", path.display()))?;
            eprintln!("the other ingest finished; going on");
        }
        let Some(leader) = self.lead(no_wait).await? else {
            eprintln!("error: another process leads on the shared database; not waiting because of --no-wait");
            return Ok(None);
        };
        let mut lock = IngestLock {
            file,
            path,
            _leader: leader,
        };
        lock.write_holder(command)?;
        test_hold().await;
        Ok(Some(lock))
    }

    /// Takes the ingest lock if it is free, silently: `None` when another
    /// ingest holds it. For the scheduler in `serve`, which simply tries
    /// again at its next tick.
    pub async fn try_lock_ingest(&self, command: &str) -> anyhow::Result<Option<IngestLock>> {
        let Some((file, path)) = self.try_lock_file()? else {
            return Ok(None);
        };
        let Some(leader) = self.lead(true).await? else {
            return Ok(None);
        };
        let mut lock = IngestLock {
            file,
            path,
            _leader: leader,
        };
        lock.write_holder(command)?;
        Ok(Some(lock))
    }

    /// Takes the data folder's lock if it is free, without the leader lock
    /// of a shared database: `None` when another process (or the scheduler)
    /// holds it. For the follower in `serve`, which only writes this
    /// folder's index and tries again at its next round.
    pub fn try_lock_folder(&self, command: &str) -> anyhow::Result<Option<IngestLock>> {
        let Some((file, path)) = self.try_lock_file()? else {
            return Ok(None);
        };
        let mut lock = IngestLock {
            file,
            path,
            _leader: None,
        };
        lock.write_holder(command)?;
        Ok(Some(lock))
    }

    /// The lock file, locked, or `None` when another process holds it.
    fn try_lock_file(&self) -> anyhow::Result<Option<(File, PathBuf)>> {
        let (file, path) = self.open_lock_file()?;
        let locked = file
            .try_lock_exclusive()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(locked.then_some((file, path)))
    }

    fn open_lock_file(&self) -> anyhow::Result<(File, PathBuf)> {
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("cannot create the data folder {}", self.root.display()))?;
        let path = self.root.join(INGEST_LOCK_FILE);
        // Never truncated before it is locked: the holder's note must stay
        // readable for whoever waits.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        Ok((file, path))
    }

    pub async fn open_pipeline(&self) -> anyhow::Result<pipeline::Pipeline> {
        let store = self.open_store().await?;
        let index = self.open_index()?;
        self.pipeline_with(store, index).await
    }

    /// A pipeline over a store and index already open, with this folder's
    /// snapshot.
    pub async fn pipeline_with(
        &self,
        store: Arc<dyn Store>,
        index: Arc<SearchIndex>,
    ) -> anyhow::Result<pipeline::Pipeline> {
        let pipeline = pipeline::Pipeline::open(store, index).await?;
        Ok(pipeline.with_snapshot(self.root.join("story-engine.snapshot")))
    }
}

/// The lock file in the data folder. It stays after use: removing it would
/// let a process that opened it just before lock a file nobody else sees.
pub const INGEST_LOCK_FILE: &str = "ingest.lock";

/// The lock taken while an index of another version is set aside.
const INDEX_UPGRADE_LOCK_FILE: &str = "index-upgrade.lock";

/// Exit status when `--no-wait` finds another ingest running: sysexits'
/// EX_TEMPFAIL, "try again later".
pub const EXIT_BUSY: u8 = 75;

/// Test hook: after taking the lock, hold it (before any work) until the
/// file this names exists, at most two minutes, so that the end-to-end tests
/// can meet a held lock without timing anything.
const TEST_HOLD_VAR: &str = "RAVENWIRE_TEST_HOLD_INGEST_LOCK_UNTIL";

async fn test_hold() {
    let Some(release) = std::env::var_os(TEST_HOLD_VAR).map(PathBuf::from) else {
        return;
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while !release.exists() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The ingest lock of one data folder, held until dropped. It is an OS file
/// lock (`flock` on Unix, `LockFileEx` on Windows, through `fs4`), so the
/// system releases it when the process ends however it ends, `kill -9`
/// included; the pid written in the file is only a note for those waiting.
pub struct IngestLock {
    file: File,
    path: PathBuf,
    /// On PostgreSQL, leadership over the shared database.
    _leader: Option<LeaderLock>,
}

impl IngestLock {
    fn write_holder(&mut self, command: &str) -> anyhow::Result<()> {
        let note = format!(
            "pid {}: ravenwire {command}, since {}\n",
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        let write = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.rewind()?;
            file.write_all(note.as_bytes())?;
            file.flush()
        };
        write(&mut self.file).with_context(|| format!("cannot write {}", self.path.display()))
    }
}

impl Drop for IngestLock {
    fn drop(&mut self) {
        // Clear the note first, so nobody reads a finished holder's name;
        // closing the file (right after) would release the lock anyway.
        let _ = self.file.set_len(0);
        let _ = FileExt::unlock(&self.file);
    }
}

/// Who holds the lock, as its holder wrote it.
fn read_holder(mut file: &File) -> String {
    let mut note = String::new();
    let read = file.rewind().and_then(|_| file.take(200).read_to_string(&mut note));
    match read.map(|_| note.trim().to_string()) {
        Ok(note) if !note.is_empty() => format!("held by {note}"),
        _ => "held by a process that has not said which".to_string(),
    }
}

fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A database URL fit for messages: any password left out.
pub fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only URLs that cannot have a password refuse one.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(a URL that does not parse)".to_string(),
    }
}
