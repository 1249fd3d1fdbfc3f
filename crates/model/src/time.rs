//! Publication times as precise as their source: an instant with its offset, or a bare day.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A publication time as precise as the source gave it.
///
/// Many pages give only a day; inventing midnight UTC for them would make a
/// page look earlier or later than it is once time zones come in, so a day
/// stays a day. A full instant keeps the offset it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timestamp {
    Instant(DateTime<FixedOffset>),
    Day(NaiveDate),
}

#[derive(Debug, thiserror::Error)]
#[error("not an RFC 3339 time or YYYY-MM-DD date: {0:?}")]
pub struct TimestampError(pub String);

impl Timestamp {
    /// The earliest UTC instant this timestamp can stand for (midnight UTC
    /// for a bare day), used to order and compare.
    pub fn to_utc(&self) -> DateTime<Utc> {
        match self {
            Timestamp::Instant(t) => t.with_timezone(&Utc),
            Timestamp::Day(d) => Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)),
        }
    }

    /// The calendar day as written (in the source's own offset).
    pub fn day(&self) -> NaiveDate {
        match self {
            Timestamp::Instant(t) => t.date_naive(),
            Timestamp::Day(d) => *d,
        }
    }

    /// Seconds since the Unix epoch of [`Timestamp::to_utc`].
    pub fn unix(&self) -> i64 {
        self.to_utc().timestamp()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timestamp::Instant(t) => write!(f, "{}", t.to_rfc3339()),
            Timestamp::Day(d) => write!(f, "{}", d.format("%Y-%m-%d")),
        }
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Timestamp::Instant(t));
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(Timestamp::Day(d));
        }
        Err(TimestampError(s.to_string()))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp::Instant(t.fixed_offset())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_and_instant_round_trip_through_text() {
        for s in ["2021-10-18", "2021-10-18T09:30:00+02:00"] {
            let t: Timestamp = s.parse().unwrap();
            assert_eq!(t.to_string(), s);
        }
    }

    #[test]
    fn instant_keeps_its_offset_but_orders_in_utc() {
        let t: Timestamp = "2021-10-18T01:00:00+02:00".parse().unwrap();
        assert_eq!(t.day().to_string(), "2021-10-18");
        assert_eq!(t.to_utc().to_rfc3339(), "2021-10-17T23:00:00+00:00");
    }

    #[test]
    fn rejects_free_text() {
        assert!("last Tuesday".parse::<Timestamp>().is_err());
    }

    #[test]
    fn serialises_as_a_string() {
        let t: Timestamp = "2023-02-02".parse().unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2023-02-02\"");
    }
}
