//! The PostgreSQL backend: one database, a connection pool, its own
//! migrations (`migrations-postgres/`).
//!
//! Each data type has its own module holding its SQL, as in the SQLite
//! backend; the row types and the pure conversions are the SQLite
//! backend's, shared (instants are TIMESTAMPTZ here and RFC 3339 text
//! there, and both decode to the same `DateTime<Utc>`).
//!
//! Where SQLite serialises every writer (`BEGIN IMMEDIATE`), PostgreSQL
//! lets writers run side by side. The story writes (placements and related
//! lists) read what they then rewrite (a story's members, to recompute its
//! rank), so they take one transaction-scoped advisory lock and run one at
//! a time, as on SQLite; the other writes need no lock. Reads that span
//! several queries (a page of stories and their members) run in one
//! REPEATABLE READ transaction, the snapshot SQLite's read transaction
//! gives.

mod articles;
mod auth;
mod change_log;
mod counts;
mod derived;
mod entities;
mod fetches;
mod front;
mod jobs;
mod leader;
mod polls;
mod saved;
mod sources;
mod stories;

pub use leader::LeaderLock;

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use model::{Source, SourceKind};

use crate::{
    ArticleId, Error, FeedState, FetchId, FetchRecord, NewArticle, PollRecord, ReindexEntry, Result, SourceId,
    StoreStats, StoredArticle, StoredSource, StoryDetail, StoryId, StoryPlacement, StorySummary, WebSub,
};

/// Connections per process: a web node's readers and a worker's writers
/// share it; PostgreSQL's own default allows 100 over all processes.
const POOL_SIZE: u32 = 8;

/// The key of the advisory lock that story writes take (any constant that
/// no other application on the database uses: "ravenwir" in ASCII).
const STORY_WRITE_LOCK: i64 = 0x7261_7665_6e77_6972;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations-postgres");

/// [`Store`](crate::Store) on one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host/db`,
    /// or `postgres:///db?host=/run/postgresql` for a Unix socket) and
    /// brings its schema up to date.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(|source| Error::Open {
            path: redacted(url),
            source,
        })?;
        PgStore::connect_with(options).await
    }

    /// As [`PgStore::connect`], with options already parsed.
    pub async fn connect_with(options: PgConnectOptions) -> Result<PgStore> {
        let open_error = |source| Error::Open {
            path: describe(&options),
            source,
        };
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            // An unreachable server is reported after this, not sqlx's 30 s.
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(open_error)?;
        // sqlx takes an advisory lock around the migrations, so processes
        // that start together apply them once.
        MIGRATOR.run(&pool).await?;
        Ok(PgStore { pool })
    }

    /// Waits for running queries and closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The pool, for tests that check what was stored.
    #[cfg(test)]
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A write that spans statements: a plain transaction.
    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// Where single-statement writes go: the pool, as every other statement.
    fn writes(&self) -> &PgPool {
        &self.pool
    }

    /// A new article, then what it names: two transactions, so that the
    /// lock that orders article ids is held for the insert alone.
    async fn insert_scanned(
        &self,
        new: &NewArticle,
        version: u32,
        entities: &[crate::ArticleEntity],
    ) -> Result<ArticleId> {
        let id = articles::insert(&self.pool, new).await?;
        let mut tx = self.begin_write().await?;
        entities::set_for_article(&mut tx, id, version, entities).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One page after another: each insert takes the lock that orders
    /// article ids on its own.
    async fn store_pages_here(&self, pages: Vec<crate::NewPage>, version: u32) -> Result<Vec<crate::PageStored>> {
        crate::store_pages_one_by_one(self, pages, version).await
    }

    /// Starts a transaction that waits for every other story write.
    async fn begin_story_write(&self) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(STORY_WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

/// Starts a read-only transaction on one snapshot.
async fn begin_snapshot(pool: &PgPool) -> Result<Transaction<'static, Postgres>> {
    Ok(pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?)
}

/// A URL fit for an error message: any password left out.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Setting a password only fails on URLs that cannot have one.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "a PostgreSQL URL that does not parse".to_string(),
    }
}

/// Where parsed options point, for an error message.
fn describe(options: &PgConnectOptions) -> String {
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    )
}

crate::route::store_impl!(PgStore);

/// Ids as PostgreSQL takes a list of them: one array parameter, used as
/// `= ANY($1)`, so no list needs cutting into chunks.
fn id_array<T>(ids: &[T], id: impl Fn(&T) -> i64) -> Vec<i64> {
    ids.iter().map(id).collect()
}
