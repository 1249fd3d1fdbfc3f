//! PostgreSQL storage of the fetch log.

use sqlx::PgPool;

use crate::{FetchId, FetchRecord, Result};

pub(super) async fn record(pool: &PgPool, fetch: &FetchRecord) -> Result<FetchId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO fetches (url, final_url, status, content_hash, fetched_at, error) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&fetch.url)
    .bind(&fetch.final_url)
    .bind(fetch.status.map(i64::from))
    .bind(&fetch.content_hash)
    .bind(fetch.fetched_at)
    .bind(&fetch.error)
    .fetch_one(pool)
    .await?;
    Ok(FetchId(id))
}
