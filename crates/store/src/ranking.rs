//! The front page's ranking rule and filters, pure and shared by every
//! backend.
//!
//! # The rule
//!
//! A story's score is the number of its *independent outlets*, decayed by
//! the age of its latest credible report with a half-life of one day:
//!
//! ```text
//! score = outlets × 2^(−age / 1 day)
//! ```
//!
//! - **Independent outlets** are the distinct outlets of the story's
//!   originals: articles that copy nothing and are not re-dated. A wire copy
//!   reprinted by ten sites adds nothing; ten newsrooms writing their own
//!   reports count ten. A story made only of copies counts one.
//! - **Age** runs from the story's latest report (its `updated` time, which
//!   already ignores re-dated copies) to now.
//!
//! Taking `log2` of the score and adding the constant `now / 1 day` turns the
//! comparison into one of a plain number that does not depend on "now":
//!
//! ```text
//! rank = latest report (Unix seconds) + 1 day × log2(outlets)
//! ```
//!
//! So each doubling of independent outlets is worth exactly one day of
//! recency: a story that four outlets reported yesterday ranks with one that
//! a single outlet reported an hour after it. Because the rank is fixed once
//! the story's articles are, a backend stores it with the story and the
//! front page stays one indexed scan.
//!
//! Two stories with the same rank are ordered by their **first report**,
//! the later one first (the fresher news), and then by id.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{ArticleId, ArticleSummary, StorySummary};

/// The half-life of a story's score, in seconds: one day.
pub const RANK_HALF_LIFE_SECS: i64 = 86_400;

/// The stored ranking key of a story whose latest report was at
/// `latest_report_unix` and which `independent_outlets` outlets reported on
/// their own (see the module documentation). Zero outlets count as one.
pub fn rank_key(latest_report_unix: i64, independent_outlets: u32) -> i64 {
    let outlets = f64::from(independent_outlets.max(1));
    // log2 of a u32 is at most 32, so the product fits an i64 easily.
    let bonus = (outlets.log2() * RANK_HALF_LIFE_SECS as f64).round() as i64;
    latest_report_unix.saturating_add(bonus)
}

/// How many distinct outlets published originals (neither copies nor
/// re-dated) among `articles`.
pub fn independent_outlets<'a>(articles: impl IntoIterator<Item = (&'a str, bool)>) -> u32 {
    let outlets: HashSet<&str> = articles
        .into_iter()
        .filter(|(_, original)| *original)
        .map(|(outlet, _)| outlet)
        .collect();
    u32::try_from(outlets.len()).unwrap_or(u32::MAX)
}

/// Which stories a listing shows. An empty filter shows all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoryFilter {
    /// A language code (`en`, `pt-br`): stories with at least one article in
    /// that language. A bare language also takes its regional variants
    /// (`en` takes `en-gb`); case does not matter.
    pub language: Option<String>,
    /// An outlet's display name (see [`crate::outlet_name`]): stories with at
    /// least one article from that outlet, copies included. Case does not
    /// matter.
    pub outlet: Option<String>,
}

impl StoryFilter {
    pub fn is_empty(&self) -> bool {
        self.language.is_none() && self.outlet.is_none()
    }

    /// Whether a story whose articles have these (outlet, language) pairs
    /// passes the filter.
    pub fn matches<'a>(&self, articles: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> bool {
        let mut language_ok = self.language.is_none();
        let mut outlet_ok = self.outlet.is_none();
        for (outlet, language) in articles {
            if let (Some(wanted), Some(language)) = (&self.language, language) {
                language_ok |= language_matches(language, wanted);
            }
            if let Some(wanted) = &self.outlet {
                outlet_ok |= outlet.trim().to_lowercase() == wanted.trim().to_lowercase();
            }
            if language_ok && outlet_ok {
                return true;
            }
        }
        language_ok && outlet_ok
    }
}

fn language_matches(language: &str, wanted: &str) -> bool {
    let language = language.trim().to_ascii_lowercase().replace('_', "-");
    let wanted = wanted.trim().to_ascii_lowercase();
    language == wanted
        || (!wanted.contains('-') && language.strip_prefix(&wanted).is_some_and(|rest| rest.starts_with('-')))
}

