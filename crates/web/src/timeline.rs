//! The timeline from the text: the dates that a story's articles cite ("on
//! 14 October", "ten days ago"), each resolved against its own article's
//! publication day by `stories::event_dates`, with the sentence that cites
//! it. Set beside the publication dates, they show when the events happened
//! and when each page said they did: a page published long after the events
//! it reports stands out.
//!
//! `event_dates` is a pure function of the story stage; calling it here runs
//! no engine and touches no pipeline (see ARCHITECTURE.md).

use std::collections::HashMap;
use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use store::{ArticleId, ArticleSummary};
use stories::{event_dates, DatePrecision};

/// At most this many articles of a story are read for dates: the originals
/// first, then the copies, oldest first.
pub(crate) const MAX_ARTICLES: usize = 60;
/// At most this many dates are taken from one article, in text order.
const MAX_DATES_PER_ARTICLE: usize = 20;
/// About how long a quoted sentence may be, in characters.
const SENTENCE_CHARS: usize = 200;
/// A cited date that ends this many days or more before its article was
/// published is marked: the page reports old events.
pub(crate) const FAR_BEFORE_DAYS: i64 = 60;

/// One date that an article cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CitedDate {
    pub article: ArticleId,
    /// The first and last day the expression can mean (inclusive).
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// `day`, `week`, `month` or `year`.
    pub precision: &'static str,
    /// The sentence that cites the date, trimmed to about 200 characters.
    pub sentence: String,
    /// The date expression as written, which occurs in `sentence`.
    pub expression: String,
    /// The article's publication day, against which the date was resolved.
    pub published: NaiveDate,
    /// Days from the end of the cited range to the publication day;
    /// negative when the date lies after it.
    pub days_before_publication: i64,
    /// The sentence around the expression, for highlighting it.
    #[serde(skip)]
    pub before: String,
    #[serde(skip)]
    pub after: String,
}

impl CitedDate {
    /// Whether the article was published long after this date.
    pub(crate) fn far_before(&self) -> bool {
        self.days_before_publication >= FAR_BEFORE_DAYS
    }
}

/// The articles whose text is read, at most [`MAX_ARTICLES`]: only dated
/// ones (relative dates need a publication day), originals before copies.
pub(crate) fn articles_to_read(articles: &[ArticleSummary]) -> Vec<ArticleId> {
    let dated = articles.iter().filter(|a| a.published.is_some());
    let is_original = |a: &&ArticleSummary| a.copy_of.is_none() && !a.redated;
    dated
        .clone()
        .filter(is_original)
        .chain(dated.filter(|a| !is_original(a)))
        .take(MAX_ARTICLES)
        .map(|a| a.id)
        .collect()
}

/// Every date that the read articles cite, earliest first. `texts` holds
/// the text of the articles to read; the others are skipped.
pub(crate) fn cited_dates(articles: &[ArticleSummary], texts: &HashMap<ArticleId, String>) -> Vec<CitedDate> {
    let mut out = Vec::new();
    for article in articles {
        let (Some(text), Some(published)) = (texts.get(&article.id), article.published.as_ref()) else {
            continue;
        };
        let published = published.day();
        for found in event_dates(text, published).into_iter().take(MAX_DATES_PER_ARTICLE) {
            let Some(quote) = Quote::around(text, found.span.clone()) else {
                continue;
            };
            out.push(CitedDate {
                article: article.id,
                start: found.start,
                end: found.end,
                precision: precision_name(found.precision),
                sentence: format!("{}{}{}", quote.before, quote.expression, quote.after),
                expression: quote.expression,
                published,
                days_before_publication: (published - found.end).num_days(),
                before: quote.before,
                after: quote.after,
            });
        }
    }
    out.sort_by_key(|d| (d.start, d.end, d.published, d.article));
    out
}

fn precision_name(precision: DatePrecision) -> &'static str {
    match precision {
        DatePrecision::Day => "day",
        DatePrecision::Week => "week",
        DatePrecision::Month => "month",
        DatePrecision::Year => "year",
    }
}

/// The sentence around a date expression, in three parts.
#[derive(Debug, PartialEq, Eq)]
struct Quote {
    before: String,
    expression: String,
    after: String,
}

