//! The SQLite backend: one file, WAL journal, a small connection pool.
//!
//! Each data type has its own module holding its SQL; this module opens the
//! database and routes the [`Store`] methods to them. The SQL stays close to
//! what PostgreSQL also accepts (`ON CONFLICT`, `RETURNING`, no SQLite date
//! functions); what would differ is noted where it occurs.

pub(crate) mod articles;
pub(crate) mod auth;
pub(crate) mod change_log;
pub(crate) mod derived;
pub(crate) mod entities;
pub(crate) mod fetches;
pub(crate) mod front;
pub(crate) mod jobs;
pub(crate) mod polls;
pub(crate) mod saved;
pub(crate) mod sources;
pub(crate) mod stories;
pub(crate) mod tallies;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Sqlite, Transaction};

use model::{Source, SourceKind, Timestamp};

use crate::{
    ArticleId, Error, FeedState, FetchId, FetchRecord, NewArticle, PollRecord, ReindexEntry, Result, SourceId,
    StoreStats, StoredArticle, StoredSource, StoryDetail, StoryId, StoryPlacement, StorySummary, WebSub,
};

/// Readers run in parallel under WAL; SQLite still takes one writer at a time,
/// so more connections than this would only queue on its lock.
const POOL_SIZE: u32 = 4;

/// How much of the database file each connection maps into memory.
const MMAP_BYTES: u64 = 256 << 20;

/// Each connection's page cache, in KiB (SQLite's negative `cache_size`).
const CACHE_KIB: u32 = 32 * 1024;

/// How long a writer waits for another writer (this process or another)
/// before giving up with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// [`Store`](crate::Store) on one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// The one connection every write goes through (see [`SqliteStore::open`]).
    writer: SqlitePool,
}

impl SqliteStore {
    /// Opens the database at `path`, creating it and its folder if missing,
    /// and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        let open_error = |source| Error::Open {
            path: path.display().to_string(),
            source,
        };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| open_error(sqlx::Error::Io(e)))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL is durable across application crashes under WAL; only a
            // power loss can drop the last commits, which a re-fetch restores.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Reads go through a shared memory map instead of a read call
            // per page, and each connection keeps a bigger page cache than
            // SQLite's 2 MB default: both matter once the database is larger
            // than a few hundred megabytes. Pages the map touches are the
            // operating system's file cache, shared by every connection.
            .pragma("mmap_size", MMAP_BYTES.to_string())
            .pragma("cache_size", format!("-{CACHE_KIB}"))
            .pragma("wal_autocheckpoint", "16384")
            // A statement that may fail halfway (any write, with foreign
            // keys on) keeps the pages it changes in a statement journal,
            // and SQLite spills one over 64 KiB to a temporary file: storing
            // an article's thirty entity links did, every time, and those
            // files took more writes than the database and its WAL together.
            // In memory, a statement's journal lives only as long as it runs.
            .pragma("temp_store", "MEMORY");
        // The migrations run on a connection of their own with foreign keys
        // off: a migration that rebuilds a table (SQLite cannot alter a
        // constraint) must drop the old one without its ON DELETE actions
        // firing, and sqlx runs each migration in a transaction, inside which
        // the pragma cannot be changed. A rebuilding migration checks its own
        // references before it commits (see 0003_feed_health.sql).
        let mut migrating = options
            .clone()
            .foreign_keys(false)
            .connect()
            .await
            .map_err(open_error)?;
        MIGRATOR.run(&mut migrating).await?;
        migrating.close().await.map_err(open_error)?;
        // A connection to a local file does not go stale: pinging it before
        // each use would add a round trip to its thread to every store
        // call, and ingest makes a dozen calls per article.
        let pool = SqlitePoolOptions::new()
            .max_connections(POOL_SIZE)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(open_error)?;
        // Writes take turns on one connection of their own. SQLite has one
        // writer at a time anyway, but a connection that meets a database
        // changed by another drops its whole page cache (and its memory
        // map) when its next transaction starts: writes spread over the
        // pool paid for that on almost every statement, reading back the
        // pages of the indexes they were about to change.
        // It maps nothing: its own page cache stays valid, and a map that
        // stayed would only add the file's pages to the process's resident
        // memory.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.pragma("mmap_size", "0"))
            .await
            .map_err(open_error)?;
        front::fill_missing_ranks(&writer).await?;
        Ok(SqliteStore { pool, writer })
    }

    /// Waits for running queries and closes every connection, so that the
    /// WAL is folded back into the database file.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    /// Where single-statement writes go: the writer connection.
    fn writes(&self) -> &SqlitePool {
        &self.writer
    }

    /// Starts a transaction that takes the write lock at once.
    ///
    /// A plain (deferred) transaction that reads first and writes later
    /// cannot wait for the lock when another writer got in between: SQLite
    /// fails it at once with SQLITE_BUSY. PostgreSQL needs none of this.
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A story write: SQLite's one writer at a time already orders them.
    async fn begin_story_write(&self) -> Result<Transaction<'static, Sqlite>> {
        self.begin_write().await
    }

    /// A new article and what it names, in one transaction: one commit
    /// where there were two, and no article ever stored unscanned.
    async fn insert_scanned(
        &self,
        new: &NewArticle,
        version: u32,
        entities: &[crate::ArticleEntity],
    ) -> Result<ArticleId> {
        let mut tx = self.begin_write().await?;
        let id = articles::insert(&mut *tx, new).await?;
        entities::add_for_article(&mut tx, id, version, entities).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Pages in one transaction: one commit for all of them, where each
    /// page took two. Inside it no other writer can get in, so a URL not
    /// found before the insert is not there at the insert either.
    async fn store_pages_here(&self, pages: Vec<crate::NewPage>, version: u32) -> Result<Vec<crate::PageStored>> {
        use crate::PageStored;
        let mut stored = Vec::with_capacity(pages.len());
        let mut tx = self.begin_write().await?;
        for page in pages {
            let Some((mut article, entities)) = page.article else {
                stored.push(PageStored::Recorded(fetches::record(&mut *tx, &page.fetch).await?));
                continue;
            };
            if let Some(id) = articles::find_by_url(&mut *tx, &article.canonical_url).await? {
                stored.push(PageStored::Known(id));
                continue;
            }
            article.fetch = Some(fetches::record(&mut *tx, &page.fetch).await?);
            let id = articles::insert(&mut *tx, &article).await?;
            entities::add_for_article(&mut tx, id, version, &entities).await?;
            stored.push(PageStored::New(id));
        }
        tx.commit().await?;
        Ok(stored)
    }
}

