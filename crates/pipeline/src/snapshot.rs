//! The story engine's snapshot file: read once and taken away, written whole or not at all.

use std::path::{Path, PathBuf};

use store::{ArticleId, Store};
use stories::{Config, StoryEngine};

/// What a look at the snapshot file found.
pub(crate) enum Inspected {
    Absent,
    /// Present but damaged, foreign or stale, for this reason.
    Unusable(String),
    /// The engine and the last article it saw.
    Usable(Box<StoryEngine>, ArticleId),
}

/// The file that keeps the story engine between runs.
#[derive(Debug, Clone)]
pub(crate) struct SnapshotFile {
    path: PathBuf,
}

impl SnapshotFile {
    pub(crate) fn new(path: PathBuf) -> Self {
        SnapshotFile { path }
    }

    /// The engine saved by the last run and its watermark, when the file
    /// exists, loads and fits this store; `None`, with a warning naming
    /// the file and the reason, when it does not.
    pub(crate) async fn load(&self, store: &dyn Store) -> crate::Result<Option<(StoryEngine, ArticleId)>> {
        let path = &self.path;
        let inspected = self.inspect(store).await?;
        if path.exists() {
            // Taken away whatever it held: see the documentation of `Pipeline`.
            if let Err(e) = std::fs::remove_file(path) {
                tracing::warn!(file = %path.display(), reason = %e, "cannot remove the story engine snapshot");
            }
        }
        match inspected {
            Inspected::Absent => Ok(None),
            Inspected::Unusable(reason) => {
                tracing::warn!(file = %path.display(), reason = %reason, "story engine snapshot not used; replaying the store");
                Ok(None)
            }
            Inspected::Usable(engine, watermark) => {
                let engine = *engine;
                tracing::info!(
                    file = %path.display(),
                    documents = engine.stats().documents_seen,
                    after = %watermark,
                    "story engine loaded from its snapshot; replaying only newer articles"
                );
                Ok(Some((engine, watermark)))
            }
        }
    }

    /// Reads the file without taking it away: whether it is absent, loads
    /// and fits this store, or why not.
    pub(crate) async fn inspect(&self, store: &dyn Store) -> crate::Result<Inspected> {
        let path = &self.path;
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Inspected::Absent),
            Err(e) => return Ok(Inspected::Unusable(format!("cannot read it: {e}"))),
        };
        let (engine, watermark) =
            match StoryEngine::load_snapshot(&mut std::io::BufReader::new(file), Config::default()) {
                Ok(loaded) => loaded,
                Err(e) => return Ok(Inspected::Unusable(e.to_string())),
            };
        let watermark = ArticleId(i64::try_from(watermark).unwrap_or(i64::MAX));
        // Ids only grow, so the article at the watermark is stored, in a
        // story, unless this is another database (or an older copy).
        let known = store.article(watermark).await?.is_some_and(|a| a.story.is_some());
        if !known {
            return Ok(Inspected::Unusable(format!(
                "the store holds no article {watermark}, the last one the snapshot saw"
            )));
        }
        Ok(Inspected::Usable(Box::new(engine), watermark))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `engine`, which has seen every article up to `seen`: a
    /// temporary file beside the snapshot, synced, then renamed over it,
    /// so the file is whole or absent. A failure is logged and returned.
    pub(crate) fn save(&self, engine: &StoryEngine, seen: ArticleId) -> std::io::Result<()> {
        let watermark = u64::try_from(seen.0).unwrap_or(0);
        let saved = write_atomically(&self.path, |out| {
            engine
                .save_snapshot(watermark, out)
                .map_err(|e| std::io::Error::other(e.to_string()))
        });
        if let Err(e) = &saved {
            tracing::warn!(file = %self.path.display(), reason = %e, "cannot save the story engine snapshot");
        }
        saved
    }
}

/// Writes `path` through a temporary file in the same folder, synced before
/// it is renamed over `path`: a crash leaves the old file or the new one,
/// never half of one.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself is durable once the folder is synced.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