impl Quote {
    /// `None` when `span` is not a range of `text` on character boundaries.
    fn around(text: &str, span: Range<usize>) -> Option<Quote> {
        let expression = text.get(span.clone())?;
        let head = text.get(..span.start)?;
        let tail = text.get(span.end..)?;
        let start = head
            .char_indices()
            .rev()
            .find(|&(i, c)| {
                c == '\n' || (ends_sentence(c) && head[i + c.len_utf8()..].starts_with(char::is_whitespace))
            })
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = tail
            .char_indices()
            .find(|&(i, c)| {
                c == '\n'
                    || (ends_sentence(c) && tail[i + c.len_utf8()..].chars().next().is_none_or(char::is_whitespace))
            })
            .map_or(tail.len(), |(i, c)| if c == '\n' { i } else { i + c.len_utf8() });
        let mut before = squeeze(&head[start..]);
        let expression = squeeze(expression);
        let mut after = squeeze(&tail[..end]);
        // Keep the spaces that part the expression from its neighbours.
        if head[start..].ends_with(char::is_whitespace) && !before.is_empty() {
            before.push(' ');
        }
        if tail[..end].starts_with(char::is_whitespace) && !after.is_empty() {
            after.insert(0, ' ');
        }
        let budget = SENTENCE_CHARS.saturating_sub(expression.chars().count());
        let (before_chars, after_chars) = (before.chars().count(), after.chars().count());
        if before_chars + after_chars > budget {
            // Half each side, and what one side does not use to the other.
            let half = budget / 2;
            let keep_before = before_chars.min(half.max(budget.saturating_sub(after_chars)));
            let keep_after = budget.saturating_sub(keep_before);
            before = keep_end(&before, keep_before);
            after = keep_start(&after, keep_after);
        }
        Some(Quote {
            before,
            expression,
            after,
        })
    }
}

fn ends_sentence(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '。' | '！' | '？')
}

/// Runs of white space made one space, ends trimmed.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The last `chars` characters of `text`, started at a word, with an
/// ellipsis when something was cut.
fn keep_end(text: &str, chars: usize) -> String {
    let total = text.chars().count();
    if total <= chars {
        return text.to_string();
    }
    let cut: String = text.chars().skip(total - chars).collect();
    let word = cut.find(' ').map_or(cut.as_str(), |i| &cut[i + 1..]);
    format!("…{word}")
}

/// The first `chars` characters of `text`, ended at a word, with an
/// ellipsis when something was cut.
fn keep_start(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(chars).collect();
    let word = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
    format!("{word}…")
}

/// How a cited range reads: "14 Oct 2021", "Oct 2021", "2018",
/// "1–10 Oct 2021", "27 Sep – 3 Oct 2021".
pub(crate) fn range_label(start: NaiveDate, end: NaiveDate) -> String {
    if start == end {
        return start.format("%-d %b %Y").to_string();
    }
    let whole_year = start.ordinal() == 1 && end.year() == start.year() && end.month() == 12 && end.day() == 31;
    if whole_year {
        return start.year().to_string();
    }
    let whole_month = start.day() == 1 && (end + chrono::Days::new(1)).day() == 1;
    if whole_month && (start.year(), start.month()) == (end.year(), end.month()) {
        return start.format("%b %Y").to_string();
    }
    if whole_month {
        return format!("{} – {}", start.format("%b %Y"), end.format("%b %Y"));
    }
    if (start.year(), start.month()) == (end.year(), end.month()) {
        return format!("{}–{}", start.day(), end.format("%-d %b %Y"));
    }
    if start.year() == end.year() {
        return format!("{} – {}", start.format("%-d %b"), end.format("%-d %b %Y"));
    }
    format!("{} – {}", start.format("%-d %b %Y"), end.format("%-d %b %Y"))
}

/// The machine-readable form of a cited range for `<time datetime>`: the
/// year or month alone when the range is exactly one, else its first day.
pub(crate) fn range_iso(start: NaiveDate, end: NaiveDate) -> String {
    match range_label(start, end) {
        label if label.len() == 4 => label,
        _ if start.day() == 1 && (end + chrono::Days::new(1)).day() == 1 && start.month() == end.month() => {
            start.format("%Y-%m").to_string()
        }
        _ => start.format("%Y-%m-%d").to_string(),
    }
}

