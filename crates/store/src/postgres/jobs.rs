//! PostgreSQL storage of the work queue (see [`crate::queue`]).
//!
//! A claim locks the rows it takes with `FOR UPDATE SKIP LOCKED`: claims by
//! many workers run side by side, each skipping the rows another is taking,
//! so no job is handed out twice and no worker waits on another.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use crate::queue::{millis, retry_at_ms, MAX_ATTEMPTS};
use crate::sqlite::jobs::{counts_of, DeadRow, JobRow};
use crate::{DeadJob, Job, JobCounts, JobId, JobState, NewJob, Result};

pub(super) async fn enqueue(
    tx: &mut Transaction<'static, Postgres>,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut queued = 0;
    for job in jobs {
        let done = sqlx::query(
            "INSERT INTO jobs (kind, key, origin, url, body, charset, source_id, state, attempts, run_after, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8) ON CONFLICT (key) DO NOTHING",
        )
        .bind(job.kind.as_str())
        .bind(&job.key)
        .bind(&job.origin)
        .bind(&job.url)
        .bind(&job.body)
        .bind(&job.charset)
        .bind(job.source.map(|s| s.0))
        .bind(millis(now))
        .execute(&mut **tx)
        .await?;
        queued += done.rows_affected();
    }
    Ok(queued)
}

pub(super) async fn claim(
    tx: &mut Transaction<'static, Postgres>,
    worker: &str,
    now: DateTime<Utc>,
    lease: std::time::Duration,
    limit: u32,
) -> Result<Vec<Job>> {
    let now_ms = millis(now);
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    sqlx::query(
        "UPDATE jobs SET state = 'dead', finished_at = $1, \
         last_error = 'its worker (' || coalesce(worker, '?') || ') stopped before finishing it, ' || attempts || ' times' \
         WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_until < $1 AND attempts >= $2 \
                      FOR UPDATE SKIP LOCKED)",
    )
    .bind(now_ms)
    .bind(i64::from(MAX_ATTEMPTS))
    .execute(&mut **tx)
    .await?;
    let rows: Vec<JobRow> = sqlx::query_as(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $1, worker = $2 \
         WHERE id IN (SELECT id FROM jobs \
             WHERE (state = 'queued' AND run_after <= $3) OR (state = 'running' AND lease_until < $3) \
             ORDER BY run_after, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
         RETURNING id, kind, origin, url, body, charset, source_id, attempts::BIGINT AS attempts",
    )
    .bind(now_ms.saturating_add(lease_ms))
    .bind(worker)
    .bind(now_ms)
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await?;
    let mut jobs = rows.into_iter().map(JobRow::into_job).collect::<Result<Vec<_>>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

pub(super) async fn finish(pool: &PgPool, id: JobId, worker: &str, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', body = NULL, lease_until = NULL, finished_at = $1, last_error = NULL \
         WHERE id = $2 AND state = 'running' AND worker = $3",
    )
    .bind(millis(now))
    .bind(id.0)
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn fail(
    tx: &mut Transaction<'static, Postgres>,
    id: JobId,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
) -> Result<Option<JobState>> {
    let attempts: Option<i64> = sqlx::query_scalar(
        "SELECT attempts::BIGINT FROM jobs WHERE id = $1 AND state = 'running' AND worker = $2 FOR UPDATE",
    )
    .bind(id.0)
    .bind(worker)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(attempts) = attempts else {
        return Ok(None);
    };
    let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
    let now_ms = millis(now);
    let state = crate::queue::state_after_failure(attempts);
    sqlx::query(
        "UPDATE jobs SET state = $1, run_after = $2, lease_until = NULL, last_error = $3, \
         finished_at = CASE WHEN $1 = 'dead' THEN $4 ELSE NULL END WHERE id = $5",
    )
    .bind(state.as_str())
    .bind(retry_at_ms(now_ms, attempts))
    .bind(error)
    .bind(now_ms)
    .bind(id.0)
    .execute(&mut **tx)
    .await?;
    Ok(Some(state))
}

pub(super) async fn counts(pool: &PgPool) -> Result<JobCounts> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT state, count(*) FROM jobs GROUP BY state")
        .fetch_all(pool)
        .await?;
    Ok(counts_of(rows))
}

pub(super) async fn dead(pool: &PgPool, limit: u32) -> Result<Vec<DeadJob>> {
    let rows: Vec<DeadRow> = sqlx::query_as(
        "SELECT id, kind, origin, source_id, attempts::BIGINT AS attempts, last_error, finished_at FROM jobs \
         WHERE state = 'dead' ORDER BY finished_at DESC, id DESC LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(DeadRow::into_dead).collect()
}

pub(super) async fn requeue_dead(pool: &PgPool, now: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_after = $1, finished_at = NULL, worker = NULL \
         WHERE state = 'dead'",
    )
    .bind(millis(now))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// See [`crate::Store::job_ahead`].
pub(super) async fn ahead(pool: &PgPool, job: JobId, now: DateTime<Utc>) -> Result<Option<JobId>> {
    let first: Option<i64> = sqlx::query_scalar(crate::queue::FIRST_JOB_AHEAD)
        .bind(job.0)
        .bind(millis(now))
        .fetch_optional(pool)
        .await?;
    Ok(first.map(JobId))
}
