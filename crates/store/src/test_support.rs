//! Fresh stores for tests, on SQLite and on a real PostgreSQL server.
//!
//! Built for this crate's tests, and for other crates' tests with the
//! `test-support` feature (`ravenwire-store = { features = ["test-support"] }`
//! under `[dev-dependencies]`).
//!
//! PostgreSQL comes, in this order of preference, from:
//! 1. `RAVENWIRE_TEST_POSTGRES`: the URL of a server where the user may
//!    `CREATE DATABASE` (for example `postgres://postgres@localhost/postgres`
//!    or `postgres:///postgres?host=/run/postgresql`);
//! 2. a private server that the first test to ask starts once per test
//!    process: `initdb` into a temporary folder (found on `PATH` or under
//!    `/usr/lib/postgresql/*/bin`), listening only on a Unix socket in that
//!    folder, with durability turned off. PostgreSQL refuses to run as root,
//!    so as root it runs as the `postgres` user through `runuser`. A small
//!    shell watcher stops the server and removes the folder once the test
//!    process has gone;
//! 3. nothing: each PostgreSQL test then prints a line saying it was
//!    skipped and passes, unless `RAVENWIRE_REQUIRE_POSTGRES=1`, where it
//!    fails saying why (CI sets it, so that it never skips silently).
//!
//! Every test gets a database of its own (`CREATE DATABASE` with a name
//! unique to the process and the test). On the private server it is a file
//! copy of a template migrated once, and stays until the server goes; on a
//! server named by the environment it starts empty and is dropped by
//! [`PgDatabase::drop_database`].

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};
use tempfile::TempDir;

use crate::{PgStore, SqliteStore};

/// The variable naming a server to use.
pub const SERVER_VARIABLE: &str = "RAVENWIRE_TEST_POSTGRES";
/// The variable that makes a missing server an error.
pub const REQUIRE_VARIABLE: &str = "RAVENWIRE_REQUIRE_POSTGRES";

/// A store on a new SQLite file in its own folder; keep the folder alive as
/// long as the store.
pub async fn sqlite_store() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("ravenwire.db"))
        .await
        .expect("open a fresh database");
    (dir, store)
}

/// A store on a new PostgreSQL database, or `None` (after printing why)
/// when no server is available and none is required.
pub async fn pg_store() -> Option<(PgDatabase, PgStore)> {
    let db = PgDatabase::create().await?;
    let store = PgStore::connect_with(db.options())
        .await
        .unwrap_or_else(|e| panic!("open the test database {}: {e}", db.url()));
    Some((db, store))
}

/// A database of one test's own on the test server.
#[derive(Debug)]
pub struct PgDatabase {
    server: PgConnectOptions,
    name: String,
    url: String,
    /// On the private server.
    private: bool,
}

impl PgDatabase {
    /// Creates an empty database, or returns `None` when there is no
    /// server (see the module's documentation; panics when one is
    /// required).
    pub async fn create() -> Option<PgDatabase> {
        let server = match server() {
            Ok(server) => server,
            Err(why) => {
                if std::env::var(REQUIRE_VARIABLE).is_ok_and(|v| v == "1") {
                    panic!("no PostgreSQL for the tests, and {REQUIRE_VARIABLE}=1: {why}");
                }
                eprintln!("skipped: no PostgreSQL (set {SERVER_VARIABLE} or install postgresql): {why}");
                return None;
            }
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "ravenwire_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        // On the private server every database starts as a copy of one
        // already migrated (a file copy is the fastest way PostgreSQL has to
        // make a database); on a server named by the environment, where a
        // template would outlive the tests, they start empty.
        let create = match &server.template {
            Some(template) => {
                let template = template.get_or_init(|| migrated_template(&server.options)).await;
                format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\" STRATEGY FILE_COPY")
            }
            None => format!("CREATE DATABASE \"{name}\""),
        };
        let mut admin = connect_admin(&server.options).await;
        admin
            .execute(create.as_str())
            .await
            .unwrap_or_else(|e| panic!("create the test database {name}: {e}"));
        admin.close().await.ok();
        let url = with_database(&server.url, &name);
        Some(PgDatabase {
            server: server.options.clone(),
            name,
            url,
            private: server.template.is_some(),
        })
    }

    /// Options that connect to this database.
    pub fn options(&self) -> PgConnectOptions {
        self.server.clone().database(&self.name)
    }

    /// This database's URL, for a process under test.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database on a server named by the environment; close
    /// every store on it first. Best effort: one left behind (a failed
    /// test) keeps its `ravenwire_test_` name. On the private server this
    /// does nothing, as the whole server goes when the tests end.
    pub async fn drop_database(self) {
        if self.private {
            return;
        }
        let mut admin = connect_admin(&self.server).await;
        if let Err(e) = admin
            .execute(format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name).as_str())
            .await
        {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
        admin.close().await.ok();
    }
}

