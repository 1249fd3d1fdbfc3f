//! Publication and modification dates: reading them (see [`parse`]) and
//! choosing among the page's many candidates.
//!
//! Sources in order of trust: JSON-LD and meta tags, `<time>` elements marked
//! as the publication time, a video's upload time, the URL, then weaker
//! evidence (any `<time>`, date-labelled elements, a dateline in the body or
//! right under the headline, and last the day written most often in the
//! markup). A time keeps the
//! offset it was written with; a bare day stays a day.
//!
//! The day that counts is the newsroom's local day: a UTC time is shown in
//! the zone the page otherwise writes its times in, and gives way to the day
//! in the URL or the day shown to readers when it could be the same moment.

mod parse;

pub(crate) use parse::{find_in_text, from_url, parse_human, parse_machine};

use chrono::FixedOffset;
use model::Timestamp;
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

use crate::page::PageFacts;

const PUBLISHED_JSON_LD: &[&str] = &["datePublished", "dateCreated"];
/// A video's upload time is the article's date only when nothing says more.
const UPLOADED_JSON_LD: &[&str] = &["uploadDate"];
const MODIFIED_JSON_LD: &[&str] = &["dateModified"];
const PUBLISHED_META: &[&str] = &[
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
    "published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "publication-date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "citation_publication_date",
    "citation_date",
    "originalpublicationdate",
    "article_date_original",
    "cxenseparse:recs:publishtime",
    "rnews:datepublished",
    "date",
    "og:pubdate",
    "release_date",
    "bt:pubdate",
    "displaydate",
    "dateposted",
    "datecreated",
    "article:published",
    "pub_date",
    "created",
];
const MODIFIED_META: &[&str] = &[
    "article:modified_time",
    "og:updated_time",
    "og:article:modified_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
    "article.updated",
    "modified_time",
    "article:modified",
    "updated_time",
];

/// Body text past this is the article itself, not its dateline.
const BODY_OPENING_BYTES: usize = 1000;

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Dates {
    pub published: Option<Timestamp>,
    pub modified: Option<Timestamp>,
}

/// Everything about a page that can carry its dates.
pub(crate) struct DateEvidence<'a> {
    pub facts: &'a PageFacts,
    /// The page's URL, canonical URL and `og:url`, in that order.
    pub urls: &'a [&'a str],
    /// The extracted article text.
    pub body: &'a str,
    /// The whole decoded page, scripts included: the last place to look.
    pub html: &'a str,
    /// Reads `04/05/2021` as April 5 (US usage) instead of 4 May.
    pub month_first: bool,
}

fn first_parsed<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Timestamp> {
    values.into_iter().find_map(parse_machine)
}

fn json_ld_dates<'a>(facts: &'a PageFacts, keys: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    facts
        .json_ld_by_preference()
        .into_iter()
        .flat_map(move |obj| keys.iter().filter_map(move |k| obj.get(*k).and_then(Value::as_str)))
}

fn meta_values<'a>(facts: &'a PageFacts, keys: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    keys.iter().filter_map(move |k| facts.meta(&[k]))
}

