//! PostgreSQL queries of the change log: the story moves that every search index follows by sequence number (see [`crate::Store::change_log_after`]).

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use crate::{ArticleId, ChangeLogBounds, Error, ReindexEntry, Result};

/// Up to `limit` entries with a seq above `after`, in seq order.
pub(super) async fn after(pool: &PgPool, after: i64, limit: u32) -> Result<Vec<ReindexEntry>> {
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT seq, article_id FROM reindex_queue WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, article)| ReindexEntry {
            seq,
            article: ArticleId(article),
        })
        .collect())
}

/// How many entries have a seq above `after`.
pub(super) async fn count_after(pool: &PgPool, after: i64) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reindex_queue WHERE seq > $1")
        .bind(after)
        .fetch_one(pool)
        .await?;
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("change log length is {n}")))
}

/// The newest seq and the highest pruned one, read in one statement.
pub(super) async fn bounds(pool: &PgPool) -> Result<ChangeLogBounds> {
    let (newest, pruned): (Option<i64>, i64) = sqlx::query_as(
        "SELECT (SELECT MAX(seq) FROM reindex_queue), \
                (SELECT through FROM change_log_pruned WHERE id = 1)",
    )
    .fetch_one(pool)
    .await?;
    Ok(ChangeLogBounds::new(newest, pruned))
}

/// Deletes the entries written before `before` and records the highest
/// seq deleted, in the caller's transaction.
pub(super) async fn prune(tx: &mut Transaction<'static, Postgres>, before: DateTime<Utc>) -> Result<u64> {
    let highest: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM reindex_queue WHERE at_ms < $1")
        .bind(before.timestamp_millis())
        .fetch_one(&mut **tx)
        .await?;
    let Some(highest) = highest else {
        return Ok(0);
    };
    // Everything up to the highest old entry goes, so that the log stays
    // one unbroken run of seqs above the pruned one.
    let deleted = sqlx::query("DELETE FROM reindex_queue WHERE seq <= $1")
        .bind(highest)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    sqlx::query("UPDATE change_log_pruned SET through = GREATEST(through, $1) WHERE id = 1")
        .bind(highest)
        .execute(&mut **tx)
        .await?;
    Ok(deleted)
}