/// A connection to the server's maintenance database, retried while a
/// server that has just started comes up.
async fn connect_admin(server: &PgConnectOptions) -> sqlx::PgConnection {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match server.connect().await {
            Ok(conn) => return conn,
            Err(e) if Instant::now() > deadline => panic!("connect to the test PostgreSQL server: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Makes and migrates the template of the private server's test
/// databases, and returns its name; nobody stays connected to it.
async fn migrated_template(server: &PgConnectOptions) -> String {
    let name = format!("ravenwire_template_{}", std::process::id());
    let mut admin = connect_admin(server).await;
    admin
        .execute(format!("CREATE DATABASE \"{name}\"").as_str())
        .await
        .unwrap_or_else(|e| panic!("create the template database {name}: {e}"));
    admin.close().await.ok();
    let store = PgStore::connect_with(server.clone().database(&name))
        .await
        .unwrap_or_else(|e| panic!("migrate the template database {name}: {e}"));
    store.close().await;
    name
}

/// A server to make test databases on: its maintenance database.
#[derive(Debug)]
struct Server {
    options: PgConnectOptions,
    url: String,
    /// The migrated template of the private server's test databases, made
    /// by the first test to need it.
    template: Option<tokio::sync::OnceCell<String>>,
    /// The private server's folder, removed by the watcher.
    _folder: Option<PathBuf>,
}

/// The server of this process, found or started once.
fn server() -> Result<&'static Server, String> {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    SERVER.get_or_init(find_or_start).as_ref().map_err(Clone::clone)
}

fn find_or_start() -> Result<Server, String> {
    if let Ok(url) = std::env::var(SERVER_VARIABLE) {
        let options =
            PgConnectOptions::from_str(&url).map_err(|e| format!("{SERVER_VARIABLE} is not a PostgreSQL URL: {e}"))?;
        return Ok(Server {
            options,
            url,
            template: None,
            _folder: None,
        });
    }
    let bin = binaries().ok_or("neither initdb nor postgres found on PATH or under /usr/lib/postgresql/*/bin")?;
    start_private(&bin)
}

/// The folder holding `initdb` and `postgres`: that of the `initdb` on
/// `PATH` (links followed), or the newest under `/usr/lib/postgresql`.
fn binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .filter_map(|dir| std::fs::canonicalize(dir.join("initdb")).ok())
            .find_map(|initdb| initdb.parent().map(Path::to_path_buf))
    });
    let installed = || {
        let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
                Some((version, entry.path().join("bin")))
            })
            .collect();
        found.sort();
        found.pop().map(|(_, bin)| bin)
    };
    on_path
        .or_else(installed)
        .filter(|bin| bin.join("initdb").is_file() && bin.join("postgres").is_file())
}

/// Whether this process runs as root (the owner of `/proc/self`).
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// initdb and start a server in a new temporary folder, watched so that it
/// stops when this process ends.
fn start_private(bin: &Path) -> Result<Server, String> {
    let folder = tempfile::Builder::new()
        .prefix("ravenwire-pg-")
        .tempdir()
        .map_err(|e| format!("temporary folder for PostgreSQL: {e}"))?
        .keep();
    let data = folder.join("data");
    // As root, every PostgreSQL program runs as the postgres user, who must
    // own the folder.
    let as_postgres = running_as_root();
    let command = |program: &Path| {
        if as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    };
    if as_postgres {
        let owned = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(&folder)
            .status()
            .map_err(|e| format!("chown the PostgreSQL folder (running as root): {e}"))?;
        if !owned.success() {
            return Err("running as root, and there is no postgres user to run PostgreSQL as".to_string());
        }
    }
    let log = folder.join("server.log");
    let init = command(&bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("run initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!(
            "initdb into {} failed: {}",
            data.display(),
            String::from_utf8_lossy(&init.stderr).trim()
        ));
    }
    // The watcher starts the server, and once this process (its parent) or
    // the server is gone, stops the server and removes the folder.
    let watcher = "parent=$1; folder=$2; shift 2; \"$@\" & server=$!; \
         while kill -0 \"$parent\" 2>/dev/null && kill -0 \"$server\" 2>/dev/null; do sleep 1; done; \
         pid=$(head -n 1 \"$folder/data/postmaster.pid\" 2>/dev/null); \
         [ -n \"$pid\" ] && kill -INT \"$pid\" 2>/dev/null; wait \"$server\"; rm -rf \"$folder\"";
    let server_log = std::fs::File::create(&log).map_err(|e| format!("server log {}: {e}", log.display()))?;
    let mut start = Command::new("sh");
    start
        .args(["-c", watcher, "sh"])
        .arg(std::process::id().to_string())
        .arg(&folder);
    if as_postgres {
        start.args(["runuser", "-u", "postgres", "--"]);
    }
    start
        .arg(bin.join("postgres"))
        .arg("-D")
        .arg(&data)
        .arg("-k")
        .arg(&folder)
        .args([
            "-c",
            "listen_addresses=",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=400",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(server_log)
        .spawn()
        .map_err(|e| format!("start PostgreSQL: {e}"))?;
    wait_until_ready(&data, &log)?;
    let options = PgConnectOptions::new()
        .socket(&folder)
        .username("postgres")
        .database("postgres");
    let url = format!("postgres://postgres@localhost/postgres?host={}", folder.display());
    Ok(Server {
        options,
        url,
        template: Some(tokio::sync::OnceCell::new()),
        _folder: Some(folder),
    })
}

/// Waits for the server to say it is ready (in its pid file).
fn wait_until_ready(data: &Path, log: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let status = std::fs::read_to_string(data.join("postmaster.pid")).unwrap_or_default();
        if status.lines().any(|line| line.trim() == "ready") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "PostgreSQL did not start within a minute: {}",
        std::fs::read_to_string(log).unwrap_or_default().trim()
    ))
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.set_path(&format!("/{name}"));
            parsed.to_string()
        }
        Err(_) => url.to_string(),
    }
}
