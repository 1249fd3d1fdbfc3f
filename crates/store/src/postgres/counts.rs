//! PostgreSQL counts that the web server's `/metrics` reads at every
//! scrape, and the store's row counts.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use model::SourceKind;

use crate::sqlite::count;
use crate::{PollOutcomes, Result, StoreStats};

pub(super) async fn stats(pool: &PgPool) -> Result<StoreStats> {
    let (sources, fetches, articles, stories): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM fetches), \
         (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM stories)",
    )
    .fetch_one(pool)
    .await?;
    Ok(StoreStats {
        sources: count(sources, "sources")?,
        fetches: count(fetches, "fetches")?,
        articles: count(articles, "articles")?,
        stories: count(stories, "stories")?,
    })
}

/// Articles whose story membership marks them a copy or re-dated copy.
pub(super) async fn copies(pool: &PgPool) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM story_members WHERE copy_of IS NOT NULL OR redated")
        .fetch_one(pool)
        .await?;
    count(n, "copies")
}

/// Polls by outcome: any error first, then 304s, and the rest are ok.
pub(super) async fn poll_outcomes(pool: &PgPool) -> Result<PollOutcomes> {
    let (ok, not_modified, error): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE error IS NULL AND NOT not_modified), \
         COUNT(*) FILTER (WHERE error IS NULL AND not_modified), \
         COUNT(*) FILTER (WHERE error IS NOT NULL) FROM polls",
    )
    .fetch_one(pool)
    .await?;
    Ok(PollOutcomes {
        ok: count(ok, "ok polls")?,
        not_modified: count(not_modified, "not-modified polls")?,
        error: count(error, "failed polls")?,
    })
}

/// The earliest instant at which a source now due became due: as the
/// SQLite backend's, with instants compared as instants (GREATEST skips a
/// NULL `wait_until`).
pub(super) async fn oldest_due(pool: &PgPool, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(GREATEST(COALESCE(next_poll, added_at), wait_until)) FROM sources \
         WHERE kind IN ($1, $2) \
           AND (wait_until IS NULL OR wait_until <= $3) \
           AND (next_poll IS NULL OR next_poll <= $3)",
    )
    .bind(SourceKind::Feed.as_str())
    .bind(SourceKind::Sitemap.as_str())
    .bind(now)
    .fetch_one(pool)
    .await?)
}