/// "3 months", "2 years", "75 days": how long before publication.
pub(crate) fn gap_label(days: i64) -> String {
    let plural = |n: i64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if days >= 730 {
        plural(days / 365, "year")
    } else if days >= 60 {
        plural(days / 30, "month")
    } else {
        plural(days, "day")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn summary(id: i64, published: &str, copy_of: Option<i64>) -> ArticleSummary {
        ArticleSummary {
            id: ArticleId(id),
            title: Some(format!("Article {id}")),
            url: None,
            outlet: "Lagoon Courier".to_string(),
            language: Some("en".to_string()),
            published: Some(published.parse().unwrap()),
            copy_of: copy_of.map(ArticleId),
            redated: false,
            description: None,
        }
    }

    #[test]
    fn dates_in_the_text_resolve_against_their_article() {
        let text = "The ferry to Saltmere Island ran aground on 14 October, the harbour office said. \
                    Divers inspected its hull ten days ago and found the damage worse than feared.";
        let articles = [summary(7, "2022-11-03T09:00:00Z", None)];
        let texts = HashMap::from([(ArticleId(7), text.to_string())]);
        let dates = cited_dates(&articles, &texts);
        assert_eq!(dates.len(), 2, "{dates:?}");

        let aground = &dates[0];
        assert_eq!((aground.start, aground.end), (date("2022-10-14"), date("2022-10-14")));
        assert_eq!(aground.precision, "day");
        assert_eq!(aground.expression, "14 October");
        assert_eq!(aground.before, "The ferry to Saltmere Island ran aground on ");
        assert_eq!(aground.after, ", the harbour office said.");
        assert_eq!(
            aground.sentence,
            "The ferry to Saltmere Island ran aground on 14 October, the harbour office said."
        );
        assert_eq!(aground.published, date("2022-11-03"));
        assert_eq!(aground.days_before_publication, 20);
        assert!(!aground.far_before());

        let divers = &dates[1];
        assert_eq!(divers.start, date("2022-10-24"));
        assert!(divers.expression.ends_with("ten days ago"), "{divers:?}");
        assert!(divers.sentence.starts_with("Divers inspected its hull"));
        assert!(divers.sentence.ends_with("worse than feared."));
    }

    #[test]
    fn a_page_published_long_after_its_events_is_marked() {
        let text = "Work on the Saltmere causeway stopped in March 2021 when the money ran out.";
        let articles = [summary(3, "2022-06-01", None)];
        let texts = HashMap::from([(ArticleId(3), text.to_string())]);
        let dates = cited_dates(&articles, &texts);
        assert_eq!(dates.len(), 1, "{dates:?}");
        assert_eq!(dates[0].precision, "month");
        assert!(dates[0].far_before());
        assert_eq!(gap_label(dates[0].days_before_publication), "14 months");
    }

    #[test]
    fn originals_are_read_before_copies_and_undated_articles_not_at_all() {
        let mut undated = summary(1, "2022-01-01", None);
        undated.published = None;
        let articles = [
            undated,
            summary(2, "2022-01-02", Some(3)),
            summary(3, "2022-01-03", None),
        ];
        assert_eq!(articles_to_read(&articles), [ArticleId(3), ArticleId(2)]);
        let many: Vec<ArticleSummary> = (0..100).map(|i| summary(i, "2022-01-01", None)).collect();
        assert_eq!(articles_to_read(&many).len(), MAX_ARTICLES);
    }

    #[test]
    fn long_sentences_are_trimmed_around_the_date() {
        let before = "word ".repeat(80);
        let after = " more".repeat(80);
        let text = format!("{before}on 3 May 2020{after}.");
        let span = text.find("3 May").unwrap()..text.find(" more").unwrap();
        let quote = Quote::around(&text, span).unwrap();
        assert_eq!(quote.expression, "3 May 2020");
        assert!(quote.before.starts_with("…word"), "{quote:?}");
        assert!(quote.after.ends_with("more…"), "{quote:?}");
        let total = quote.before.chars().count() + quote.expression.len() + quote.after.chars().count();
        assert!((150..=205).contains(&total), "{total}");
        // A span that is not on the text's character boundaries is no quote.
        assert_eq!(Quote::around("é", 1..2), None);
        assert_eq!(Quote::around("abc", 2..9), None);
    }

    #[test]
    fn ranges_read_by_their_shape() {
        let label = |a: &str, b: &str| range_label(date(a), date(b));
        assert_eq!(label("2021-10-14", "2021-10-14"), "14 Oct 2021");
        assert_eq!(label("2021-10-01", "2021-10-31"), "Oct 2021");
        assert_eq!(label("2018-01-01", "2018-12-31"), "2018");
        assert_eq!(label("2021-10-01", "2021-10-10"), "1–10 Oct 2021");
        assert_eq!(label("2021-09-27", "2021-10-03"), "27 Sep – 3 Oct 2021");
        assert_eq!(label("2021-12-27", "2022-01-02"), "27 Dec 2021 – 2 Jan 2022");
        assert_eq!(label("2021-11-01", "2022-02-28"), "Nov 2021 – Feb 2022");
        assert_eq!(range_iso(date("2018-01-01"), date("2018-12-31")), "2018");
        assert_eq!(range_iso(date("2021-10-01"), date("2021-10-31")), "2021-10");
        assert_eq!(range_iso(date("2021-10-01"), date("2021-10-10")), "2021-10-01");
        assert_eq!(gap_label(1), "1 day");
        assert_eq!(gap_label(400), "13 months");
        assert_eq!(gap_label(800), "2 years");
    }
}
