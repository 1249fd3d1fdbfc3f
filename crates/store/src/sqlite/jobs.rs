//! SQLite storage of the work queue (see [`crate::queue`]).
//!
//! A claim runs in one write transaction (`BEGIN IMMEDIATE`), which SQLite
//! serialises: two workers never take the same job. PostgreSQL does the same
//! with `FOR UPDATE SKIP LOCKED`, which lets claims run side by side.

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::queue::{millis, retry_at_ms, MAX_ATTEMPTS};
use crate::{DeadJob, Error, Job, JobCounts, JobId, JobKind, JobState, NewJob, Result, SourceId};

pub(super) async fn enqueue(tx: &mut Transaction<'static, Sqlite>, jobs: &[NewJob], now: DateTime<Utc>) -> Result<u64> {
    let mut queued = 0;
    for job in jobs {
        let done = sqlx::query(
            "INSERT INTO jobs (kind, key, origin, url, body, charset, source_id, state, attempts, run_after, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?) ON CONFLICT (key) DO NOTHING",
        )
        .bind(job.kind.as_str())
        .bind(&job.key)
        .bind(&job.origin)
        .bind(&job.url)
        .bind(&job.body)
        .bind(&job.charset)
        .bind(job.source.map(|s| s.0))
        .bind(millis(now))
        .bind(millis(now))
        .execute(&mut **tx)
        .await?;
        queued += done.rows_affected();
    }
    Ok(queued)
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: i64,
    kind: String,
    origin: String,
    url: Option<String>,
    body: Option<Vec<u8>>,
    charset: Option<String>,
    source_id: Option<i64>,
    attempts: i64,
}

impl JobRow {
    pub(crate) fn into_job(self) -> Result<Job> {
        let kind = JobKind::parse(&self.kind)
            .ok_or_else(|| Error::Corrupt(format!("job {} has an unknown kind {:?}", self.id, self.kind)))?;
        Ok(Job {
            id: JobId(self.id),
            kind,
            origin: self.origin,
            url: self.url,
            body: self.body,
            charset: self.charset,
            source: self.source_id.map(SourceId),
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
        })
    }
}

pub(super) async fn claim(
    tx: &mut Transaction<'static, Sqlite>,
    worker: &str,
    now: DateTime<Utc>,
    lease: std::time::Duration,
    limit: u32,
) -> Result<Vec<Job>> {
    let now_ms = millis(now);
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    sqlx::query(
        "UPDATE jobs SET state = 'dead', finished_at = ?, \
         last_error = 'its worker (' || coalesce(worker, '?') || ') stopped before finishing it, ' || attempts || ' times' \
         WHERE state = 'running' AND lease_until < ? AND attempts >= ?",
    )
    .bind(now_ms)
    .bind(now_ms)
    .bind(i64::from(MAX_ATTEMPTS))
    .execute(&mut **tx)
    .await?;
    let rows: Vec<JobRow> = sqlx::query_as(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?, worker = ? \
         WHERE id IN (SELECT id FROM jobs \
             WHERE (state = 'queued' AND run_after <= ?) OR (state = 'running' AND lease_until < ?) \
             ORDER BY run_after, id LIMIT ?) \
         RETURNING id, kind, origin, url, body, charset, source_id, attempts",
    )
    .bind(now_ms.saturating_add(lease_ms))
    .bind(worker)
    .bind(now_ms)
    .bind(now_ms)
    .bind(i64::from(limit))
    .fetch_all(&mut **tx)
    .await?;
    let mut jobs = rows.into_iter().map(JobRow::into_job).collect::<Result<Vec<_>>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

pub(super) async fn finish(pool: &SqlitePool, id: JobId, worker: &str, now: DateTime<Utc>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', body = NULL, lease_until = NULL, finished_at = ?, last_error = NULL \
         WHERE id = ? AND state = 'running' AND worker = ?",
    )
    .bind(millis(now))
    .bind(id.0)
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn fail(
    tx: &mut Transaction<'static, Sqlite>,
    id: JobId,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
) -> Result<Option<JobState>> {
    let attempts: Option<i64> =
        sqlx::query_scalar("SELECT attempts FROM jobs WHERE id = ? AND state = 'running' AND worker = ?")
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
        "UPDATE jobs SET state = ?, run_after = ?, lease_until = NULL, last_error = ?, \
         finished_at = CASE WHEN ? = 'dead' THEN ? ELSE NULL END WHERE id = ?",
    )
    .bind(state.as_str())
    .bind(retry_at_ms(now_ms, attempts))
    .bind(error)
    .bind(state.as_str())
    .bind(now_ms)
    .bind(id.0)
    .execute(&mut **tx)
    .await?;
    Ok(Some(state))
}

