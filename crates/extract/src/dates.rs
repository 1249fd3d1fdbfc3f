//! Publication and modification dates: reading them (see [`parse`]) and
//! choosing among the page's many candidates.
//!
//! Sources in order of trust: JSON-LD and meta tags, `<time>` elements marked
//! as the publication time, the URL, then weaker evidence (any `<time>`,
//! date-labelled elements, the opening of the body). A time keeps the offset
//! it was written with; a bare day stays a day.

mod parse;

pub(crate) use parse::{find_in_text, from_url, parse_human, parse_machine};

use model::Timestamp;
use serde_json::Value;

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
    /// Reads `04/05/2021` as April 5 (US usage) instead of 4 May.
    pub month_first: bool,
}

fn first_parsed<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Timestamp> {
    values.into_iter().find_map(parse_machine)
}

fn json_ld_dates<'a>(facts: &'a PageFacts, keys: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    facts.json_ld_by_preference().into_iter().flat_map(move |obj| {
        keys.iter()
            .filter_map(move |k| obj.get(*k).and_then(Value::as_str))
    })
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

/// Published and modified times of the page.
pub(crate) fn choose(page: &DateEvidence) -> Dates {
    let facts = page.facts;
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
        });

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
    let from_url = page.urls.iter().find_map(|u| from_url(u));
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
        (Some(m), Some(day)) if m.day() != day && could_be_local_day(&m, day) => {
            if std::env::var("RWD").is_ok() { eprintln!("SHOWN {:?} {} {}", page.urls.first(), m, day); }
            Some(Timestamp::Day(day))
        }
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
        .or_else(|| find_in_text(opening(page.body, BODY_OPENING_BYTES), page.month_first).map(|(t, _)| t))
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
