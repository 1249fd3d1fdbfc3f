//! The store a test's binary runs on: the data folder's SQLite file, or a
//! PostgreSQL database of the test's own for each data folder it uses.
//!
//! A test written once runs on both with [`on_both`]: `on_both!(name);`
//! after `fn name()` makes the tests `name::sqlite` and `name::postgres`.
//! The PostgreSQL one takes its server from the store's test support
//! (`RAVENWIRE_TEST_POSTGRES`, or a private server started once for this
//! test process); without one it says it was skipped and passes, unless
//! `RAVENWIRE_REQUIRE_POSTGRES=1`.
//!
//! On PostgreSQL every data folder a test names gets a fresh database the
//! first time a command runs on it, so that a test's clean import and its
//! crashed import, in two folders, stay apart as they do on SQLite. The
//! helpers of [`super`] hand the binary its database through
//! `RAVENWIRE_DATABASE_URL` (and remove that variable on SQLite, so that a
//! developer's own never leaks in); a test that builds its own `Command`
//! calls [`database_env`]. The choice is per thread: the test's own, where
//! libtest runs it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;

use store::test_support::PgDatabase;
use store::{PgStore, SqliteStore, Store};

/// The variable that names the binary's PostgreSQL database.
pub const DATABASE_VARIABLE: &str = "RAVENWIRE_DATABASE_URL";

/// This thread's test on PostgreSQL: a database per data folder, and one
/// made ahead (to learn whether there is a server at all) for the first.
#[derive(Default)]
struct Postgres {
    spare: Option<PgDatabase>,
    databases: HashMap<PathBuf, PgDatabase>,
}

thread_local! {
    static POSTGRES: RefCell<Option<Postgres>> = const { RefCell::new(None) };
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the test's own store calls")
        .block_on(future)
}

/// Runs `test` with the binary on the data folder's SQLite file.
pub fn on_sqlite(test: fn()) {
    POSTGRES.with(|pg| *pg.borrow_mut() = None);
    test();
}

/// Runs `test` with the binary on PostgreSQL, a fresh database for each
/// data folder; skipped (with a line saying so) when there is no server
/// and none is required. The databases are dropped when the test passes
/// (on a server named by the environment; a private server goes whole).
pub fn on_postgres(test: fn()) {
    let Some(first) = block_on(PgDatabase::create()) else {
        return;
    };
    POSTGRES.with(|pg| {
        *pg.borrow_mut() = Some(Postgres {
            spare: Some(first),
            databases: HashMap::new(),
        })
    });
    test();
    let used = POSTGRES.with(|pg| pg.borrow_mut().take()).unwrap_or_default();
    block_on(async {
        for db in used.databases.into_values().chain(used.spare) {
            db.drop_database().await;
        }
    });
}

/// Whether this thread's test runs on PostgreSQL.
pub fn is_postgres() -> bool {
    POSTGRES.with(|pg| pg.borrow().is_some())
}

/// The PostgreSQL URL of the database of `data` (made on first use), or
/// `None` on SQLite.
pub fn database_url(data: &Path) -> Option<String> {
    let key = std::path::absolute(data).unwrap_or_else(|_| data.to_path_buf());
    POSTGRES.with(|pg| {
        let mut pg = pg.borrow_mut();
        let pg = pg.as_mut()?;
        if let Some(db) = pg.databases.get(&key) {
            return Some(db.url().to_string());
        }
        let db = match pg.spare.take() {
            Some(db) => db,
            // On a thread of its own, as the caller may be inside a runtime.
            None => std::thread::scope(|s| s.spawn(|| block_on(PgDatabase::create())).join())
                .expect("a test database is made")
                .expect("the server that made the test's first database"),
        };
        let url = db.url().to_string();
        pg.databases.insert(key, db);
        Some(url)
    })
}

/// Points `command`, which runs on the data folder `data`, at this test's
/// store: sets or removes `RAVENWIRE_DATABASE_URL`.
pub fn database_env<'a>(command: &'a mut Command, data: Option<&Path>) -> &'a mut Command {
    match data.and_then(database_url) {
        Some(url) => command.env(DATABASE_VARIABLE, url),
        None => command.env_remove(DATABASE_VARIABLE),
    }
}

/// The store of a data folder as the binary under test sees it.
pub enum TestStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl TestStore {
    /// Opens the store of `data`: its database on PostgreSQL, else its
    /// SQLite file.
    pub async fn open(data: &Path) -> TestStore {
        match database_url(data) {
            Some(url) => TestStore::Postgres(
                PgStore::connect(&url)
                    .await
                    .unwrap_or_else(|e| panic!("open the test database {url}: {e}")),
            ),
            None => TestStore::Sqlite(
                SqliteStore::open(&data.join("ravenwire.sqlite"))
                    .await
                    .unwrap_or_else(|e| panic!("open the store in {}: {e}", data.display())),
            ),
        }
    }

    pub async fn close(self) {
        match self {
            TestStore::Sqlite(store) => store.close().await,
            TestStore::Postgres(store) => store.close().await,
        }
    }
}

impl Deref for TestStore {
    type Target = dyn Store;

    fn deref(&self) -> &(dyn Store + 'static) {
        match self {
            TestStore::Sqlite(store) => store,
            TestStore::Postgres(store) => store,
        }
    }
}

/// `on_both!(name);` after a plain `fn name()` makes two tests of it,
/// `name::sqlite` and `name::postgres` (see the module's documentation).
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                $crate::common::backend::on_sqlite(super::$name)
            }

            #[test]
            fn postgres() {
                $crate::common::backend::on_postgres(super::$name)
            }
        }
    };
}
pub(crate) use on_both;