/// A story as the front page lists it: its summary, what its rank is made
/// of, its provenance counts and the opening of its first report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedStory {
    #[serde(flatten)]
    pub summary: StorySummary,
    /// Distinct outlets of its originals; at least one.
    pub independent_outlets: u32,
    /// The ranking key of [`rank_key`]: higher ranks first.
    pub rank: i64,
    /// Copies (not re-dated) among its articles.
    pub copies: u32,
    /// Re-dated copies among its articles.
    pub redated: u32,
    /// The article shown as its first report: the earliest original, or
    /// the oldest article of a story made only of copies.
    pub first_report: Option<ArticleId>,
    /// The beginning of the first report's text (up to
    /// [`OPENING_CHARS`] characters), for a one-line lead.
    pub opening: Option<String>,
}

/// How much of a first report's text a [`RankedStory`] carries.
pub const OPENING_CHARS: usize = 600;

impl RankedStory {
    /// Everything but the opening, from a story's summary and its articles
    /// (oldest first).
    pub fn from_articles(summary: StorySummary, articles: &[ArticleSummary]) -> RankedStory {
        let is_original = |a: &ArticleSummary| a.copy_of.is_none() && !a.redated;
        let independent = independent_outlets(articles.iter().map(|a| (a.outlet.as_str(), is_original(a)))).max(1);
        RankedStory {
            rank: rank_key(summary.updated.timestamp(), independent),
            independent_outlets: independent,
            copies: count(articles.iter().filter(|a| a.copy_of.is_some() && !a.redated)),
            redated: count(articles.iter().filter(|a| a.redated)),
            first_report: articles
                .iter()
                .find(|a| is_original(a))
                .or(articles.first())
                .map(|a| a.id),
            opening: None,
            summary,
        }
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_doubling_of_outlets_is_worth_a_day() {
        assert_eq!(rank_key(1_000_000, 1), 1_000_000);
        assert_eq!(rank_key(1_000_000, 0), 1_000_000);
        assert_eq!(rank_key(1_000_000, 2), 1_000_000 + 86_400);
        assert_eq!(rank_key(1_000_000, 4), 1_000_000 + 2 * 86_400);
        assert_eq!(rank_key(1_000_000, 3), 1_000_000 + 136_941);
        assert_eq!(rank_key(i64::MAX, 8), i64::MAX);
    }

    #[test]
    fn the_rank_orders_as_the_decayed_score_does() {
        // score = outlets × 2^(−age/day), at any "now".
        let stories = [(0_i64, 1_u32), (-40_000, 2), (-200_000, 8), (-86_400, 2), (-10, 1)];
        for now in [0_i64, 500_000, 9_000_000] {
            let score = |(t, n): (i64, u32)| f64::from(n) * 2f64.powf(-((now - t) as f64) / 86_400.0);
            let mut by_score = stories.to_vec();
            by_score.sort_by(|a, b| score(*b).total_cmp(&score(*a)));
            let mut by_rank = stories.to_vec();
            by_rank.sort_by_key(|&(t, n)| std::cmp::Reverse(rank_key(t, n)));
            assert_eq!(by_score, by_rank, "now = {now}");
        }
    }

    #[test]
    fn copies_do_not_count_as_outlets() {
        let articles = [
            ("Coastal", true),
            ("Echo", false),
            ("Coastal", true),
            ("Old", false),
            ("Hill", true),
        ];
        assert_eq!(independent_outlets(articles), 2);
        assert_eq!(independent_outlets([("Echo", false)]), 0);
    }

    #[test]
    fn filters_match_languages_and_outlets() {
        let story = [
            ("Coastal Times", Some("en-GB")),
            ("Wire Echo", Some("de")),
            ("Nameless", None),
        ];
        let filter = |language: Option<&str>, outlet: Option<&str>| StoryFilter {
            language: language.map(str::to_string),
            outlet: outlet.map(str::to_string),
        };
        assert!(filter(None, None).matches(story));
        assert!(filter(Some("en"), None).matches(story));
        assert!(filter(Some("en-gb"), None).matches(story));
        assert!(filter(Some("DE"), Some("coastal times")).matches(story));
        assert!(!filter(Some("en-us"), None).matches(story));
        assert!(!filter(Some("e"), None).matches(story));
        assert!(!filter(Some("fr"), None).matches(story));
        assert!(!filter(None, Some("Coastal")).matches(story));
        assert!(filter(None, Some(" WIRE ECHO ")).matches(story));
        assert!(!filter(Some("en"), Some("Elsewhere")).matches(story));
    }
}
