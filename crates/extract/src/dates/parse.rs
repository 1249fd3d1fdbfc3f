//! Reading dates out of attributes, URLs and free text in many languages.
//!
//! A time with an offset becomes an instant that keeps that offset; a day, or
//! a time with no zone (which would need guessing), becomes a day.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use model::Timestamp;
use regex::Regex;
use std::sync::LazyLock;

/// Nothing published on the web predates this; earlier years on a page are
/// historical references, not publication dates.
const FIRST_PLAUSIBLE_YEAR: i32 = 1995;
const LAST_PLAUSIBLE_YEAR: i32 = 2100;

pub(super) fn plausible_day(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    if !(FIRST_PLAUSIBLE_YEAR..=LAST_PLAUSIBLE_YEAR).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?",
    )
    .expect("valid regex")
});
static COMPACT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4})(\d{2})(\d{2})(?:$|[T ])").expect("valid regex"));

pub(super) fn parse_offset(zone: &str) -> Option<FixedOffset> {
    match zone {
        "Z" | "UTC" | "GMT" => return FixedOffset::east_opt(0),
        _ => {}
    }
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (digits[..2].parse::<i32>().ok()?, digits[2..].parse::<i32>().ok()?),
        _ => return None,
    };
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Parses a machine-readable value: ISO 8601 / RFC 3339, RFC 2822, a compact
/// `YYYYMMDD`, or a Unix time in seconds or milliseconds. Falls back to the
/// free-text reader for human dates placed in attributes.
pub(crate) fn parse_machine(value: &str) -> Option<Timestamp> {
    let value = value.trim();
    if value.is_empty() || value.len() > 200 {
        return None;
    }
    parse_machine_format(value).or_else(|| find_in_text(value, false).map(|(t, _)| t))
}

/// The day of a value written for readers ("06 Dicembre 2020", "3/5/2020"):
/// `None` for machine formats, which may be in another zone than the page.
pub(crate) fn parse_human(value: &str, month_first: bool) -> Option<NaiveDate> {
    let value = value.trim();
    if value.is_empty() || value.len() > 200 || parse_machine_format(value).is_some() {
        return None;
    }
    find_in_text(value, month_first).map(|(t, _)| t.day())
}

