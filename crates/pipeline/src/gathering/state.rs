//! A source's polling state after a poll: the rules of [`super::cadence`]
//! applied to what the poll found, and the poll's log row.

use std::time::Duration;

use chrono::{DateTime, Utc};

use store::{FeedState, PollRecord, StoredSource};

use super::cadence::{self, Bounds};
use super::harvest::Items;

pub(super) fn poll_record(source: &StoredSource, started: DateTime<Utc>, elapsed: Duration) -> PollRecord {
    PollRecord {
        source: source.id,
        at: started,
        status: None,
        error: None,
        bytes: 0,
        entries: 0,
        new_articles: 0,
        not_modified: false,
        duration_ms: elapsed.as_millis().min(u64::MAX as u128) as u64,
    }
}

pub(super) fn describe_failure(poll: &mut PollRecord, error: &gather::Error) {
    poll.status = error.http_status();
    poll.error = Some(error.to_string());
}

fn later(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::days(7))
}

fn previous_interval(source: &StoredSource) -> Option<Duration> {
    source
        .state
        .interval_secs
        .and_then(|secs| u64::try_from(secs).ok())
        .map(Duration::from_secs)
}

pub(super) fn after_success(source: &StoredSource, items: &Items, now: DateTime<Utc>, bounds: Bounds) -> FeedState {
    let interval = cadence::interval_from_entries(&items.dates, now, previous_interval(source), bounds);
    // Entries left for later are polled again at the minimum interval.
    let wait = if items.deferred > 0 {
        bounds.min
    } else {
        cadence::after_success(interval, items.max_age, bounds)
    };
    FeedState {
        etag: items.validators.etag.clone(),
        last_modified: items.validators.last_modified.clone(),
        last_poll: Some(now),
        last_success: Some(now),
        last_status: Some(items.status),
        last_error: None,
        error_count: 0,
        interval_secs: Some(interval.as_secs() as i64),
        next_poll: Some(later(now, wait)),
        wait_until: None,
    }
}

pub(super) fn after_not_modified(
    source: &StoredSource,
    max_age: Option<Duration>,
    now: DateTime<Utc>,
    bounds: Bounds,
) -> FeedState {
    let interval = bounds.clamp(previous_interval(source).unwrap_or(bounds.min));
    FeedState {
        last_poll: Some(now),
        last_success: Some(now),
        last_status: Some(304),
        last_error: None,
        error_count: 0,
        interval_secs: Some(interval.as_secs() as i64),
        next_poll: Some(later(now, cadence::after_success(interval, max_age, bounds))),
        wait_until: None,
        ..source.state.clone()
    }
}

pub(super) fn after_failure(
    source: &StoredSource,
    error: &gather::Error,
    now: DateTime<Utc>,
    bounds: Bounds,
) -> FeedState {
    let failures = source.state.error_count.saturating_add(1);
    let wait = match error.retry_after() {
        Some(wait) => cadence::retry_after(wait),
        None => {
            let seed = (source.id.0 as u64) ^ (now.timestamp_micros() as u64).rotate_left(17);
            cadence::backoff(failures, cadence::jitter(seed), bounds)
        }
    };
    let until = later(now, wait);
    FeedState {
        last_poll: Some(now),
        last_status: error.http_status(),
        last_error: Some(error.to_string()),
        error_count: failures,
        next_poll: Some(until),
        wait_until: Some(until),
        ..source.state.clone()
    }
}
