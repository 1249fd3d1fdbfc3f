//! What the store's tests share: a fresh database each, on every backend,
//! and articles.
//!
//! [`store_test!`] turns one test body into a module with a test per
//! backend (`…::sqlite` and `…::postgres`); the body sees a [`TestStore`],
//! which is a `dyn Store` plus a little raw SQL for checking what was
//! stored. Raw SQL numbers its parameters (`$1`), which both SQLite and
//! PostgreSQL read.

use std::ops::Deref;

use chrono::{DateTime, Duration, DurationRound, Utc};
use model::Article;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::FromRow;

use crate::{FeedState, NewArticle, PgStore, SqliteStore, Store, StoryPlacement};

/// One test body, run once on SQLite and once on PostgreSQL (skipped, or
/// failed, as [`crate::test_support`] says, when there is no server).
macro_rules! store_test {
    ($(#[$attr:meta])* async fn $name:ident($store:ident) $body:block) => {
        store_test!(@ [tokio::test] $(#[$attr])* async fn $name($store) $body);
    };
    (multi_thread $(#[$attr:meta])* async fn $name:ident($store:ident) $body:block) => {
        store_test!(@ [tokio::test(flavor = "multi_thread", worker_threads = 2)] $(#[$attr])* async fn $name($store) $body);
    };
    (@ [$($test:tt)*] $(#[$attr:meta])* async fn $name:ident($store:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[$($test)*]
            $(#[$attr])*
            async fn sqlite() {
                let (_dir, store) = $crate::test_support::sqlite_store().await;
                let $store = $crate::sqlite::test_support::TestStore::Sqlite(store);
                $body
            }

            #[$($test)*]
            $(#[$attr])*
            async fn postgres() {
                let Some((db, store)) = $crate::test_support::pg_store().await else {
                    return;
                };
                let $store = $crate::sqlite::test_support::TestStore::Postgres(store.clone());
                $body
                store.close().await;
                db.drop_database().await;
            }
        }
    };
}

pub(crate) use store_test;

/// A store under test, on either backend.
#[derive(Debug, Clone)]
pub(crate) enum TestStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Deref for TestStore {
    type Target = dyn Store;

    fn deref(&self) -> &Self::Target {
        match self {
            TestStore::Sqlite(store) => store,
            TestStore::Postgres(store) => store,
        }
    }
}

impl TestStore {
    /// An instant as the backend keeps it: SQLite keeps what sqlx writes
    /// (nanoseconds), PostgreSQL's TIMESTAMPTZ microseconds (sqlx drops
    /// the rest).
    pub(crate) fn kept(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            TestStore::Sqlite(_) => t,
            TestStore::Postgres(_) => t.duration_trunc(Duration::microseconds(1)).expect("a test instant"),
        }
    }

    /// The smallest step between two instants the backend tells apart.
    pub(crate) fn tick(&self) -> Duration {
        match self {
            TestStore::Sqlite(_) => Duration::nanoseconds(1),
            TestStore::Postgres(_) => Duration::microseconds(1),
        }
    }

    /// A feed state with its instants as the backend keeps them.
    pub(crate) fn kept_state(&self, state: &FeedState) -> FeedState {
        let kept = |t: Option<DateTime<Utc>>| t.map(|t| self.kept(t));
        FeedState {
            last_poll: kept(state.last_poll),
            last_success: kept(state.last_success),
            next_poll: kept(state.next_poll),
            wait_until: kept(state.wait_until),
            ..state.clone()
        }
    }

    /// Runs a statement with integer parameters.
    pub(crate) async fn exec(&self, sql: &str, args: &[i64]) {
        match self {
            TestStore::Sqlite(store) => {
                let mut query = sqlx::query(sql);
                for arg in args {
                    query = query.bind(*arg);
                }
                query.execute(&store.pool).await.expect(sql);
            }
            TestStore::Postgres(store) => {
                let mut query = sqlx::query(sql);
                for arg in args {
                    query = query.bind(*arg);
                }
                query.execute(store.pool()).await.expect(sql);
            }
        }
    }

    /// The rows of a query with integer parameters.
    pub(crate) async fn rows<T>(&self, sql: &str, args: &[i64]) -> Vec<T>
    where
        T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        match self {
            TestStore::Sqlite(store) => {
                let mut query = sqlx::query_as(sql);
                for arg in args {
                    query = query.bind(*arg);
                }
                query.fetch_all(&store.pool).await.expect(sql)
            }
            TestStore::Postgres(store) => {
                let mut query = sqlx::query_as(sql);
                for arg in args {
                    query = query.bind(*arg);
                }
                query.fetch_all(store.pool()).await.expect(sql)
            }
        }
    }

    /// The one row of a query with integer parameters.
    pub(crate) async fn row<T>(&self, sql: &str, args: &[i64]) -> T
    where
        T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let mut rows = self.rows(sql, args).await;
        assert_eq!(rows.len(), 1, "one row from {sql}");
        rows.remove(0)
    }
}

/// An article whose content hash is derived from its URL, so that each URL
/// has a distinct body unless a test says otherwise.
pub(crate) fn new_article(canonical_url: &str, title: &str, published: Option<&str>) -> NewArticle {
    NewArticle {
        article: Article {
            url: Some(canonical_url.to_string()),
            canonical_url: Some(canonical_url.to_string()),
            title: (!title.is_empty()).then(|| title.to_string()),
            text: format!("Body of {canonical_url}."),
            html: format!("<p>Body of {canonical_url}.</p>"),
            published: published.map(|p| p.parse().expect("test timestamp")),
            ..Article::default()
        },
        canonical_url: canonical_url.to_string(),
        content_hash: format!("hash of {canonical_url}"),
        source: None,
        fetch: None,
    }
}

/// An original report's placement in the story with this key.
pub(crate) fn placement(key: &str) -> StoryPlacement {
    StoryPlacement {
        story_key: key.to_string(),
        copy_of: None,
        redated: false,
    }
}
