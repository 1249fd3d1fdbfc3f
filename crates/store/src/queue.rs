//! The work queue's records and its retry policy.
//!
//! A job is one page to read: either carried in the job itself (a file
//! handed to `ravenwire enqueue`) or a URL a worker fetches. Workers claim
//! jobs under a lease; a job whose lease runs out (its worker died) is
//! claimed again. A job that fails is retried after a back-off that doubles
//! each time, and after [`MAX_ATTEMPTS`] tries it is dead: kept with its
//! last error for an operator to read (`ravenwire sources`) and requeue.
//!
//! Times in the queue are whole milliseconds since the Unix epoch, the same
//! number in every backend, so that the claim's comparisons are exact.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{JobId, SourceId};

/// How many times a job is tried (claims, counting those whose lease ran
/// out) before it is dead.
pub const MAX_ATTEMPTS: u32 = 5;

/// The wait before the first retry; each later retry waits twice as long.
pub const FIRST_BACKOFF_MS: i64 = 30_000;

/// The longest wait between two tries.
pub const MAX_BACKOFF_MS: i64 = 3_600_000;

/// The first job ahead of job `$1` in the claims' order (due time, then
/// id) whose page may still be stored at `$2`: queued for its first try,
/// or running under a lease that has not run out (see
/// [`crate::Store::job_ahead`]). One statement for both backends; each
/// half is a range of the claim index `(state, run_after, id)`.
pub(crate) const FIRST_JOB_AHEAD: &str = "\
    SELECT id FROM ( \
        SELECT k.id, k.run_after FROM jobs j JOIN jobs k ON k.state = 'queued' AND k.attempts = 0 \
            AND k.run_after <= j.run_after AND (k.run_after < j.run_after OR k.id < j.id) \
        WHERE j.id = $1 \
        UNION ALL \
        SELECT k.id, k.run_after FROM jobs j JOIN jobs k ON k.state = 'running' AND k.lease_until >= $2 \
            AND k.run_after <= j.run_after AND (k.run_after < j.run_after OR k.id < j.id) \
        WHERE j.id = $1 \
    ) ahead ORDER BY run_after, id LIMIT 1";

/// What a job asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// Read the page carried in the job.
    Page,
    /// Fetch the job's URL, then read it.
    Fetch,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Page => "page",
            JobKind::Fetch => "fetch",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        match s {
            "page" => Some(JobKind::Page),
            "fetch" => Some(JobKind::Fetch),
            _ => None,
        }
    }
}

/// A job to add to the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: JobKind,
    /// Names the job once: a second job with the same key is not queued
    /// (the SHA-256 of a page's bytes, or a fetch's URL).
    pub key: String,
    /// Where the page came from, for messages: a file path or a URL.
    pub origin: String,
    /// The page's URL, when known; the URL to fetch for [`JobKind::Fetch`].
    pub url: Option<String>,
    /// The page's bytes, for [`JobKind::Page`].
    pub body: Option<Vec<u8>>,
    /// The charset the page was served with, if any.
    pub charset: Option<String>,
    pub source: Option<SourceId>,
}

/// A claimed job, with what the worker needs to do it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub origin: String,
    pub url: Option<String>,
    pub body: Option<Vec<u8>>,
    pub charset: Option<String>,
    pub source: Option<SourceId>,
    /// Tries so far, this one included.
    pub attempts: u32,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for a worker (perhaps for its back-off to pass).
    Queued,
    /// Claimed by a worker whose lease has not run out.
    Running,
    Done,
    /// Failed [`MAX_ATTEMPTS`] times; kept for an operator.
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        match s {
            "queued" => Some(JobState::Queued),
            "running" => Some(JobState::Running),
            "done" => Some(JobState::Done),
            "dead" => Some(JobState::Dead),
            _ => None,
        }
    }
}

/// How many jobs are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub dead: u64,
}

impl JobCounts {
    /// Jobs not finished one way or the other.
    pub fn pending(&self) -> u64 {
        self.queued + self.running
    }
}

/// A dead job, for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadJob {
    pub id: JobId,
    pub kind: JobKind,
    pub origin: String,
    pub source: Option<SourceId>,
    pub attempts: u32,
    pub error: String,
    pub failed_at: DateTime<Utc>,
}

/// When a job that failed its `attempts`-th try may run again:
/// [`FIRST_BACKOFF_MS`] after the first failure, doubling after each
/// later one, never more than [`MAX_BACKOFF_MS`].
pub fn retry_at_ms(now_ms: i64, attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(20);
    let wait = FIRST_BACKOFF_MS.saturating_mul(1_i64 << doublings).min(MAX_BACKOFF_MS);
    now_ms.saturating_add(wait)
}

/// Where a job stands after its `attempts`-th try failed: queued for a
/// retry, or dead after [`MAX_ATTEMPTS`] tries. Both backends decide so.
pub fn state_after_failure(attempts: u32) -> JobState {
    if attempts >= MAX_ATTEMPTS {
        JobState::Dead
    } else {
        JobState::Queued
    }
}

/// Milliseconds since the Unix epoch.
pub fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The instant `ms` milliseconds after the Unix epoch (the epoch itself
/// for a number out of chrono's range).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_and_stops_at_an_hour() {
        assert_eq!(retry_at_ms(1_000, 1), 31_000);
        assert_eq!(retry_at_ms(1_000, 2), 61_000);
        assert_eq!(retry_at_ms(1_000, 3), 121_000);
        assert_eq!(retry_at_ms(0, 8), MAX_BACKOFF_MS);
        assert_eq!(retry_at_ms(0, u32::MAX), MAX_BACKOFF_MS);
        assert_eq!(retry_at_ms(i64::MAX, 2), i64::MAX);
    }

    #[test]
    fn kinds_and_states_read_back_what_they_write() {
        for kind in [JobKind::Page, JobKind::Fetch] {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        for state in [JobState::Queued, JobState::Running, JobState::Done, JobState::Dead] {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        assert_eq!(JobKind::parse("Page"), None);
    }
}
