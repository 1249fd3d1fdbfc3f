//! The SQLite backend: one file, WAL journal, a small connection pool.
//!
//! Each data type has its own module holding its SQL; this module opens the
//! database and routes the [`Store`] methods to them. The SQL stays close to
//! what PostgreSQL also accepts (`ON CONFLICT`, `RETURNING`, no SQLite date
//! functions); what would differ is noted where it occurs.

mod articles;
mod derived;
mod fetches;
mod sources;
mod stories;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};

use model::{Source, SourceKind, Timestamp};

use crate::{
    ArticleId, Error, FetchId, FetchRecord, NewArticle, ReindexEntry, Result, SourceId, Store, StoreStats,
    StoredArticle, StoredSource, StoryDetail, StoryId, StoryPlacement, StorySummary,
};

/// Readers run in parallel under WAL; SQLite still takes one writer at a time,
/// so more connections than this would only queue on its lock.
const POOL_SIZE: u32 = 4;

/// How long a writer waits for another writer (this process or another)
/// before giving up with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// [`Store`] on one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
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
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect_with(options)
            .await
            .map_err(open_error)?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// Waits for running queries and closes every connection, so that the
    /// WAL is folded back into the database file.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a transaction that takes the write lock at once.
    ///
    /// A plain (deferred) transaction that reads first and writes later
    /// cannot wait for the lock when another writer got in between: SQLite
    /// fails it at once with SQLITE_BUSY. PostgreSQL needs none of this.
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn add_source(&self, source: &Source) -> Result<SourceId> {
        sources::add(&self.pool, source).await
    }

    async fn sources(&self, kind: Option<SourceKind>) -> Result<Vec<StoredSource>> {
        sources::list(&self.pool, kind).await
    }

    async fn mark_source_polled(&self, id: SourceId, at: DateTime<Utc>) -> Result<()> {
        sources::mark_polled(&self.pool, id, at).await
    }

    async fn record_fetch(&self, fetch: &FetchRecord) -> Result<FetchId> {
        fetches::record(&self.pool, fetch).await
    }

    async fn find_article_by_url(&self, canonical_url: &str) -> Result<Option<ArticleId>> {
        articles::find_by_url(&self.pool, canonical_url).await
    }

    async fn find_article_by_hash(&self, content_hash: &str) -> Result<Option<ArticleId>> {
        articles::find_by_hash(&self.pool, content_hash).await
    }

    async fn insert_article(&self, article: &NewArticle) -> Result<ArticleId> {
        articles::insert(&self.pool, article).await
    }

    async fn assign_story(&self, article: ArticleId, placement: &StoryPlacement) -> Result<StoryId> {
        let mut tx = self.begin_write().await?;
        let story = stories::assign(&mut tx, article, placement).await?;
        tx.commit().await?;
        Ok(story)
    }

    async fn article(&self, id: ArticleId) -> Result<Option<StoredArticle>> {
        articles::get(&self.pool, id).await
    }

    async fn provenance(&self, ids: &[ArticleId]) -> Result<std::collections::HashMap<ArticleId, model::Provenance>> {
        articles::provenance(&self.pool, ids).await
    }

    async fn articles_after(&self, after: Option<ArticleId>, limit: u32) -> Result<Vec<StoredArticle>> {
        articles::after(&self.pool, after, limit).await
    }

    async fn latest_stories(&self, limit: u32, offset: u32) -> Result<Vec<StorySummary>> {
        stories::latest(&self.pool, limit, offset).await
    }

    async fn story(&self, id: StoryId) -> Result<Option<StoryDetail>> {
        stories::detail(&self.pool, id).await
    }

    async fn story_by_key(&self, key: &str) -> Result<Option<StoryId>> {
        stories::by_key(&self.pool, key).await
    }

    async fn set_related(&self, story: StoryId, related: &[StoryId]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        stories::set_related(&mut tx, story, related).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn count_articles_after(&self, after: Option<ArticleId>) -> Result<u64> {
        derived::count_after(&self.pool, after).await
    }

    async fn unplaced_articles(&self, limit: u32) -> Result<Vec<ArticleId>> {
        derived::unplaced(&self.pool, limit).await
    }

    async fn reindex_queue(&self, limit: u32) -> Result<Vec<ReindexEntry>> {
        derived::reindex_queue(&self.pool, limit).await
    }

    async fn reindex_pending(&self) -> Result<u64> {
        derived::reindex_pending(&self.pool).await
    }

    async fn clear_reindex(&self, up_to: i64) -> Result<()> {
        derived::clear_reindex(&self.pool, up_to).await
    }

    async fn stats(&self) -> Result<StoreStats> {
        let (sources, fetches, articles, stories): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM fetches), \
             (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM stories)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(StoreStats {
            sources: count(sources, "sources")?,
            fetches: count(fetches, "fetches")?,
            articles: count(articles, "articles")?,
            stories: count(stories, "stories")?,
        })
    }
}

fn count(value: i64, table: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| Error::Corrupt(format!("{table} count is {value}")))
}

/// Parses a stored publication time, naming the row when it is not one.
fn parse_timestamp(text: Option<String>, what: &str) -> Result<Option<Timestamp>> {
    text.map(|t| Timestamp::from_str(&t).map_err(|e| Error::Corrupt(format!("{what}: {e}"))))
        .transpose()
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests {
    use super::test_support::{fresh_store, new_article};
    use super::*;

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

    #[tokio::test]
    async fn counts_every_kind_of_row() {
        let (_dir, store) = fresh_store().await;
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
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_wait_for_each_other() {
        let (_dir, store) = fresh_store().await;
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
    }
}