pub(super) async fn counts(pool: &SqlitePool) -> Result<JobCounts> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT state, count(*) FROM jobs GROUP BY state")
        .fetch_all(pool)
        .await?;
    Ok(counts_of(rows))
}

/// Folds `(state, count)` rows into [`JobCounts`].
pub(crate) fn counts_of(rows: Vec<(String, i64)>) -> JobCounts {
    let mut counts = JobCounts::default();
    for (state, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match JobState::parse(&state) {
            Some(JobState::Queued) => counts.queued += n,
            Some(JobState::Running) => counts.running += n,
            Some(JobState::Done) => counts.done += n,
            Some(JobState::Dead) => counts.dead += n,
            None => {}
        }
    }
    counts
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeadRow {
    id: i64,
    kind: String,
    origin: String,
    source_id: Option<i64>,
    attempts: i64,
    last_error: Option<String>,
    finished_at: Option<i64>,
}

impl DeadRow {
    pub(crate) fn into_dead(self) -> Result<DeadJob> {
        let kind = JobKind::parse(&self.kind)
            .ok_or_else(|| Error::Corrupt(format!("job {} has an unknown kind {:?}", self.id, self.kind)))?;
        Ok(DeadJob {
            id: JobId(self.id),
            kind,
            origin: self.origin,
            source: self.source_id.map(SourceId),
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            error: self.last_error.unwrap_or_default(),
            failed_at: crate::queue::from_millis(self.finished_at.unwrap_or(0)),
        })
    }
}

pub(super) async fn dead(pool: &SqlitePool, limit: u32) -> Result<Vec<DeadJob>> {
    let rows: Vec<DeadRow> = sqlx::query_as(
        "SELECT id, kind, origin, source_id, attempts, last_error, finished_at FROM jobs \
         WHERE state = 'dead' ORDER BY finished_at DESC, id DESC LIMIT ?",
    )
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(DeadRow::into_dead).collect()
}

pub(super) async fn requeue_dead(pool: &SqlitePool, now: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_after = ?, finished_at = NULL, worker = NULL \
         WHERE state = 'dead'",
    )
    .bind(millis(now))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// See [`crate::Store::job_ahead`].
pub(super) async fn ahead(pool: &SqlitePool, job: JobId, now: DateTime<Utc>) -> Result<Option<JobId>> {
    let first: Option<i64> = sqlx::query_scalar(crate::queue::FIRST_JOB_AHEAD)
        .bind(job.0)
        .bind(millis(now))
        .fetch_optional(pool)
        .await?;
    Ok(first.map(JobId))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::super::test_support::store_test;
    use crate::queue::FIRST_BACKOFF_MS;

    use super::*;

    fn page(n: u32) -> NewJob {
        NewJob {
            kind: JobKind::Page,
            key: format!("key {n}"),
            origin: format!("pages/{n}.html"),
            url: Some(format!("https://news.example/{n}")),
            body: Some(format!("<p>page {n}</p>").into_bytes()),
            charset: None,
            source: None,
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    const LEASE: Duration = Duration::from_secs(60);

    store_test!(async fn a_job_is_queued_once_and_claimed_by_one_worker(store) {
        assert_eq!(
            store.enqueue_jobs(&[page(1), page(2), page(1)], at(0)).await.unwrap(),
            2
        );
        assert_eq!(store.enqueue_jobs(&[page(2)], at(1)).await.unwrap(), 0);
        let a = store.claim_jobs("a", at(2), LEASE, 1).await.unwrap();
        let b = store.claim_jobs("b", at(2), LEASE, 5).await.unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(b.len(), 1);
        assert_ne!(a[0].id, b[0].id);
        assert_eq!(a[0].body.as_deref(), Some(&b"<p>page 1</p>"[..]));
        assert_eq!(a[0].attempts, 1);
        assert!(store.claim_jobs("c", at(3), LEASE, 5).await.unwrap().is_empty());
        assert!(store.finish_job(a[0].id, "a", at(4)).await.unwrap());
        assert!(
            !store.finish_job(b[0].id, "a", at(4)).await.unwrap(),
            "a does not hold b's job"
        );
        let counts = store.job_counts().await.unwrap();
        assert_eq!((counts.queued, counts.running, counts.done, counts.dead), (0, 1, 1, 0));
    });

    store_test!(async fn a_dead_workers_job_is_claimed_again_when_its_lease_runs_out(store) {
        store.enqueue_jobs(&[page(1)], at(0)).await.unwrap();
        let first = store.claim_jobs("dies", at(0), LEASE, 1).await.unwrap();
        assert!(store.claim_jobs("other", at(59), LEASE, 1).await.unwrap().is_empty());
        let again = store.claim_jobs("other", at(61), LEASE, 1).await.unwrap();
        assert_eq!(again[0].id, first[0].id);
        assert_eq!(again[0].attempts, 2);
        // The worker that lost its lease can no longer finish or fail it.
        assert!(!store.finish_job(first[0].id, "dies", at(62)).await.unwrap());
        assert_eq!(store.fail_job(first[0].id, "dies", "late", at(62)).await.unwrap(), None);
        assert!(store.finish_job(first[0].id, "other", at(62)).await.unwrap());
    });

    store_test!(async fn a_failed_job_waits_a_growing_backoff_then_dies_after_the_last_try(store) {
        store.enqueue_jobs(&[page(1)], at(0)).await.unwrap();
        let mut now_ms = millis(at(0));
        for attempt in 1..=MAX_ATTEMPTS {
            let now = crate::queue::from_millis(now_ms);
            let job = store.claim_jobs("w", now, LEASE, 1).await.unwrap();
            assert_eq!(job.len(), 1, "try {attempt}");
            assert_eq!(job[0].attempts, attempt);
            let state = store.fail_job(job[0].id, "w", "connection refused", now).await.unwrap();
            if attempt < MAX_ATTEMPTS {
                assert_eq!(state, Some(JobState::Queued));
                let wait = retry_at_ms(now_ms, attempt) - now_ms;
                assert_eq!(wait, FIRST_BACKOFF_MS << (attempt - 1));
                let early = crate::queue::from_millis(now_ms + wait - 1);
                assert!(store.claim_jobs("w", early, LEASE, 1).await.unwrap().is_empty());
                now_ms += wait;
            } else {
                assert_eq!(state, Some(JobState::Dead));
            }
        }
        let far = crate::queue::from_millis(now_ms + 10 * crate::queue::MAX_BACKOFF_MS);
        assert!(store.claim_jobs("w", far, LEASE, 1).await.unwrap().is_empty());
        let dead = store.dead_jobs(10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].origin, "pages/1.html");
        assert_eq!(dead[0].attempts, MAX_ATTEMPTS);
        assert_eq!(dead[0].error, "connection refused");
        assert_eq!(store.requeue_dead_jobs(far).await.unwrap(), 1);
        let again = store.claim_jobs("w", far, LEASE, 1).await.unwrap();
        assert_eq!(again[0].attempts, 1);
    });

    store_test!(async fn a_lease_that_runs_out_on_the_last_try_leaves_the_job_dead(store) {
        store.enqueue_jobs(&[page(1)], at(0)).await.unwrap();
        let mut now = 0;
        for _ in 0..MAX_ATTEMPTS {
            assert_eq!(store.claim_jobs("crashes", at(now), LEASE, 1).await.unwrap().len(), 1);
            now += 61;
        }
        assert!(store.claim_jobs("w", at(now), LEASE, 1).await.unwrap().is_empty());
        let dead = store.dead_jobs(10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert!(dead[0].error.contains("crashes"), "{}", dead[0].error);
    });

    store_test!(async fn claims_take_the_oldest_due_jobs_first(store) {
        store.enqueue_jobs(&[page(1)], at(10)).await.unwrap();
        store.enqueue_jobs(&[page(2)], at(0)).await.unwrap();
        store.enqueue_jobs(&[page(3)], at(20)).await.unwrap();
        let first = store.claim_jobs("w", at(15), LEASE, 1).await.unwrap();
        let second = store.claim_jobs("w", at(15), LEASE, 1).await.unwrap();
        assert_eq!(first[0].origin, "pages/2.html");
        assert_eq!(second[0].origin, "pages/1.html");
        assert!(
            store.claim_jobs("w", at(15), LEASE, 1).await.unwrap().is_empty(),
            "page 3 is not due"
        );
    });

    store_test!(async fn a_job_is_next_in_line_once_no_job_ahead_of_it_may_still_be_stored(store) {
        store.enqueue_jobs(&[page(1), page(2), page(3), page(4)], at(0)).await.unwrap();
        store.enqueue_jobs(&[page(5)], at(1)).await.unwrap();
        let a = store.claim_jobs("a", at(2), LEASE, 2).await.unwrap();
        let b = store.claim_jobs("b", at(2), LEASE, 3).await.unwrap();
        let origins: Vec<_> = a.iter().chain(&b).map(|j| j.origin.as_str()).collect();
        assert_eq!(origins, ["pages/1.html", "pages/2.html", "pages/3.html", "pages/4.html", "pages/5.html"]);
        let ahead = |job: &Job, secs: i64| {
            let store = store.clone();
            let id = job.id;
            async move { store.job_ahead(id, at(secs)).await.unwrap() }
        };
        assert_eq!(ahead(&a[0], 3).await, None, "the first job waits for nobody");
        assert_eq!(ahead(&b[0], 3).await, Some(a[0].id), "a's running jobs come first");
        assert!(store.finish_job(a[0].id, "a", at(3)).await.unwrap());
        assert_eq!(ahead(&b[0], 3).await, Some(a[1].id));
        // A failed job waits out its back-off; it holds back nobody.
        assert_eq!(
            store.fail_job(a[1].id, "a", "refused", at(3)).await.unwrap(),
            Some(JobState::Queued)
        );
        assert_eq!(ahead(&b[0], 3).await, None);
        assert_eq!(ahead(&b[2], 3).await, Some(b[0].id), "b's own earlier jobs come first");
        // A job due before page 5 and not yet claimed comes first too.
        store.enqueue_jobs(&[page(6)], at(0)).await.unwrap();
        assert!(store.finish_job(b[0].id, "b", at(4)).await.unwrap());
        assert!(store.finish_job(b[1].id, "b", at(4)).await.unwrap());
        let late = ahead(&b[2], 4).await.expect("page 6 is ahead of page 5");
        assert_ne!(late, b[2].id);
        // Its worker dies: it holds back page 5 until its lease runs out.
        let six = store.claim_jobs("dies", at(5), LEASE, 1).await.unwrap();
        assert_eq!(six[0].id, late);
        assert_eq!(ahead(&b[2], 64).await, Some(late));
        assert_eq!(ahead(&b[2], 66).await, None);
        // A retried job is due at its retry, behind the jobs that ran out.
        assert_eq!(ahead(&a[1], 66).await, None);
    });

    store_test!(multi_thread async fn claims_side_by_side_never_hand_out_one_job_twice(store) {
        let jobs: Vec<_> = (0..120).map(page).collect();
        assert_eq!(store.enqueue_jobs(&jobs, at(0)).await.unwrap(), 120);
        let mut workers = Vec::new();
        for w in 0..6 {
            let store = store.clone();
            workers.push(tokio::spawn(async move {
                let name = format!("w{w}");
                let mut mine = Vec::new();
                loop {
                    let claimed = store.claim_jobs(&name, at(1), LEASE, 4).await.unwrap();
                    if claimed.is_empty() {
                        return mine;
                    }
                    for job in claimed {
                        assert!(store.finish_job(job.id, &name, at(2)).await.unwrap());
                        mine.push(job.id);
                    }
                }
            }));
        }
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.await.unwrap());
        }
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 120);
        assert_eq!(distinct.len(), 120);
        assert_eq!(store.job_counts().await.unwrap().done, 120);
    });
}
