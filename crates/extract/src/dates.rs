//! Publication and modification dates: reading them (see [`parse`]) and
//! choosing among the page's many candidates.
//!
//! Evidence in order of trust ([`Rule`]): JSON-LD, then meta tags, then
//! `<time>` elements marked as the publication time, a video's upload time,
//! the URL, and then weaker evidence: any `<time>`, elements whose class or
//! id names a date or byline, a dateline in the body or right under the
//! headline, and last the day written most often in the markup. A time keeps
//! the offset it was written with; a bare day stays a day.
//!
//! Each piece must be plausible, or the next one is used: [`parse`] refuses
//! days before the web existed (1995), and a publication day after the
//! page's own last modification is a mention of some other day.
//!
//! The day that counts is the newsroom's local day: a UTC time is shown in
//! the zone the page otherwise writes its times in, and gives way to the day
//! in the URL or the day shown to readers when it could be the same moment.

mod parse;
mod scan;
mod zone;

pub(crate) use parse::{find_in_text, from_url, parse_human, parse_machine};

use chrono::{NaiveDate, TimeDelta};
use model::Timestamp;
use serde_json::Value;

use crate::page::PageFacts;
use scan::{most_frequent_html_day, opening, visible_text};
use zone::{could_be_local_day, in_zone, page_zone};

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
    "published-date",
    "date_published",
    "date-published",
    "dc.date.publication",
    "dcterms.datepublished",
    "prism.publicationdate",
    "citation_online_date",
    "dcsext.articlefirstpublished",
    "shareaholic:article_published_time",
    "vr:published_time",
    "twt-published-at",
    "rbpubdate",
    "article.created",
    "content_create_date",
    "date_created",
    "dc.created",
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

/// A dateline is a short paragraph of its own; a date inside a sentence or
/// a photo caption near the top is more often some other day.
const MAX_DATELINE_CHARS: usize = 80;

/// How far past the last modification a machine publication time may fall.
/// Scheduled posts are written, and last edited, days or weeks before they
/// go up, so a later publication time is normal; a year later is not.
const MACHINE_SLACK_DAYS: i64 = 365;

/// Where a publication date came from, most trusted first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// JSON-LD `datePublished` or `dateCreated`.
    StructuredData,
    /// A publication meta tag: Open Graph, Dublin Core, Parse.ly and kin.
    Meta,
    /// A `<time>` or `itemprop` element marked as the publication time.
    MarkedTime,
    /// A video's JSON-LD `uploadDate`.
    Upload,
    /// A full day in the page's URL.
    Url,
    /// The first `<time>` element not marked as a modification.
    Time,
    /// An element whose class or id names a date or byline.
    Byline,
    /// A dateline opening the article text.
    Dateline,
    /// The text right under the headline.
    UnderHeadline,
    /// The numeric day written most often in the markup.
    Markup,
    /// The first date in the page's visible text after the headline.
    PageText,
}

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Dates {
    pub published: Option<Timestamp>,
    pub modified: Option<Timestamp>,
    /// The rule that gave `published`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub rule: Option<Rule>,
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

fn json_ld_dates<'a>(facts: &'a PageFacts, keys: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    facts
        .json_ld_by_preference()
        .into_iter()
        .flat_map(move |obj| keys.iter().filter_map(move |k| obj.get(*k).and_then(Value::as_str)))
}

fn meta_values<'a>(facts: &'a PageFacts, keys: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    keys.iter().filter_map(move |k| facts.meta(&[k]))
}

/// The date opening the article: the first paragraph in the opening that is
/// little more than a date, else the first date written there at all.
fn body_date(body: &str, month_first: bool) -> Option<NaiveDate> {
    let opening = opening(body, BODY_OPENING_BYTES);
    opening
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && line.chars().count() <= MAX_DATELINE_CHARS)
        .find_map(|line| find_in_text(line, month_first))
        .or_else(|| find_in_text(opening, month_first))
        .map(|(t, _)| t.day())
}

/// Dates written in the page's visible text, with where each starts and
/// whether it is labelled as an update.
const MAX_PAGE_TEXT_DATES: usize = 200;

