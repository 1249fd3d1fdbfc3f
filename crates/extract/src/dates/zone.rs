//! Time zones: which calendar day a machine time stands for on the page.
//!
//! A machine time is often written in UTC while the URL and the text carry
//! the newsroom's local day; a page that keeps writing its times in one
//! offset shows which zone that is.

use chrono::{FixedOffset, NaiveDate};
use model::Timestamp;
use regex::Regex;
use std::sync::LazyLock;

use super::parse;
use super::scan::{opening, MAX_HTML_SCAN_BYTES};

/// The zones newsrooms publish from, as offsets from UTC in hours: Hawaii
/// and Alaska aside, west of the US Pacific coast and east of Australia's
/// east coast (summer time included) there is little news.
const NEWSROOM_OFFSETS_HOURS: std::ops::RangeInclusive<i64> = -9..=11;

/// Whether `day` could be the local calendar day of `time` in some
/// newsroom's zone. The URL and the visible text carry the newsroom's local
/// day, while a machine time is often written in UTC: a day either side is
/// that same moment only when the clock is near enough to midnight. A bare
/// day carries no clock, so any neighbouring day could be it.
pub(super) fn could_be_local_day(time: &Timestamp, day: NaiveDate) -> bool {
    match time {
        Timestamp::Day(d) => (*d - day).num_days().abs() == 1,
        Timestamp::Instant(t) => {
            let utc = t.naive_utc();
            NEWSROOM_OFFSETS_HOURS
                .clone()
                .any(|h| (utc + chrono::TimeDelta::hours(h)).date() == day)
        }
    }
}

static WRITTEN_OFFSET: LazyLock<Regex> = LazyLock::new(|| {
    // Seconds are required: `11:00-11:30` is a span of hours, not a zone.
    Regex::new(r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)? ?(?:Z|[+-](?:0[0-9]|1[0-4]):?[0-5][0-9])(?-u:\b)")
        .expect("valid regex")
});
/// Enough written times to see the zone a page keeps.
const MAX_WRITTEN_OFFSETS: usize = 50;

/// The one offset other than UTC that the page writes its times in, if it
/// keeps to one: that is the newsroom's zone.
pub(super) fn page_zone(html: &str) -> Option<FixedOffset> {
    let mut zone: Option<FixedOffset> = None;
    let mut seen = 0;
    // Matching without capture groups is several times faster; the offset
    // is simply the match's last word.
    for found in WRITTEN_OFFSET
        .find_iter(opening(html, MAX_HTML_SCAN_BYTES))
        .take(MAX_WRITTEN_OFFSETS)
    {
        let written = found.as_str();
        let start = written.rfind(['Z', '+', '-']).unwrap_or(0);
        let Some(offset) = parse::parse_offset(&written[start..]) else {
            continue;
        };
        if offset.local_minus_utc() == 0 {
            continue;
        }
        if zone.is_some_and(|z| z != offset) {
            return None;
        }
        zone = Some(offset);
        seen += 1;
    }
    zone.filter(|_| seen >= 2)
}

/// A UTC time shown in the newsroom's own zone when the page keeps one, so
/// its day is the local day readers saw: the same instant either way.
pub(super) fn in_zone(time: Timestamp, zone: Option<FixedOffset>) -> Timestamp {
    match (time, zone) {
        (Timestamp::Instant(t), Some(zone)) if t.offset().local_minus_utc() == 0 => {
            Timestamp::Instant(t.with_timezone(&zone))
        }
        (other, _) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn neighbouring_day_is_local_only_near_midnight() {
        // 02:18 UTC is the evening before in the Americas.
        assert!(could_be_local_day(&ts("2020-02-18T02:18:11+00:00"), day("2020-02-17")));
        // 10:04 UTC is the same day from Alaska to New Zealand.
        assert!(!could_be_local_day(&ts("2020-07-09T10:04:04+00:00"), day("2020-07-08")));
        // 21:25 UTC is already the next morning in Australia.
        assert!(could_be_local_day(&ts("2020-04-24T21:25:06+00:00"), day("2020-04-25")));
        assert!(!could_be_local_day(&ts("2020-04-24T08:00:00+00:00"), day("2020-04-25")));
        assert!(could_be_local_day(&ts("2020-04-24"), day("2020-04-25")));
        assert!(!could_be_local_day(&ts("2020-04-24"), day("2020-04-26")));
    }

    #[test]
    fn page_zone_is_the_one_non_utc_offset_the_page_keeps() {
        let html = r#"{"published":"2020-05-02T02:54:29.000Z","hours":"11:00-11:30",
            "a":"Fri, 01 May 2020 23:00:00 -0400","b":"Sat, 02 May 2020 06:00:00 -0400"}"#;
        assert_eq!(page_zone(html), FixedOffset::west_opt(4 * 3600));
        // One mention is not a habit, and two zones are no zone.
        assert_eq!(page_zone(r#""Fri, 01 May 2020 23:00:00 -0400""#), None);
        assert_eq!(
            page_zone("2020-05-01T10:00:00+02:00 2020-05-01T11:00:00+02:00 2020-05-01T12:00:00-04:00"),
            None
        );
        // A time written with its own offset is left as written.
        assert_eq!(
            in_zone(ts("2020-05-02T02:54:29+02:00"), FixedOffset::west_opt(4 * 3600)),
            ts("2020-05-02T02:54:29+02:00")
        );
    }
}