fn parse_machine_format(value: &str) -> Option<Timestamp> {
    if let Some(c) = ISO.captures(value) {
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let day = plausible_day(num(1)? as i32, num(2)?, num(3)?)?;
        if let (Some(h), Some(mi), Some(zone)) = (num(4), num(5), c.get(7)) {
            let time = NaiveTime::from_hms_opt(h, mi, num(6).unwrap_or(0));
            if let (Some(time), Some(offset)) = (time, parse_offset(zone.as_str())) {
                if let Some(t) = offset.from_local_datetime(&day.and_time(time)).single() {
                    return Some(Timestamp::Instant(t));
                }
            }
        }
        return Some(Timestamp::Day(day));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(value) {
        return plausible_day(t.date_naive().year_ce_i32(), 1, 1).map(|_| Timestamp::Instant(t));
    }
    if let Some(c) = COMPACT.captures(value) {
        let n = |i: usize| c[i].parse::<u32>().ok();
        return plausible_day(n(1)? as i32, n(2)?, n(3)?).map(Timestamp::Day);
    }
    if value.bytes().all(|b| b.is_ascii_digit()) && (9..=13).contains(&value.len()) {
        let mut secs: i64 = value.parse().ok()?;
        if value.len() >= 12 {
            secs /= 1000;
        }
        let t = DateTime::from_timestamp(secs, 0)?;
        plausible_day(t.date_naive().year_ce_i32(), 1, 1)?;
        return Some(Timestamp::Instant(t.fixed_offset()));
    }
    None
}

trait YearCe {
    fn year_ce_i32(&self) -> i32;
}
impl YearCe for NaiveDate {
    fn year_ce_i32(&self) -> i32 {
        chrono::Datelike::year(self)
    }
}

/// Month names and common abbreviations, lower-case, in the languages news
/// sites publish in most; genitive forms where a language uses them in dates.
const MONTHS: &[(&str, u32)] = &[
    // English
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
    // German
    ("januar", 1),
    ("jänner", 1),
    ("jän", 1),
    ("februar", 2),
    ("märz", 3),
    ("mär", 3),
    ("mai", 5),
    ("juni", 6),
    ("juli", 7),
    ("oktober", 10),
    ("okt", 10),
    ("dezember", 12),
    ("dez", 12),
    // French
    ("janvier", 1),
    ("janv", 1),
    ("février", 2),
    ("févr", 2),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("avr", 4),
    ("juin", 6),
    ("juillet", 7),
    ("juil", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("déc", 12),
    ("decembre", 12),
    // Spanish
    ("enero", 1),
    ("ene", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("abr", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("ago", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    ("dic", 12),
    // Portuguese
    ("janeiro", 1),
    ("fevereiro", 2),
    ("fev", 2),
    ("março", 3),
    ("maio", 5),
    ("junho", 6),
    ("julho", 7),
    ("setembro", 9),
    ("set", 9),
    ("outubro", 10),
    ("out", 10),
    ("novembro", 11),
    ("dezembro", 12),
    // Italian
    ("gennaio", 1),
    ("gen", 1),
    ("febbraio", 2),
    ("aprile", 4),
    ("maggio", 5),
    ("mag", 5),
    ("giugno", 6),
    ("giu", 6),
    ("luglio", 7),
    ("lug", 7),
    ("settembre", 9),
    ("ottobre", 10),
    ("ott", 10),
    ("dicembre", 12),
    // Dutch
    ("januari", 1),
    ("februari", 2),
    ("maart", 3),
    ("mei", 5),
    ("augustus", 8),
    // Scandinavian
    ("mars", 3),
    ("maj", 5),
    ("augusti", 8),
    ("oktober", 10),
    ("desember", 12),
    // Polish (genitive)
    ("stycznia", 1),
    ("lutego", 2),
    ("marca", 3),
    ("kwietnia", 4),
    ("maja", 5),
    ("czerwca", 6),
    ("lipca", 7),
    ("sierpnia", 8),
    ("września", 9),
    ("października", 10),
    ("listopada", 11),
    ("grudnia", 12),
    // Czech (genitive)
    ("ledna", 1),
    ("února", 2),
    ("března", 3),
    ("dubna", 4),
    ("května", 5),
    ("června", 6),
    ("července", 7),
    ("srpna", 8),
    ("září", 9),
    ("října", 10),
    ("listopadu", 11),
    ("prosince", 12),
    // Russian (genitive)
    ("января", 1),
    ("февраля", 2),
    ("марта", 3),
    ("апреля", 4),
    ("мая", 5),
    ("июня", 6),
    ("июля", 7),
    ("августа", 8),
    ("сентября", 9),
    ("октября", 10),
    ("ноября", 11),
    ("декабря", 12),
    // Ukrainian (genitive)
    ("січня", 1),
    ("лютого", 2),
    ("березня", 3),
    ("квітня", 4),
    ("травня", 5),
    ("червня", 6),
    ("липня", 7),
    ("серпня", 8),
    ("вересня", 9),
    ("жовтня", 10),
    ("листопада", 11),
    ("грудня", 12),
    // Turkish
    ("ocak", 1),
    ("şubat", 2),
    ("nisan", 4),
    ("mayıs", 5),
    ("haziran", 6),
    ("temmuz", 7),
    ("ağustos", 8),
    ("eylül", 9),
    ("ekim", 10),
    ("kasım", 11),
    ("aralık", 12),
    // Indonesian / Malay
    ("maret", 3),
    ("agustus", 8),
    ("desember", 12),
    ("okt", 10),
    ("agu", 8),
    // Romanian
    ("ianuarie", 1),
    ("februarie", 2),
    ("martie", 3),
    ("aprilie", 4),
    ("iunie", 6),
    ("iulie", 7),
    ("septembrie", 9),
    ("octombrie", 10),
    ("noiembrie", 11),
    ("decembrie", 12),
    // Hungarian
    ("január", 1),
    ("február", 2),
    ("március", 3),
    ("április", 4),
    ("május", 5),
    ("június", 6),
    ("július", 7),
    ("augusztus", 8),
    ("szeptember", 9),
    ("október", 10),
    // Arabic (Egyptian and Gulf names, then Levantine ones)
    ("يناير", 1),
    ("فبراير", 2),
    ("مارس", 3),
    ("أبريل", 4),
    ("ابريل", 4),
    ("مايو", 5),
    ("يونيو", 6),
    ("يوليو", 7),
    ("أغسطس", 8),
    ("اغسطس", 8),
    ("سبتمبر", 9),
    ("أكتوبر", 10),
    ("اكتوبر", 10),
    ("نوفمبر", 11),
    ("ديسمبر", 12),
    ("شباط", 2),
    ("آذار", 3),
    ("نيسان", 4),
    ("أيار", 5),
    ("حزيران", 6),
    ("تموز", 7),
    ("آب", 8),
    ("أيلول", 9),
];

fn month_number(word: &str) -> Option<u32> {
    let word = word.to_lowercase();
    let word = word.trim_end_matches('.');
    MONTHS.iter().find(|(name, _)| *name == word).map(|(_, n)| *n)
}

// Digits are ASCII (`parse` reads no others) and month words have no upper
// bound here (the month table bounds them): Unicode `\d` and a bounded
// `\p{L}` repeat compile to automata ten times larger, which costs each
// process milliseconds to build and every search time to run.
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b([0-9]{1,2})(?:\.|er|º)?\s+(?:de\s+)?(\p{L}{2,})\.?(?:\s*/\s*\p{L}{2,})?,?\s+(?:de\s+|del\s+)?([0-9]{4})\b",
    )
    .expect("valid regex")
});
static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\p{L}{3,})\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})\b").expect("valid regex")
});
static YEAR_MONTH_DAY_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([0-9]{4})\.?\s+(\p{L}{3,})\.?\s+([0-9]{1,2})\b").expect("valid regex"));
static CJK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([0-9]{4})\s*[年년]\s*([0-9]{1,2})\s*[月월]\s*([0-9]{1,2})\s*[日일]?").expect("valid regex")
});
static YMD_NUMERIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})\b").expect("valid regex"));
static DMY_NUMERIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([0-9]{1,2})([./-])([0-9]{1,2})[./-]([0-9]{4})\b").expect("valid regex"));

