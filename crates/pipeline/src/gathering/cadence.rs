//! When to poll a source next: pure rules over times, with no clock and no
//! randomness of their own (the caller passes both in).
//!
//! - **Interval from frequency.** A feed is polled about as often as it
//!   publishes, averaged over the last week: a week divided by the entries
//!   dated in that week, kept between the minimum and the maximum interval.
//!   A feed with no dated entry keeps the interval it had (or starts at an
//!   hour, within the bounds).
//! - **Caches.** A Cache-Control max-age longer than that interval pushes
//!   the next poll out to it (never past the maximum interval).
//! - **Errors.** Each failure in a row doubles the wait, starting at the
//!   minimum interval and never past the maximum, times a jitter factor in
//!   [0.8, 1.2) so that feeds which failed together do not return together.
//! - **Told to wait.** A Retry-After is obeyed as given, capped at a week.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The bounds every interval is kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub min: Duration,
    pub max: Duration,
}

impl Bounds {
    pub fn clamp(&self, interval: Duration) -> Duration {
        interval.clamp(self.min, self.max.max(self.min))
    }
}

const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);
const FIRST_GUESS: Duration = Duration::from_secs(3600);
/// The longest Retry-After obeyed as given.
pub const MAX_RETRY_AFTER: Duration = WEEK;

/// The polling interval for a feed whose entries carry `dates`, seen at
/// `now`; `previous` is the interval it had.
pub fn interval_from_entries(
    dates: &[DateTime<Utc>],
    now: DateTime<Utc>,
    previous: Option<Duration>,
    bounds: Bounds,
) -> Duration {
    let week_ago = now - chrono::Duration::from_std(WEEK).unwrap_or_default();
    let dated = dates.iter().filter(|d| **d <= now).count();
    let recent = dates.iter().filter(|d| **d > week_ago && **d <= now).count() as u32;
    let interval = if recent > 0 {
        WEEK / recent
    } else if dated > 0 {
        // Dated entries, none this week: a quiet feed.
        bounds.max
    } else {
        previous.unwrap_or(FIRST_GUESS)
    };
    bounds.clamp(interval)
}

/// When to poll again after a success: the interval, or the server's
/// max-age when that is longer.
pub fn after_success(interval: Duration, max_age: Option<Duration>, bounds: Bounds) -> Duration {
    let cached = max_age.map(|age| age.min(bounds.max)).unwrap_or_default();
    interval.max(cached)
}

/// How long to wait after the `failures`-th failure in a row (1 for the
/// first), with `jitter` in [0, 1) chosen by the caller.
pub fn backoff(failures: u32, jitter: f64, bounds: Bounds) -> Duration {
    let doublings = failures.saturating_sub(1).min(30);
    let base = bounds
        .min
        .checked_mul(1u32 << doublings)
        .unwrap_or(bounds.max)
        .min(bounds.max.max(bounds.min));
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 0.999_999);
    base.mul_f64(factor)
}

/// A Retry-After obeyed, within reason.
pub fn retry_after(wait: Duration) -> Duration {
    wait.min(MAX_RETRY_AFTER)
}

/// A jitter value in [0, 1) from anything that differs between sources
/// and between attempts; a hash, so no random source is needed.
pub fn jitter(seed: u64) -> f64 {
    // splitmix64: well-spread bits from consecutive seeds.
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const BOUNDS: Bounds = Bounds {
        min: Duration::from_secs(300),
        max: Duration::from_secs(86_400),
    };

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
    }

    fn hours_ago(h: i64) -> DateTime<Utc> {
        now() - chrono::Duration::hours(h)
    }

    #[test]
    fn a_feed_is_polled_as_often_as_it_published_last_week() {
        // 14 entries in a week: one every 12 hours.
        let dates: Vec<_> = (0..14).map(|i| hours_ago(i * 12)).collect();
        assert_eq!(
            interval_from_entries(&dates, now(), None, BOUNDS),
            Duration::from_secs(12 * 3600)
        );
        // 10,000 entries a week would mean a minute; the minimum holds.
        let busy: Vec<_> = (0..10_000).map(|_| hours_ago(1)).collect();
        assert_eq!(interval_from_entries(&busy, now(), None, BOUNDS), BOUNDS.min);
    }

    #[test]
    fn quiet_and_undated_feeds() {
        let old = [hours_ago(24 * 30)];
        assert_eq!(interval_from_entries(&old, now(), None, BOUNDS), BOUNDS.max);
        assert_eq!(
            interval_from_entries(&[], now(), None, BOUNDS),
            Duration::from_secs(3600)
        );
        let kept = Duration::from_secs(7200);
        assert_eq!(interval_from_entries(&[], now(), Some(kept), BOUNDS), kept);
        // Entries dated in the future do not count as this week's.
        let future = [now() + chrono::Duration::days(3)];
        assert_eq!(
            interval_from_entries(&future, now(), None, BOUNDS),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn max_age_pushes_the_next_poll_out_but_not_past_the_maximum() {
        let hour = Duration::from_secs(3600);
        assert_eq!(after_success(hour, None, BOUNDS), hour);
        assert_eq!(after_success(hour, Some(Duration::from_secs(60)), BOUNDS), hour);
        assert_eq!(after_success(hour, Some(2 * hour), BOUNDS), 2 * hour);
        assert_eq!(
            after_success(hour, Some(Duration::from_secs(10_000_000)), BOUNDS),
            BOUNDS.max
        );
    }

    #[test]
    fn backoff_doubles_within_bounds_and_jitters_by_a_fifth() {
        assert_eq!(backoff(1, 0.5, BOUNDS), Duration::from_secs(300));
        assert_eq!(backoff(2, 0.5, BOUNDS), Duration::from_secs(600));
        assert_eq!(backoff(3, 0.5, BOUNDS), Duration::from_secs(1200));
        assert_eq!(backoff(40, 0.5, BOUNDS), BOUNDS.max);
        assert_eq!(backoff(1, 0.0, BOUNDS), Duration::from_secs(240));
        assert!(backoff(1, 0.999, BOUNDS) < Duration::from_secs(360));
    }

    #[test]
    fn jitter_is_spread_over_the_unit_interval() {
        let values: Vec<f64> = (0..1000).map(jitter).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let low = values.iter().filter(|v| **v < 0.5).count();
        assert!((400..600).contains(&low), "{low}");
    }

    #[test]
    fn retry_after_is_obeyed_up_to_a_week() {
        assert_eq!(retry_after(Duration::from_secs(3600)), Duration::from_secs(3600));
        assert_eq!(retry_after(Duration::from_secs(100 * 86_400)), MAX_RETRY_AFTER);
    }
}
