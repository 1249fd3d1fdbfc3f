//! The binary on PostgreSQL: `migrate --to` copies an SQLite store whole,
//! `--database` serves and searches it, and workers in separate data
//! folders (as on separate machines) share one database and make the
//! stories a plain import makes.
//!
//! The server comes from the store's test support: `RAVENWIRE_TEST_POSTGRES`,
//! or a private one started for this test process; without either the tests
//! say they were skipped (and fail under `RAVENWIRE_REQUIRE_POSTGRES=1`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{contents_of_articles, fixtures, ravenwire, stderr, stdout, Contents, Served};
use store::{PgStore, Store};

fn pages() -> PathBuf {
    fixtures().join("pages")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh database, or `None` when the tests are skipped.
fn database() -> Option<store::test_support::PgDatabase> {
    runtime().block_on(store::test_support::PgDatabase::create())
}

async fn contents_of(store: &dyn Store) -> Contents {
    contents_of_articles(&store.articles_after(None, 10_000).await.unwrap())
}

fn sqlite_contents(data: &Path) -> Contents {
    runtime().block_on(async {
        let store = store::SqliteStore::open(&data.join("ravenwire.sqlite")).await.unwrap();
        let contents = contents_of(&store).await;
        store.close().await;
        contents
    })
}

fn pg_contents(url: &str) -> Contents {
    runtime().block_on(async {
        let store = PgStore::connect(url).await.unwrap();
        let contents = contents_of(&store).await;
        store.close().await;
        contents
    })
}

fn with_db(data: &Path, url: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--database", url];
    all.extend_from_slice(args);
    ravenwire(data, &all)
}

#[test]
fn migrate_copies_an_sqlite_store_that_then_serves_and_searches_on_postgres() {
    let Some(db) = database() else { return };
    let data = tempfile::tempdir().unwrap();
    let out = ravenwire(data.path(), &["import", pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = sqlite_contents(data.path());

    let out = ravenwire(data.path(), &["migrate", "--to", db.url()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("articles:"), "{}", stderr(&out));
    assert_eq!(pg_contents(db.url()), before);
    // A second copy into a database that holds articles is refused.
    let again = ravenwire(data.path(), &["migrate", "--to", db.url()]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("empty"), "{}", stderr(&again));

    let check = with_db(data.path(), db.url(), &["check", "--dry-run"]);
    assert!(
        stdout(&check).contains("healthy"),
        "{}\n{}",
        stdout(&check),
        stderr(&check)
    );
    let search = with_db(data.path(), db.url(), &["search", "cranes"]);
    assert!(search.status.success(), "{}", stderr(&search));
    assert!(stdout(&search).to_lowercase().contains("crane"), "{}", stdout(&search));

    let served = Served::start(
        Some(data.path()),
        &["--database", db.url(), "serve", "--no-gather", "--addr", "127.0.0.1:0"],
    );
    let (status, page) = served.get("/");
    assert_eq!(status, 200);
    assert!(
        page.to_lowercase().contains("crane"),
        "the front page lists the stories"
    );
    let (status, json) = served.get("/api/v1/stories");
    assert_eq!(status, 200, "{json}");
}

#[test]
fn workers_in_two_folders_share_one_database_and_make_the_stories_of_an_import() {
    let Some(db) = database() else { return };
    let clean = tempfile::tempdir().unwrap();
    let out = ravenwire(clean.path(), &["import", pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = sqlite_contents(clean.path());

    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let out = with_db(first.path(), db.url(), &["enqueue", pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let worker = |data: &Path, name: &str| {
        Command::new(env!("CARGO_BIN_EXE_ravenwire"))
            .args(["--data", data.to_str().unwrap(), "--database", db.url()])
            .args(["worker", "--until-idle", "--batch", "2", "--name", name])
            .env_remove("RAVENWIRE_DATA")
            .env_remove("RAVENWIRE_DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = worker(first.path(), "a");
    let b = worker(second.path(), "b");
    let a = a.wait_with_output().unwrap();
    let b = b.wait_with_output().unwrap();
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    assert_eq!(pg_contents(db.url()), expected, "{}\n{}", stderr(&a), stderr(&b));
    let sources = with_db(first.path(), db.url(), &["sources"]);
    assert!(stdout(&sources).contains("0 queued, 0 running"), "{}", stdout(&sources));
}

#[test]
fn a_database_that_is_not_postgres_is_refused_by_name() {
    let data = tempfile::tempdir().unwrap();
    let out = ravenwire(data.path(), &["--database", "mysql://db.example/news", "sources"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("mysql://db.example/news"), "{}", stderr(&out));
    let out = ravenwire(
        data.path(),
        &["--database", "postgres://reader:secret@127.0.0.1:9/none", "sources"],
    );
    assert!(!out.status.success());
    assert!(
        !stderr(&out).contains("secret"),
        "the password stays out of messages: {}",
        stderr(&out)
    );
}