/// Finds the first plausible date written in `text`, and where it starts.
/// `month_first` reads `04/05/2021` as April 5 (US usage) instead of 4 May.
pub(crate) fn find_in_text(text: &str, month_first: bool) -> Option<(Timestamp, usize)> {
    let mut best: Option<(NaiveDate, usize)> = None;
    let mut offer = |day: Option<NaiveDate>, at: usize| {
        if let Some(day) = day {
            if best.is_none_or(|(_, b)| at < b) {
                best = Some((day, at));
            }
        }
    };
    let num = |s: &str| s.parse::<u32>().ok();
    if let Some(c) = YMD_NUMERIC.captures(text) {
        offer(
            plausible_day(
                num(&c[1]).unwrap_or(0) as i32,
                num(&c[2]).unwrap_or(0),
                num(&c[3]).unwrap_or(0),
            ),
            c.get(0).map_or(0, |m| m.start()),
        );
    }
    for c in DMY_NUMERIC.captures_iter(text) {
        let (a, b, y) = (
            num(&c[1]).unwrap_or(0),
            num(&c[3]).unwrap_or(0),
            num(&c[4]).unwrap_or(0) as i32,
        );
        let (d, m) = if month_first && &c[2] == "/" && b <= 31 && a <= 12 {
            (b, a)
        } else if a > 12 || b <= 12 {
            (a, b)
        } else {
            (b, a)
        };
        let day = plausible_day(y, m, d);
        if day.is_some() {
            offer(day, c.get(0).map_or(0, |m| m.start()));
            break;
        }
    }
    for c in DAY_MONTH_YEAR.captures_iter(text) {
        if let Some(m) = month_number(&c[2]) {
            let day = plausible_day(num(&c[3]).unwrap_or(0) as i32, m, num(&c[1]).unwrap_or(0));
            if day.is_some() {
                offer(day, c.get(0).map_or(0, |m| m.start()));
                break;
            }
        }
    }
    for c in MONTH_DAY_YEAR.captures_iter(text) {
        if let Some(m) = month_number(&c[1]) {
            let day = plausible_day(num(&c[3]).unwrap_or(0) as i32, m, num(&c[2]).unwrap_or(0));
            if day.is_some() {
                offer(day, c.get(0).map_or(0, |m| m.start()));
                break;
            }
        }
    }
    for c in YEAR_MONTH_DAY_WORD.captures_iter(text) {
        if let Some(m) = month_number(&c[2]) {
            let day = plausible_day(num(&c[1]).unwrap_or(0) as i32, m, num(&c[3]).unwrap_or(0));
            if day.is_some() {
                offer(day, c.get(0).map_or(0, |m| m.start()));
                break;
            }
        }
    }
    if let Some(c) = CJK.captures(text) {
        offer(
            plausible_day(
                num(&c[1]).unwrap_or(0) as i32,
                num(&c[2]).unwrap_or(0),
                num(&c[3]).unwrap_or(0),
            ),
            c.get(0).map_or(0, |m| m.start()),
        );
    }
    best.map(|(d, at)| (Timestamp::Day(d), at))
}

static URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[/_-]((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2]|[1-9])[/-]?(0[1-9]|[12]\d|3[01]|[1-9])(?:/|[-_]|\.html?|$)")
        .expect("valid regex")
});

/// A full day in the URL path (`/2021/10/18/`, `/2021-10-18-`, `/20211018/`).
pub(crate) fn from_url(url: &str) -> Option<Timestamp> {
    let path_start = url
        .find("://")
        .map_or(0, |i| url[i + 3..].find('/').map_or(url.len(), |j| i + 3 + j));
    let path = &url[path_start..];
    let path = path.split(['?', '#']).next().unwrap_or(path);
    for c in URL_DATE.captures_iter(path) {
        let whole = &c[0];
        // `/2021101/` style runs are ambiguous without separators.
        let separated = whole[1..].contains(['/', '-']) && whole.len() > 9;
        let compact = c[2].len() == 2 && c[3].len() == 2;
        if !separated && !compact {
            continue;
        }
        let n = |i: usize| c[i].parse::<u32>().ok();
        if let Some(d) = plausible_day(n(1)? as i32, n(2)?, n(3)?) {
            return Some(Timestamp::Day(d));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn iso_with_offset_keeps_the_offset() {
        let t = parse_machine("2021-10-18T09:30:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2021-10-18T09:30:00+02:00");
        let z = parse_machine("2021-10-18T23:05:10.123Z").unwrap();
        assert_eq!(z.to_string(), "2021-10-18T23:05:10+00:00");
        let compact_offset = parse_machine("2020-01-02 08:00:00 -0500").unwrap();
        assert_eq!(compact_offset.to_string(), "2020-01-02T08:00:00-05:00");
    }

    #[test]
    fn time_without_zone_stays_a_day() {
        assert_eq!(parse_machine("2021-10-18T09:30:00"), Some(day("2021-10-18")));
        assert_eq!(parse_machine("2021-10-18"), Some(day("2021-10-18")));
    }

    #[test]
    fn rfc2822_and_unix_times() {
        let t = parse_machine("Mon, 18 Oct 2021 09:30:00 +0100").unwrap();
        assert_eq!(t.to_string(), "2021-10-18T09:30:00+01:00");
        let u = parse_machine("1634549400").unwrap();
        assert_eq!(u.day().to_string(), "2021-10-18");
    }

    #[test]
    fn rejects_implausible_years() {
        assert_eq!(parse_machine("1970-01-01"), None);
        assert_eq!(parse_machine("2999-01-01T00:00:00Z"), None);
        assert_eq!(parse_machine("2021-02-30"), None);
    }

    #[test]
    fn human_dates_in_several_languages() {
        let cases = [
            ("Published October 18, 2021 at 9am", "2021-10-18"),
            ("18. Oktober 2021, 10:00 Uhr", "2021-10-18"),
            ("le 3 mars 2020 à 10h", "2020-03-03"),
            ("2 de enero de 2020", "2020-01-02"),
            ("5 июня 2020 года", "2020-06-05"),
            ("2020年1月2日 10:00", "2020-01-02"),
            ("Updated: 02.01.2020 08:15", "2020-01-02"),
            ("2020. január 2.", "2020-01-02"),
            ("الأربعاء، 07 أكتوبر 2020 - 12:09 م", "2020-10-07"),
            ("تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً", "2020-04-24"),
        ];
        for (text, want) in cases {
            let got = find_in_text(text, false).map(|(t, _)| t);
            assert_eq!(got, Some(day(want)), "{text}");
        }
        assert_eq!(
            find_in_text("on 01/02/2020", true).map(|(t, _)| t),
            Some(day("2020-01-02"))
        );
        assert_eq!(
            find_in_text("on 01/02/2020", false).map(|(t, _)| t),
            Some(day("2020-02-01"))
        );
        assert_eq!(find_in_text("since March 1990 nothing", false), None);
    }

    #[test]
    fn dates_in_url_paths() {
        assert_eq!(from_url("https://x.com/2021/10/18/story"), Some(day("2021-10-18")));
        assert_eq!(
            from_url("https://x.com/news/2020-01-02-title.html"),
            Some(day("2020-01-02"))
        );
        assert_eq!(from_url("https://x.com/a/20200102/b"), Some(day("2020-01-02")));
        assert_eq!(from_url("https://x.com/item/2021101/"), None);
        assert_eq!(
            from_url("https://x.com/world/megablaze-under-control-20200113"),
            Some(day("2020-01-13"))
        );
        assert_eq!(from_url("https://x.com/2021/10/story"), None);
        assert_eq!(from_url("https://2021.10.18.com/"), None);
    }
}
