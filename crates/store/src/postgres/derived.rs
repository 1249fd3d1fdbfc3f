//! PostgreSQL queries that let derived state (the search index, story
//! placement) catch up with the store.

use sqlx::PgPool;

use crate::{ArticleId, Error, Result};

/// How many articles have an id above `after` (all of them for `None`).
pub(super) async fn count_after(pool: &PgPool, after: Option<ArticleId>) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM articles WHERE id > $1")
        .bind(after.map_or(i64::MIN, |id| id.0))
        .fetch_one(pool)
        .await?;
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("article count is {n}")))
}

/// Up to `limit` articles in no story, in id order.
pub(super) async fn unplaced(pool: &PgPool, limit: u32) -> Result<Vec<ArticleId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT a.id FROM articles a LEFT JOIN story_members m ON m.article_id = a.id \
         WHERE m.article_id IS NULL ORDER BY a.id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(ArticleId).collect())
}

/// How many entries wait in the reindex queue.
pub(super) async fn reindex_pending(pool: &PgPool) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reindex_queue")
        .fetch_one(pool)
        .await?;
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("reindex queue length is {n}")))
}

/// Drops the queue entries up to and including `seq`.
pub(super) async fn clear_reindex(pool: &PgPool, seq: i64) -> Result<()> {
    sqlx::query("DELETE FROM reindex_queue WHERE seq <= $1")
        .bind(seq)
        .execute(pool)
        .await?;
    Ok(())
}