crate::route::store_impl!(SqliteStore);

/// Counts for the metrics, read at scrape time.
mod counts;

pub(crate) fn count(value: i64, table: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| Error::Corrupt(format!("{table} count is {value}")))
}

/// Parses a stored publication time, naming the row when it is not one.
pub(crate) fn parse_timestamp(text: Option<String>, what: &str) -> Result<Option<Timestamp>> {
    text.map(|t| Timestamp::from_str(&t).map_err(|e| Error::Corrupt(format!("{what}: {e}"))))
        .transpose()
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::test_support::{new_article, store_test};
    use super::*;
    use crate::Store;

    #[tokio::test]
    async fn creates_missing_folders_and_turns_on_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep").join("er").join("news.db");
        let store = SqliteStore::open(&path).await.unwrap();
        assert!(path.is_file());

        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(foreign_keys, 1);
        let busy_ms: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(busy_ms, 10_000);
    }

    #[tokio::test]
    async fn every_connection_maps_the_file_and_keeps_a_larger_cache() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("news.db")).await.unwrap();
        // Hold every connection of the pool at once, so each is checked.
        let mut held = Vec::new();
        for _ in 0..POOL_SIZE {
            held.push(store.pool.acquire().await.unwrap());
        }
        for conn in &mut held {
            let mmap: i64 = sqlx::query_scalar("PRAGMA mmap_size")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(mmap as u64, MMAP_BYTES);
            let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(cache, -i64::from(CACHE_KIB));
        }
    }

    #[tokio::test]
    async fn reopening_an_existing_file_keeps_its_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let id = store
            .insert_article(&new_article("https://a.example/1", "Kept", None))
            .await
            .unwrap();
        store.close().await;

        let again = SqliteStore::open(&path).await.unwrap();
        let stored = again.article(id).await.unwrap().expect("article survives");
        assert_eq!(stored.article.title.as_deref(), Some("Kept"));
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&again.pool)
            .await
            .unwrap();
        assert_eq!(applied, MIGRATOR.iter().count() as i64, "each migration ran once");
    }

    /// A connection to a database at `path` as the release before feed
    /// health left it: migrations 0001 and 0002 only, foreign keys on.
    async fn database_before_feed_health(path: &Path) -> sqlx::SqliteConnection {
        let old = tempfile::tempdir().unwrap();
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for name in ["0001_init.sql", "0002_reindex_queue.sql"] {
            std::fs::copy(here.join(name), old.path().join(name)).unwrap();
        }
        let migrator = Migrator::new(old.path()).await.unwrap();
        assert_eq!(migrator.iter().count(), 2);
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .connect()
            .await
            .unwrap();
        migrator.run(&mut conn).await.unwrap();
        for sql in [
            "INSERT INTO sources (id, kind, url, title, added_at, polled_at) VALUES \
             (1, 'feed', 'https://north.example/rss', 'North Gazette', '2023-11-14T22:13:20+00:00', \
              '2023-11-15T08:00:00.500+00:00'), \
             (2, 'site', 'https://south.example', NULL, '2023-11-14T22:13:21+00:00', NULL)",
            "INSERT INTO articles (id, canonical_url, content_hash, source_id, added_at, text, html) VALUES \
             (10, 'https://north.example/a', 'h10', 1, '2023-11-15T08:00:01+00:00', 'Tide mill restored.', '<p>Tide mill restored.</p>'), \
             (11, 'https://north.example/b', 'h11', 1, '2023-11-15T08:00:02+00:00', 'Ferry timetable.', '<p>Ferry timetable.</p>'), \
             (12, 'https://south.example/c', 'h12', 2, '2023-11-15T08:00:03+00:00', 'Orchard fair.', '<p>Orchard fair.</p>'), \
             (13, 'https://elsewhere.example/d', 'h13', NULL, '2023-11-15T08:00:04+00:00', 'Lost dog.', '<p>Lost dog.</p>')",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        let sitemap = sqlx::query(
            "INSERT INTO sources (kind, url, added_at) VALUES ('sitemap', 'https://x.example/s.xml', '2023-11-14T22:13:20+00:00')",
        )
        .execute(&mut conn)
        .await;
        assert!(sitemap.is_err(), "the old schema refuses sitemaps");
        conn
    }

    async fn article_sources(pool: &SqlitePool) -> Vec<(i64, Option<i64>)> {
        sqlx::query_as("SELECT id, source_id FROM articles ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn upgrading_to_feed_health_keeps_every_articles_source_and_accepts_sitemaps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.db");
        database_before_feed_health(&path).await.close().await.unwrap();

        let store = SqliteStore::open(&path).await.unwrap();
        assert_eq!(
            article_sources(&store.pool).await,
            vec![(10, Some(1)), (11, Some(1)), (12, Some(2)), (13, None)]
        );
        let sources = store.sources(None).await.unwrap();
        assert_eq!(sources.len(), 2);
        let polled = "2023-11-15T08:00:00.5Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(sources[0].title.as_deref(), Some("North Gazette"));
        assert_eq!(sources[0].polled_at, Some(polled));
        assert_eq!(sources[0].state.last_poll, Some(polled), "the last poll carries over");
        assert_eq!(sources[0].state.next_poll, None, "and the source is due at once");
        assert_eq!(sources[1].kind, SourceKind::Site);
        assert_eq!(store.count_articles_of_source(SourceId(1)).await.unwrap(), 2);

        let sitemap = store
            .add_source(&Source {
                kind: SourceKind::Sitemap,
                url: "https://north.example/news-sitemap.xml".to_string(),
                title: None,
            })
            .await
            .unwrap();
        let stored = store.source(sitemap).await.unwrap().expect("sitemap source");
        assert_eq!(stored.kind, SourceKind::Sitemap);

        let violations: Vec<(String, i64)> = sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        assert!(violations.is_empty(), "{violations:?}");
        // The foreign keys still act on the rebuilt table.
        sqlx::query("DELETE FROM sources WHERE id = 2")
            .execute(&store.pool)
            .await
            .unwrap();
        assert_eq!(article_sources(&store.pool).await[2], (12, None));
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(applied, MIGRATOR.iter().count() as i64);
    }

    #[tokio::test]
    async fn the_feed_health_migration_refuses_to_run_with_foreign_keys_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.db");
        let mut conn = database_before_feed_health(&path).await;
        // As `sqlx migrate run` or any pooled connection of ours would.
        let err = MIGRATOR.run(&mut conn).await.unwrap_err();
        assert!(
            err.to_string().contains("migration_0003_needs_foreign_keys_off"),
            "{err}"
        );
        conn.close().await.unwrap();

        // Nothing changed, and the store then upgrades it properly.
        let store = SqliteStore::open(&path).await.unwrap();
        assert_eq!(
            article_sources(&store.pool).await,
            vec![(10, Some(1)), (11, Some(1)), (12, Some(2)), (13, None)]
        );
    }

    #[tokio::test]
    async fn a_path_that_cannot_be_a_database_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be.
        let err = SqliteStore::open(dir.path()).await.unwrap_err();
        assert!(
            matches!(err, Error::Open { ref path, .. } if path == &dir.path().display().to_string()),
            "{err}"
        );
    }

    store_test!(async fn counts_every_kind_of_row(store) {
        assert_eq!(store.stats().await.unwrap(), StoreStats::default());
        store
            .add_source(&Source {
                kind: SourceKind::Site,
                url: "https://a.example".to_string(),
                title: None,
            })
            .await
            .unwrap();
        let a = store
            .insert_article(&new_article("https://a.example/1", "A", None))
            .await
            .unwrap();
        store
            .insert_article(&new_article("https://a.example/2", "B", None))
            .await
            .unwrap();
        store
            .assign_story(
                a,
                &StoryPlacement {
                    story_key: "k".to_string(),
                    copy_of: None,
                    redated: false,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store.stats().await.unwrap(),
            StoreStats {
                sources: 1,
                fetches: 0,
                articles: 2,
                stories: 1
            }
        );
    });

    store_test!(multi_thread async fn concurrent_writers_wait_for_each_other(store) {
        let mut tasks = Vec::new();
        for n in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let id = store
                    .insert_article(&new_article(&format!("https://a.example/{n}"), "T", None))
                    .await?;
                let placement = StoryPlacement {
                    story_key: format!("k{}", n % 3),
                    copy_of: None,
                    redated: false,
                };
                store.assign_story(id, &placement).await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let stats = store.stats().await.unwrap();
        assert_eq!((stats.articles, stats.stories), (16, 3));
    });
}