fn opening(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The zones newsrooms publish from, as offsets from UTC in hours: Hawaii
/// and Alaska aside, west of the US Pacific coast and east of Australia's
/// east coast (summer time included) there is little news.
const NEWSROOM_OFFSETS_HOURS: std::ops::RangeInclusive<i64> = -9..=11;

/// Whether `day` could be the local calendar day of `time` in some
/// newsroom's zone. The URL and the visible text carry the newsroom's local
/// day, while a machine time is often written in UTC: a day either side is
/// that same moment only when the clock is near enough to midnight. A bare
/// day carries no clock, so any neighbouring day could be it.
fn could_be_local_day(time: &Timestamp, day: chrono::NaiveDate) -> bool {
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

/// A dateline is a short paragraph of its own; a date inside a sentence or
/// a photo caption near the top is more often some other day.
const MAX_DATELINE_CHARS: usize = 80;

/// The date opening the article: the first paragraph in the opening that is
/// little more than a date, else the first date written there at all.
fn body_date(body: &str, month_first: bool) -> Option<chrono::NaiveDate> {
    let opening = opening(body, BODY_OPENING_BYTES);
    opening
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && line.chars().count() <= MAX_DATELINE_CHARS)
        .find_map(|line| find_in_text(line, month_first))
        .or_else(|| find_in_text(opening, month_first))
        .map(|(t, _)| t.day())
}

static HTML_DAY: LazyLock<Regex> = LazyLock::new(|| {
    // ASCII classes: Unicode `\d` makes the automaton many times slower.
    Regex::new(r"(?:^|[^0-9])((?:19|20)[0-9]{2})[-/.](0[1-9]|1[0-2])[-/.](0[1-9]|[12][0-9]|3[01])(?:[^0-9]|$)")
        .expect("valid regex")
});
/// Markup past this is footers and scripts of other stories.
const MAX_HTML_SCAN_BYTES: usize = 1024 * 1024;
/// Enough numeric dates to see which day the page is about.
const MAX_HTML_DAYS: usize = 100;

/// The numeric `YYYY-MM-DD` day written most often anywhere in the markup
/// (scripts and image paths included), first seen on a tie: the last resort
/// for pages that date themselves only in code.
fn most_frequent_html_day(html: &str) -> Option<chrono::NaiveDate> {
    let mut counts: Vec<(chrono::NaiveDate, usize)> = Vec::new();
    for c in HTML_DAY
        .captures_iter(opening(html, MAX_HTML_SCAN_BYTES))
        .take(MAX_HTML_DAYS)
    {
        let n = |i: usize| c[i].parse::<u32>().ok();
        let Some(day) = n(1)
            .zip(n(2))
            .zip(n(3))
            .and_then(|((y, m), d)| parse::plausible_day(y as i32, m, d))
        else {
            continue;
        };
        match counts.iter_mut().find(|(d, _)| *d == day) {
            Some((_, count)) => *count += 1,
            None => counts.push((day, 1)),
        }
    }
    // `max_by_key` keeps the last of equals; reversing keeps the first seen.
    counts
        .into_iter()
        .rev()
        .max_by_key(|(_, count)| *count)
        .map(|(day, _)| day)
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
fn page_zone(html: &str) -> Option<FixedOffset> {
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
fn in_zone(time: Timestamp, zone: Option<FixedOffset>) -> Timestamp {
    match (time, zone) {
        (Timestamp::Instant(t), Some(zone)) if t.offset().local_minus_utc() == 0 => {
            Timestamp::Instant(t.with_timezone(&zone))
        }
        (other, _) => other,
    }
}

/// Published and modified times of the page.
pub(crate) fn choose(page: &DateEvidence) -> Dates {
    let facts = page.facts;
    // Scanning the markup for a zone is the dearest step, so it runs once
    // and only for a page that has a UTC time to show.
    let zone = std::cell::OnceCell::new();
    let localise = |t: Timestamp| match t {
        Timestamp::Instant(i) if i.offset().local_minus_utc() == 0 => {
            in_zone(t, *zone.get_or_init(|| page_zone(page.html)))
        }
        other => other,
    };
    let modified = first_parsed(json_ld_dates(facts, MODIFIED_JSON_LD))
        .or_else(|| first_parsed(meta_values(facts, MODIFIED_META)))
        .or_else(|| {
            first_parsed(
                facts
                    .times
                    .iter()
                    .filter(|t| t.modified_hint && !t.published_hint)
                    .map(|t| t.value.as_str()),
            )
        })
        .map(localise);

    let machine = first_parsed(json_ld_dates(facts, PUBLISHED_JSON_LD))
        .or_else(|| first_parsed(meta_values(facts, PUBLISHED_META)))
        .or_else(|| {
            first_parsed(
                facts
                    .times
                    .iter()
                    .filter(|t| t.published_hint)
                    .map(|t| t.value.as_str()),
            )
        })
        .or_else(|| first_parsed(json_ld_dates(facts, UPLOADED_JSON_LD)));
    let machine = machine.map(localise);
    let from_url = page.urls.iter().find_map(|u| from_url(u));
    // The URL carries the newsroom's local day; a machine time a day off it
    // that could be the same moment was written in another zone.
    let machine = match (machine, from_url) {
        (Some(m), Some(Timestamp::Day(u))) if m.day() != u && could_be_local_day(&m, u) => Some(Timestamp::Day(u)),
        (m, _) => m,
    };
    // The day shown to readers next to the article is its local day; a
    // machine time a day away from it was written in another zone.
    let shown = facts
        .times
        .iter()
        .filter(|t| t.published_hint)
        .find_map(|t| parse_human(&t.value, page.month_first));
    let machine = match (machine, shown) {
        (Some(m), Some(day)) if m.day() != day && could_be_local_day(&m, day) => Some(Timestamp::Day(day)),
        (m, _) => m,
    };
    let loose = || {
        first_parsed(
            facts
                .times
                .iter()
                .filter(|t| !t.modified_hint)
                .map(|t| t.value.as_str()),
        )
        .or_else(|| {
            facts
                .date_labels
                .iter()
                .find_map(|l| find_in_text(l, page.month_first).map(|(t, _)| t))
        })
        .or_else(|| body_date(page.body, page.month_first).map(Timestamp::Day))
        .or_else(|| find_in_text(&facts.after_headline, page.month_first).map(|(t, _)| t))
        .or_else(|| most_frequent_html_day(page.html).map(Timestamp::Day))
    };
    let mut published = machine.or(from_url).or_else(|| {
        // Text dates are weak evidence: one later than the page's own
        // modification time is a mention of some other day.
        loose().filter(|t| modified.is_none_or(|m| t.day() <= m.day()))
    });
    // Prefer the precise form of the same day when a later source has it.
    if let Some(Timestamp::Day(day)) = published {
        let precise = json_ld_dates(facts, PUBLISHED_JSON_LD)
            .chain(meta_values(facts, PUBLISHED_META))
            .chain(facts.times.iter().map(|t| t.value.as_str()))
            .filter_map(parse_machine)
            .find(|t| matches!(t, Timestamp::Instant(_)) && t.day() == day);
        if precise.is_some() {
            published = precise;
        }
    }
    Dates { published, modified }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::TimeMark;
    use chrono::NaiveDate;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts_with_meta(pairs: &[(&str, &str)]) -> PageFacts {
        PageFacts {
            metas: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..PageFacts::default()
        }
    }

    fn choose_with(facts: &PageFacts, urls: &[&str], body: &str, html: &str) -> Dates {
        choose(&DateEvidence {
            facts,
            urls,
            body,
            html,
            month_first: false,
        })
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
    fn url_day_wins_over_a_utc_time_just_past_midnight() {
        let facts = facts_with_meta(&[("article:published_time", "2020-02-18T02:18:11+00:00")]);
        let got = choose_with(&facts, &["https://x.example/2020/02/17/story/"], "", "");
        assert_eq!(got.published, Some(ts("2020-02-17")));

        let facts = facts_with_meta(&[("article:published_time", "2020-07-09T10:04:04+00:00")]);
        let got = choose_with(&facts, &["https://x.example/politics/2020/07/08/story.html"], "", "");
        assert_eq!(got.published, Some(ts("2020-07-09T10:04:04+00:00")));
    }

    #[test]
    fn upload_date_ranks_below_the_article_meta() {
        let mut facts = facts_with_meta(&[("parsely-pub-date", "2020-09-30T02:00:07-0700")]);
        facts.json_ld = vec![serde_json::json!({"@type": "VideoObject", "uploadDate": "2020-09-29T22:40:00-07:00"})];
        let got = choose_with(&facts, &[], "", "");
        assert_eq!(got.published, Some(ts("2020-09-30T02:00:07-07:00")));

        let facts = PageFacts {
            json_ld: vec![serde_json::json!({"@type": "VideoObject", "uploadDate": "2020-09-29T22:40:00-07:00"})],
            ..PageFacts::default()
        };
        let got = choose_with(&facts, &[], "", "");
        assert_eq!(got.published, Some(ts("2020-09-29T22:40:00-07:00")));
    }

    #[test]
    fn day_shown_to_readers_beats_a_utc_time_a_day_away() {
        let mut facts = facts_with_meta(&[("datepublished", "2020-12-05T23:15:00Z")]);
        facts.times.push(TimeMark {
            value: "06 Dicembre 2020".into(),
            published_hint: true,
            modified_hint: false,
        });
        let got = choose_with(&facts, &[], "", "");
        assert_eq!(got.published, Some(ts("2020-12-06")));

        // A machine value in the same element is not what readers see.
        let mut facts = facts_with_meta(&[("datepublished", "2020-12-05T23:15:00Z")]);
        facts.times.push(TimeMark {
            value: "2020-12-06".into(),
            published_hint: true,
            modified_hint: false,
        });
        let got = choose_with(&facts, &[], "", "");
        assert_eq!(got.published, Some(ts("2020-12-05T23:15:00+00:00")));
    }

    #[test]
    fn parse_human_skips_machine_formats() {
        assert_eq!(parse_human("06 Dicembre 2020", false), Some(day("2020-12-06")));
        assert_eq!(parse_human("Sep 30, 2020", false), Some(day("2020-09-30")));
        assert_eq!(parse_human("2020-09-30T02:00:07-07:00", false), None);
        assert_eq!(parse_human("1601456407", false), None);
        assert_eq!(parse_human("1 hr ago", false), None);
    }

    #[test]
    fn a_dateline_paragraph_beats_a_date_in_a_caption() {
        let body = "FILE PHOTO: The president speaks at an air base near Orleans, France, January 16, 2020. \
                    Photo via REUTERS\nJanuary 18, 2020\nPARIS (Reuters) - Protesters gathered on Friday.";
        assert_eq!(body_date(body, true), Some(day("2020-01-18")));
        // Without a dateline the first date written still counts.
        assert_eq!(
            body_date("The talks began on 3 March 2020 and went on.", false),
            Some(day("2020-03-03"))
        );
        assert_eq!(body_date("No date here at all.", false), None);
    }

    #[test]
    fn markup_days_are_the_last_resort_and_the_most_frequent_wins() {
        let html = r#"<img src="/up/2020/03/04/a.jpg"><script>showDate("2020/03/04 16:52:59")</script>
                      <a href="/2019/12/01/other">x</a> v=12020-01-01"#;
        assert_eq!(most_frequent_html_day(html), Some(day("2020-03-04")));
        // Ties go to the first day written.
        assert_eq!(
            most_frequent_html_day("a 2020-04-17 b 2020-04-18"),
            Some(day("2020-04-17"))
        );
        assert_eq!(most_frequent_html_day("build 20200417 v1.2.3"), None);

        let facts = PageFacts::default();
        let html = r#"<td><script>showDate("2020/04/17 01:43:09")</script></td>"#;
        let got = choose_with(&facts, &[], "Body text without any date.", html);
        assert_eq!(got.published, Some(ts("2020-04-17")));
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

        let facts = facts_with_meta(&[("article:published_time", "2020-05-02T02:54:29.000Z")]);
        let got = choose_with(&facts, &[], "", html);
        let published = got.published.unwrap();
        assert_eq!(published.to_string(), "2020-05-01T22:54:29-04:00");
        // The same instant, only shown in the newsroom's zone.
        assert_eq!(published.unix(), ts("2020-05-02T02:54:29+00:00").unix());
        // A time written with its own offset is left as written.
        assert_eq!(
            in_zone(ts("2020-05-02T02:54:29+02:00"), FixedOffset::west_opt(4 * 3600)),
            ts("2020-05-02T02:54:29+02:00")
        );
    }

    #[test]
    fn modified_and_published_come_from_their_own_fields() {
        let facts = PageFacts {
            json_ld: vec![serde_json::json!({
                "@type": "NewsArticle",
                "datePublished": "2021-10-18T09:30:00+02:00",
                "dateModified": "2021-10-19T08:00:00+02:00"
            })],
            ..PageFacts::default()
        };
        let got = choose_with(&facts, &[], "", "");
        assert_eq!(got.published, Some(ts("2021-10-18T09:30:00+02:00")));
        assert_eq!(got.modified, Some(ts("2021-10-19T08:00:00+02:00")));
    }

    #[test]
    fn text_dates_after_the_modification_time_are_ignored() {
        let facts = facts_with_meta(&[("article:modified_time", "2020-03-01T10:00:00+01:00")]);
        let got = choose_with(&facts, &[], "The vote is planned for 12 April 2020.", "");
        assert_eq!(got.published, None);
    }
}