/// The date written nearest the page's headline in its visible text, above
/// or below (a byline sits right under or over the headline; the
/// masthead's clock, the sidebars and the footer lie further off), an update
/// time only when no other date is written: the last resort for pages that
/// date themselves nowhere else. Without a headline found in the text, the
/// first date on the page.
fn page_text_date(page: &DateEvidence, fits: impl Fn(&Timestamp) -> bool) -> Option<Timestamp> {
    let text = visible_text(page.html);
    // The title tag's longest part is the headline, without the site name.
    let headline = page.facts.h1.first().map(String::as_str).or_else(|| {
        let title = page.facts.title_tag.as_deref()?;
        title
            .split(['|', '–', '—'])
            .flat_map(|part| part.split(" - "))
            .map(str::trim)
            .max_by_key(|part| part.len())
    });
    // Where the headline starts and ends in the text, if it is there.
    let (start, end) = headline
        .filter(|h| h.chars().count() >= 10)
        .and_then(|h| text.find(h).map(|at| (at, at + h.len())))
        .unwrap_or((0, 0));
    let mut found: Vec<(Timestamp, usize, bool)> = Vec::new();
    let mut offset = 0;
    while let Some((t, at)) = find_in_text(&text[offset..], page.month_first) {
        let at = offset + at;
        if fits(&t) {
            found.push((t, at, labelled_as_update(&text, at)));
        }
        if found.len() >= MAX_PAGE_TEXT_DATES {
            break;
        }
        offset = at + 1;
        while !text.is_char_boundary(offset) {
            offset += 1;
        }
    }
    let distance = |at: usize| if at >= end { at - end } else { start.saturating_sub(at) };
    let nearest = |updates: bool| {
        found
            .iter()
            .filter(|(_, _, update)| updates || !update)
            .min_by_key(|(_, at, _)| distance(*at))
            .map(|(t, _, _)| *t)
    };
    nearest(false).or_else(|| nearest(true))
}

/// Words that mark the date right after them as a modification time.
const UPDATE_WORDS: &[&str] = &[
    "updated",
    "update:",
    "modified",
    "aktualisiert",
    "mis à jour",
    "actualizado",
    "atualizado",
    "aggiornato",
    "bijgewerkt",
];
/// How far before a date an update word still labels it.
const UPDATE_WORD_REACH: usize = 32;

/// Whether the text just before `at` says that what follows is an update
/// time ("Last updated: ...").
fn labelled_as_update(text: &str, at: usize) -> bool {
    let mut start = at.saturating_sub(UPDATE_WORD_REACH);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = text[start..at].to_lowercase();
    UPDATE_WORDS.iter().any(|w| before.contains(w))
}

/// The first date in `text` that fits; with `updates` false, one labelled
/// as an update time is passed over.
fn first_published_in(
    text: &str,
    month_first: bool,
    updates: bool,
    fits: impl Fn(&Timestamp) -> bool,
) -> Option<Timestamp> {
    let mut offset = 0;
    while let Some((t, at)) = find_in_text(&text[offset..], month_first) {
        if fits(&t) && (updates || !labelled_as_update(text, offset + at)) {
            return Some(t);
        }
        offset += at + 1;
        while !text.is_char_boundary(offset) {
            offset += 1;
        }
    }
    None
}

/// Whether a publication date could be true of a page last modified at
/// `modified`: no later than that, give or take `slack_days`.
fn before_modification(published: &Timestamp, modified: Option<&Timestamp>, slack_days: i64) -> bool {
    modified.is_none_or(|m| published.day() <= m.day() + TimeDelta::days(slack_days))
}

/// The modification time: JSON-LD, meta tags, then a `<time>` marked so.
fn modification(facts: &PageFacts) -> Option<Timestamp> {
    json_ld_dates(facts, MODIFIED_JSON_LD)
        .chain(meta_values(facts, MODIFIED_META))
        .chain(
            facts
                .times
                .iter()
                .filter(|t| t.modified_hint && !t.published_hint)
                .map(|t| t.value.as_str()),
        )
        .find_map(parse_machine)
}

