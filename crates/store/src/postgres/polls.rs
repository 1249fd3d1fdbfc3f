//! PostgreSQL storage of polls: each source's poll history and polling
//! state, and which sources are due. Instants are TIMESTAMPTZ and compare
//! as instants.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use model::SourceKind;

use crate::sqlite::polls::{saturating_i64, PollRow};
use crate::sqlite::sources::{SourceRow, SOURCE_COLUMNS};
use crate::{Error, FeedState, PollRecord, Result, SourceId, StoredSource};

/// Sets a source's state and logs the poll; `NotFound` when the source is
/// gone, before anything is written.
pub(super) async fn record(
    tx: &mut Transaction<'static, Postgres>,
    poll: &PollRecord,
    state: &FeedState,
) -> Result<()> {
    let id = poll.source;
    let done = sqlx::query(
        "UPDATE sources SET polled_at = $1, etag = $2, last_modified = $3, last_poll = $4, last_success = $5, \
         last_status = $6, last_error = $7, error_count = $8, interval_secs = $9, next_poll = $10, \
         wait_until = $11 WHERE id = $12",
    )
    .bind(poll.at)
    .bind(&state.etag)
    .bind(&state.last_modified)
    .bind(state.last_poll)
    .bind(state.last_success)
    .bind(state.last_status.map(i64::from))
    .bind(&state.last_error)
    .bind(i64::from(state.error_count))
    .bind(state.interval_secs)
    .bind(state.next_poll)
    .bind(state.wait_until)
    .bind(id.0)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(format!("source {id}")));
    }
    sqlx::query(
        "INSERT INTO polls (source_id, at, status, error, bytes, entries, new_articles, not_modified, duration_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.0)
    .bind(poll.at)
    .bind(poll.status.map(i64::from))
    .bind(&poll.error)
    .bind(saturating_i64(poll.bytes))
    .bind(i64::from(poll.entries))
    .bind(i64::from(poll.new_articles))
    .bind(poll.not_modified)
    .bind(saturating_i64(poll.duration_ms))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Up to `limit` polls of a source, newest first (the later row first when
/// two share an instant).
pub(super) async fn history(pool: &PgPool, source: SourceId, limit: u32) -> Result<Vec<PollRecord>> {
    let rows: Vec<PollRow> = sqlx::query_as(
        "SELECT id, source_id, at, status, error, bytes, entries, new_articles, not_modified, duration_ms \
         FROM polls WHERE source_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(source.0)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(PollRecord::try_from).collect()
}

/// Polled sources due at `now` (all with `force`), never one told to wait
/// past `now`; never-polled first, then oldest `next_poll`, then id.
pub(super) async fn due(pool: &PgPool, now: DateTime<Utc>, force: bool, limit: u32) -> Result<Vec<StoredSource>> {
    let rows: Vec<SourceRow> = sqlx::query_as(&format!(
        "SELECT {SOURCE_COLUMNS} FROM sources \
         WHERE kind IN ($1, $2) \
           AND (wait_until IS NULL OR wait_until <= $3) \
           AND ($4 OR next_poll IS NULL OR next_poll <= $3) \
         ORDER BY next_poll NULLS FIRST, id LIMIT $5"
    ))
    .bind(SourceKind::Feed.as_str())
    .bind(SourceKind::Sitemap.as_str())
    .bind(now)
    .bind(force)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(StoredSource::try_from).collect()
}