/// The most trusted machine-readable publication time the page gives, with
/// its rule: structured data, meta tags, marked `<time>`s, an upload time.
fn machine_published(facts: &PageFacts, modified: Option<&Timestamp>) -> Option<(Timestamp, Rule)> {
    let marked = facts
        .times
        .iter()
        .filter(|t| t.published_hint)
        .map(|t| t.value.as_str());
    let sources: [(Rule, Box<dyn Iterator<Item = &str> + '_>); 4] = [
        (Rule::StructuredData, Box::new(json_ld_dates(facts, PUBLISHED_JSON_LD))),
        (Rule::Meta, Box::new(meta_values(facts, PUBLISHED_META))),
        (Rule::MarkedTime, Box::new(marked)),
        (Rule::Upload, Box::new(json_ld_dates(facts, UPLOADED_JSON_LD))),
    ];
    sources.into_iter().find_map(|(rule, values)| {
        values
            .filter_map(parse_machine)
            .find(|t| before_modification(t, modified, MACHINE_SLACK_DAYS))
            .map(|t| (t, rule))
    })
}

/// Weak evidence, in order: any `<time>`, date-labelled elements, the body's
/// dateline, the text under the headline (the two where a date is not
/// labelled as an update, then any), the markup's most frequent day, and
/// the first date in the page's visible text.
fn loose_published(page: &DateEvidence, modified: Option<&Timestamp>) -> Option<(Timestamp, Rule)> {
    let facts = page.facts;
    // Text dates are weak evidence: one later than the page's own
    // modification time is a mention of some other day.
    let fits = |t: &Timestamp| before_modification(t, modified, 0);
    let tagged = |rule: Rule| move |t: Timestamp| (t, rule);
    let time = || {
        facts
            .times
            .iter()
            .filter(|t| !t.modified_hint)
            .filter_map(|t| parse_machine(&t.value))
            .find(fits)
            .map(tagged(Rule::Time))
    };
    let byline = |updates: bool| {
        facts
            .date_labels
            .iter()
            .find_map(|l| first_published_in(l, page.month_first, updates, fits))
            .map(tagged(Rule::Byline))
    };
    let dateline = || {
        body_date(page.body, page.month_first)
            .map(Timestamp::Day)
            .filter(fits)
            .map(tagged(Rule::Dateline))
    };
    let under = |updates: bool| {
        first_published_in(&facts.after_headline, page.month_first, updates, fits).map(tagged(Rule::UnderHeadline))
    };
    let markup = || {
        most_frequent_html_day(page.html)
            .map(Timestamp::Day)
            .filter(fits)
            .map(tagged(Rule::Markup))
    };
    let page_text = || page_text_date(page, fits).map(tagged(Rule::PageText));
    // A date labelled as an update is the last change, not the first
    // publication: it counts only when no unlabelled one is shown.
    time()
        .or_else(|| byline(false))
        .or_else(dateline)
        .or_else(|| under(false))
        .or_else(|| byline(true))
        .or_else(|| under(true))
        .or_else(markup)
        .or_else(page_text)
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
    let modified = modification(facts).map(localise);

    let machine = machine_published(facts, modified.as_ref()).map(|(t, rule)| (localise(t), rule));
    let from_url = page
        .urls
        .iter()
        .filter_map(|u| from_url(u))
        .find(|t| before_modification(t, modified.as_ref(), MACHINE_SLACK_DAYS));
    // The URL carries the newsroom's local day; a machine time a day off it
    // that could be the same moment was written in another zone.
    let machine = match (machine, from_url) {
        (Some((m, rule)), Some(Timestamp::Day(u))) if m.day() != u && could_be_local_day(&m, u) => {
            Some((Timestamp::Day(u), rule))
        }
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
        (Some((m, rule)), Some(day)) if m.day() != day && could_be_local_day(&m, day) => {
            Some((Timestamp::Day(day), rule))
        }
        (m, _) => m,
    };
    let found = machine
        .or_else(|| from_url.map(|t| (t, Rule::Url)))
        .or_else(|| loose_published(page, modified.as_ref()));
    let (mut published, rule) = match found {
        Some((t, rule)) => (Some(t), Some(rule)),
        None => (None, None),
    };
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
    Dates {
        published,
        modified,
        rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::TimeMark;

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

    fn mark(value: &str, published: bool, modified: bool) -> TimeMark {
        TimeMark {
            value: value.into(),
            published_hint: published,
            modified_hint: modified,
        }
    }

    #[test]
    fn each_rule_in_order_of_trust() {
        let json_ld = serde_json::json!({"@type": "NewsArticle", "datePublished": "2021-03-04T08:00:00+01:00"});
        let mut facts = facts_with_meta(&[("parsely-pub-date", "2021-03-05T08:00:00+01:00")]);
        facts.json_ld = vec![json_ld];
        let got = choose_with(&facts, &[], "", "");
        assert_eq!(
            (got.published, got.rule),
            (Some(ts("2021-03-04T08:00:00+01:00")), Some(Rule::StructuredData))
        );

        let facts = facts_with_meta(&[("sailthru.date", "2021-03-05 10:15:00")]);
        let got = choose_with(&facts, &[], "", "");
        assert_eq!((got.published, got.rule), (Some(ts("2021-03-05")), Some(Rule::Meta)));

        let mut facts = PageFacts::default();
        facts.times.push(mark("2021-03-06T09:00:00Z", true, false));
        let got = choose_with(&facts, &["https://gazette.example/2021/03/01/story"], "", "");
        assert_eq!(got.rule, Some(Rule::MarkedTime));

        let got = choose_with(
            &PageFacts::default(),
            &["https://gazette.example/2021/03/07/story"],
            "",
            "",
        );
        assert_eq!((got.published, got.rule), (Some(ts("2021-03-07")), Some(Rule::Url)));

        let mut facts = PageFacts::default();
        facts.times.push(mark("2021-03-20T10:00:00+00:00", false, true));
        facts.times.push(mark("2021-03-08", false, false));
        facts.date_labels.push("Posted 9 March 2021".into());
        let got = choose_with(&facts, &[], "", "");
        assert_eq!((got.published, got.rule), (Some(ts("2021-03-08")), Some(Rule::Time)));

        let mut facts = PageFacts::default();
        facts.date_labels.push("By Ilse Varga | 9 March 2021".into());
        facts.after_headline = "10 March 2021".into();
        let got = choose_with(&facts, &[], "11 March 2021\nText.", "");
        assert_eq!((got.published, got.rule), (Some(ts("2021-03-09")), Some(Rule::Byline)));

        let facts = PageFacts {
            after_headline: "10 March 2021".into(),
            ..PageFacts::default()
        };
        let got = choose_with(&facts, &[], "11 March 2021\nText.", "");
        assert_eq!(
            (got.published, got.rule),
            (Some(ts("2021-03-11")), Some(Rule::Dateline))
        );

        let got = choose_with(&facts, &[], "Text without a date.", "<p>2021-03-12</p>");
        assert_eq!(
            (got.published, got.rule),
            (Some(ts("2021-03-10")), Some(Rule::UnderHeadline))
        );

        let html = "<p>Today is 13 March 2021</p><a href=\"/img/2021/03/12/a.jpg\">";
        let got = choose_with(&PageFacts::default(), &[], "Text without a date.", html);
        assert_eq!((got.published, got.rule), (Some(ts("2021-03-12")), Some(Rule::Markup)));
    }

    #[test]
    fn page_text_takes_the_date_nearest_the_headline() {
        let facts = PageFacts {
            h1: vec!["Ferry to Vellmark resumes".into()],
            ..PageFacts::default()
        };
        let html = "<div>Mon 14 March 2021 | Weather</div><b>Ferry to Vellmark resumes</b>\
                    <span>Published 12 March 2021</span><p>Body.</p>";
        let got = choose_with(&facts, &[], "Body.", html);
        assert_eq!(
            (got.published, got.rule),
            (Some(ts("2021-03-12")), Some(Rule::PageText))
        );
        // With no headline found, the first date on the page.
        let got = choose_with(&PageFacts::default(), &[], "Body.", html);
        assert_eq!(got.published, Some(ts("2021-03-14")));
        assert_eq!(
            choose_with(&PageFacts::default(), &[], "Body.", "<p>Body.</p>").rule,
            None
        );
        // A date right above the headline beats a list of other stories below.
        let html = "<title>Ferry to Vellmark resumes</title><p>Harbour news 8 March 2021</p>\
                    <b>Ferry to Vellmark resumes</b><p>Body of the story, long enough to read.</p>\
                    <ul><li>15/03/2021 Other story</li><li>14/03/2021 Another</li></ul>";
        let got = choose_with(&facts, &[], "Body.", html);
        assert_eq!(
            (got.published, got.rule),
            (Some(ts("2021-03-08")), Some(Rule::PageText))
        );
    }

    #[test]
    fn implausible_evidence_gives_way_to_the_next() {
        // Before the web: the meta is passed over for the URL.
        let facts = facts_with_meta(&[("article:published_time", "1970-01-01T00:00:00Z")]);
        let got = choose_with(&facts, &["https://gazette.example/2021/03/07/story"], "", "");
        assert_eq!((got.published, got.rule), (Some(ts("2021-03-07")), Some(Rule::Url)));

        // A year past the page's last change: a placeholder, not the day it went up.
        let facts = facts_with_meta(&[
            ("article:published_time", "2031-01-01T00:00:00Z"),
            ("article:modified_time", "2021-03-02T10:00:00+01:00"),
            ("dc.date", "2021-03-01"),
        ]);
        let got = choose_with(&facts, &[], "", "");
        assert_eq!((got.published, got.rule), (Some(ts("2021-03-01")), Some(Rule::Meta)));

        // A scheduled post goes up days after its last edit: kept.
        let facts = facts_with_meta(&[
            ("article:published_time", "2021-03-08T04:00:00-05:00"),
            ("article:modified_time", "2021-03-05T14:00:00-05:00"),
        ]);
        let got = choose_with(&facts, &[], "", "");
        assert_eq!(got.published, Some(ts("2021-03-08T04:00:00-05:00")));
    }

    #[test]
    fn a_date_labelled_as_an_update_counts_last() {
        // The site header's clock is an update time; the byline's day wins.
        let facts = PageFacts {
            date_labels: vec!["UPDATED: 8:31 a.m. PDT, March 20, 2021".into()],
            after_headline: "Friday, March 18, 2021 Wenna Achterberg, staff".into(),
            ..PageFacts::default()
        };
        let got = choose_with(&facts, &[], "", "");
        assert_eq!(
            (got.published, got.rule),
            (Some(ts("2021-03-18")), Some(Rule::UnderHeadline))
        );
        // Within one label the unlabelled day wins.
        let facts = PageFacts {
            date_labels: vec!["Last updated 20 March 2021, first published 17 March 2021".into()],
            ..PageFacts::default()
        };
        assert_eq!(choose_with(&facts, &[], "", "").published, Some(ts("2021-03-17")));
        // When the update time is all the page shows, it is used.
        let facts = PageFacts {
            date_labels: vec!["Last Updated: Thursday, March 18, 2021 | 10:56 AM".into()],
            ..PageFacts::default()
        };
        let got = choose_with(&facts, &[], "", "<a href=\"/story/2021/03/20/other.html\">");
        assert_eq!((got.published, got.rule), (Some(ts("2021-03-18")), Some(Rule::Byline)));
    }

    #[test]
    fn more_publication_meta_names() {
        for name in ["date_created", "dc.date.publication", "article.created", "rbpubdate"] {
            let facts = facts_with_meta(&[(name, "2021-03-05")]);
            assert_eq!(choose_with(&facts, &[], "", "").rule, Some(Rule::Meta), "{name}");
        }
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
    fn markup_days_are_the_last_resort() {
        let facts = PageFacts::default();
        let html = r#"<td><script>showDate("2020/04/17 01:43:09")</script></td>"#;
        let got = choose_with(&facts, &[], "Body text without any date.", html);
        assert_eq!(got.published, Some(ts("2020-04-17")));
    }

    #[test]
    fn a_utc_time_is_shown_in_the_zone_the_page_keeps() {
        let html = r#"{"published":"2020-05-02T02:54:29.000Z","hours":"11:00-11:30",
            "a":"Fri, 01 May 2020 23:00:00 -0400","b":"Sat, 02 May 2020 06:00:00 -0400"}"#;
        let facts = facts_with_meta(&[("article:published_time", "2020-05-02T02:54:29.000Z")]);
        let got = choose_with(&facts, &[], "", html);
        let published = got.published.unwrap();
        assert_eq!(published.to_string(), "2020-05-01T22:54:29-04:00");
        // The same instant, only shown in the newsroom's zone.
        assert_eq!(published.unix(), ts("2020-05-02T02:54:29+00:00").unix());
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
