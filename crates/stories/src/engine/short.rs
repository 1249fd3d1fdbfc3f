//! Short documents: headlines and teasers, which join a story by its term
//! profile rather than by their likeness to any one member.
//!
//! Two headlines of one story share a word or two, usually a name, and
//! little else: their cosine is small, and no threshold that keeps full
//! texts apart lets them meet. What tells a headline's story is a word
//! that is rare in the stream, that many of the story's headlines hold,
//! and that the stream has used mostly in that story. A story's profile
//! counts, per term, the members whose headline holds it; a short document
//! is scored against every candidate story dated close to it by
//! [`profile_evidence`], and joins the best from
//! `Config::short_join_threshold`.
//!
//! Two limits keep a topic word from carrying a join when dates cannot
//! keep stories apart (a busy day of politics, all "Trump"): no one term
//! gives more than `Config::short_term_cap` of the threshold, so a join
//! needs two terms (a recognised name counts as its word and its entity
//! key); and the story's headlines must hold `Config::short_cover_share`
//! of the headline's own content ([`headline_content`], [`shared_content`]),
//! so that a story explains a good part of what the headline says, not one
//! word of it. Neither applies against a story told only in other
//! languages, which can share no words with the headline, only names.

use super::scoring::DateRange;
use super::{Features, StoryEngine};
use crate::terms::{Sparse, Vocabulary};

/// Whether a headline word may speak for its story: not a word of one or
/// two letters ("in", "de", "в"), which in every alphabetic language are
/// mostly function words, and which a short stream has not yet seen often
/// enough to know as common. Numbers and words in scripts without spaces
/// between words (CJK) are kept. Longer function words ("the", "with",
/// "nach", "avec") and words that open headlines of any story ("says",
/// "police") are left out too (see [`crate::entities::is_function_word`]):
/// early in a stream every word is still rare, and one of them shared would
/// otherwise join two headlines that share nothing else.
pub(super) fn profile_word(word: &str) -> bool {
    let kept = word.chars().count() >= 3 || word.chars().any(|c| c.is_numeric() || c >= '\u{2E80}');
    kept && !crate::entities::is_function_word(word)
}

/// How strongly a story's headline `profile` (members holding each term,
/// out of `headlined` members) claims the document's `terms`: for each
/// term both hold, its rarity ([`Vocabulary::rarity`]) times the share of
/// the story's headlines holding it times the share of the term's earlier
/// uses that were in this story, summed. The document itself is already
/// counted in the vocabulary. A word every story uses is claimed by none;
/// a name the stream met only in this story, and in most of its headlines,
/// is claimed almost whole.
pub(super) fn profile_evidence(terms: &[u32], profile: &Sparse, headlined: u32, vocab: &Vocabulary, cap: f32) -> f32 {
    if headlined == 0 {
        return 0.0;
    }
    let members = headlined as f32;
    let (mut i, mut j, mut evidence) = (0, 0, 0.0f32);
    while i < terms.len() && j < profile.len() {
        match terms[i].cmp(&profile[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let t = terms[i];
                let held = profile[j].1.max(0.0);
                let earlier_uses = vocab.df(t).saturating_sub(1).max(1) as f32;
                let typical = (held / members).min(1.0);
                let owned = (held / earlier_uses).min(1.0);
                evidence += (vocab.rarity(t) * typical * owned).min(cap);
                i += 1;
                j += 1;
            }
        }
    }
    evidence
}

/// A headline's own content: the rarity of each of its terms, summed. The
/// profile evidence a story gives it is measured against this (see
/// `Config::short_cover_share`): a story must account for a share of what
/// the headline says, not only for one common word of it.
pub(super) fn headline_content(terms: &[u32], vocab: &Vocabulary) -> f32 {
    terms.iter().map(|&t| vocab.rarity(t)).sum()
}

/// The part of a headline's content (see [`headline_content`]) that a
/// story's headlines hold at all: the rarity of the terms both hold, summed.
pub(super) fn shared_content(terms: &[u32], profile: &Sparse, vocab: &Vocabulary) -> f32 {
    let (mut i, mut j, mut shared) = (0, 0, 0.0f32);
    while i < terms.len() && j < profile.len() {
        match terms[i].cmp(&profile[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += vocab.rarity(terms[i]);
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// The words of a link's slug: the path segment most joined by hyphens or
/// underscores (at least two), its file extension dropped, split into
/// words, numbers alone (ids, dates) left out. Feeds that carry only a
/// headline still link the article, and its slug often names what the
/// headline only alludes to. Empty when the link has no such segment.
pub(super) fn slug_words(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let path = path.split_once('/').map_or("", |(_, p)| p);
    let joins = |s: &str| s.chars().filter(|&c| c == '-' || c == '_').count();
    let mut best: Option<&str> = None;
    for segment in path.split('/') {
        if joins(segment) >= 2 && best.is_none_or(|b| joins(segment) > joins(b)) {
            best = Some(segment);
        }
    }
    let Some(segment) = best else {
        return String::new();
    };
    let segment = match segment.rsplit_once('.') {
        Some((stem, ext)) if !ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric()) => {
            stem
        }
        _ => segment,
    };
    segment
        .split(['-', '_'])
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How much two stories' headline profiles agree: for each term both
/// hold, its rarity times the share of each story's headlines holding it,
/// summed. Two halves of one event share their few defining names, each
/// held by most headlines on both sides; two events that share a word
/// share it in few of their headlines.
pub(super) fn profile_overlap(a: (&Sparse, u32), b: (&Sparse, u32), vocab: &Vocabulary) -> f32 {
    let ((pa, na), (pb, nb)) = (a, b);
    if na == 0 || nb == 0 {
        return 0.0;
    }
    let (mut i, mut j, mut overlap) = (0, 0, 0.0f32);
    while i < pa.len() && j < pb.len() {
        match pa[i].0.cmp(&pb[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let share_a = (pa[i].1 / na as f32).min(1.0);
                let share_b = (pb[j].1 / nb as f32).min(1.0);
                overlap += vocab.rarity(pa[i].0) * share_a * share_b;
                i += 1;
                j += 1;
            }
        }
    }
    overlap
}

/// How far in time a short document may reach to join a story, and two
/// stories of headlines to merge (see [`StoryEngine::short_window`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ShortWindow {
    /// A dense stream: dates less than this many days apart (for day-only
    /// dates, the same day).
    Under(f64),
    /// A sparse stream: dates up to this many days apart.
    UpTo(f64),
}

impl ShortWindow {
    /// Whether two dates `gap` days apart fall within the window.
    pub(super) fn holds(self, gap: f64) -> bool {
        match self {
            ShortWindow::Under(days) => gap < days,
            ShortWindow::UpTo(days) => gap <= days,
        }
    }

    /// The window for a stream whose latest published dates are `recent`
    /// (in Unix seconds): [`ShortWindow::Under`] `short_window_days` when
    /// `full` of them are known and their middle (less the earliest and
    /// the latest tenth, so that a few wrongly dated pages change nothing)
    /// spans less than `same_time_days`; else [`ShortWindow::UpTo`]
    /// `same_time_days`.
    pub(super) fn of_stream(recent: impl Iterator<Item = i64>, full: usize, cfg: &crate::Config) -> Self {
        let mut dates: Vec<i64> = recent.collect();
        let sparse = ShortWindow::UpTo(cfg.same_time_days);
        if dates.len() < full || dates.is_empty() {
            return sparse;
        }
        dates.sort_unstable();
        let tenth = dates.len() / 10;
        let middle = dates[dates.len() - 1 - tenth] - dates[tenth];
        if (middle as f64) < cfg.same_time_days * super::DAY {
            ShortWindow::Under(cfg.short_window_days.min(cfg.same_time_days))
        } else {
            sparse
        }
    }
}

impl StoryEngine {
    /// The time window of short documents. Headlines say little: the few
    /// names two headlines of one event share, they share with the next
    /// development of its topic too. In a dense stream (the latest
    /// [`super::RECENT_DATES`] dated documents came within
    /// `Config::same_time_days`), many stories compete for each day's
    /// names and a topic's coverage comes in daily waves (the day's market
    /// report, the inquiry the day after a recall), so a short document
    /// keeps to stories of its own news day (`Config::short_window_days`).
    /// In a sparse stream (a few feeds, a small archive) the next report of
    /// an event may come days later and little competes with it, so the
    /// window stays `Config::same_time_days`, as for full texts.
    pub(super) fn short_window(&self) -> ShortWindow {
        self.short_window
    }

    /// Recomputes [`StoryEngine::short_window`] after the recent dates
    /// changed.
    pub(super) fn refresh_short_window(&mut self) {
        self.short_window =
            ShortWindow::of_stream(self.recent_dates.iter().copied(), super::RECENT_DATES, &self.config);
    }

    /// The best story for a short document by headline profile, among the
    /// candidates dated within `Config::same_time_days`, with the runner-up;
    /// `None` when none reaches `Config::short_join_threshold` and
    /// `Config::short_cover_share` of the headline's content.
    pub(super) fn best_short_story(
        &self,
        f: &Features,
        range: DateRange,
        candidates: &[u32],
    ) -> Option<((f32, u32), Option<u32>)> {
        let cfg = &self.config;
        if f.headline.is_empty() {
            return None;
        }
        let content = headline_content(&f.headline, &self.vocab);
        let own_language = super::language_bit(f.language);
        let mut best: Option<(f32, u32)> = None;
        let mut runner_up: Option<(f32, u32)> = None;
        for &c in candidates {
            let story = &self.stories[&c];
            if range.gap_days(story.dates()).is_some_and(|g| g > cfg.same_time_days) {
                continue;
            }
            // A story told only in other languages cannot hold the
            // headline's own words: the names both give (entity keys) are
            // all the evidence there is, so neither limit applies.
            let foreign = own_language != 0 && story.languages != 0 && story.languages & own_language == 0;
            let cap = if foreign {
                f32::MAX
            } else {
                cfg.short_term_cap * cfg.short_join_threshold
            };
            let s = profile_evidence(&f.headline, &story.headline_terms, story.headlined, &self.vocab, cap);
            if s < cfg.short_join_threshold {
                continue;
            }
            if !foreign
                && shared_content(&f.headline, &story.headline_terms, &self.vocab) < cfg.short_cover_share * content
            {
                continue;
            }
            if best.is_none_or(|(b, bc)| s > b || (s == b && c < bc)) {
                runner_up = best;
                best = Some((s, c));
            } else if runner_up.is_none_or(|(r, rc)| s > r || (s == r && c < rc)) {
                runner_up = Some((s, c));
            }
        }
        best.map(|b| (b, runner_up.map(|(_, c)| c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::vocab_of;

    fn ones(terms: &[u32]) -> Vec<u32> {
        terms.to_vec()
    }

    #[test]
    fn a_name_the_story_owns_claims_the_headline() {
        // Term 0 is a common word in every story; term 1 a name used only in
        // this story's three headlines; the new headline holds both.
        let mut docs: Vec<&[u32]> = vec![&[0]; 20];
        docs.extend([&[0, 1][..], &[0, 1], &[1], &[0, 1]]);
        let vocab = vocab_of(&docs, 2);
        let profile: Sparse = vec![(0, 2.0), (1, 3.0)];
        let own = profile_evidence(&ones(&[0, 1]), &profile, 3, &vocab, f32::MAX);
        let common_only = profile_evidence(&ones(&[0]), &profile, 3, &vocab, f32::MAX);
        assert!(own > 0.3, "{own}");
        assert!(common_only < 0.05, "{common_only}");
    }

    #[test]
    fn a_name_shared_by_many_stories_claims_little() {
        // Term 1 was used 12 times before, only twice in this story.
        let docs: Vec<&[u32]> = vec![&[1]; 13];
        let vocab = vocab_of(&docs, 2);
        let profile: Sparse = vec![(1, 2.0)];
        let shared = profile_evidence(&ones(&[1]), &profile, 2, &vocab, f32::MAX);
        let owned_profile: Sparse = vec![(1, 12.0)];
        let owned = profile_evidence(&ones(&[1]), &owned_profile, 12, &vocab, f32::MAX);
        assert!(shared < owned / 4.0, "{shared} {owned}");
    }

    #[test]
    fn a_term_few_of_the_headlines_hold_claims_less() {
        let docs: Vec<&[u32]> = vec![&[2], &[1], &[1], &[1]];
        let vocab = vocab_of(&docs, 3);
        let typical: Sparse = vec![(1, 3.0)];
        let rare_in_story: Sparse = vec![(1, 3.0)];
        let a = profile_evidence(&ones(&[1]), &typical, 3, &vocab, f32::MAX);
        let b = profile_evidence(&ones(&[1]), &rare_in_story, 12, &vocab, f32::MAX);
        assert!(b < a / 3.0, "{a} {b}");
        assert_eq!(profile_evidence(&ones(&[1]), &typical, 0, &vocab, f32::MAX), 0.0);
    }

    #[test]
    fn a_slug_gives_its_words_without_ids_or_extension() {
        assert_eq!(
            slug_words("http://www.example.org/news/2014/03/quellbrook-files-for-bankruptcy-16962.html?x=1"),
            "quellbrook files for bankruptcy"
        );
        assert_eq!(slug_words("https://example.org/a_b_c/story"), "a b c");
        assert_eq!(slug_words("https://example.org/news/24896294"), "");
        assert_eq!(slug_words("not a url"), "");
    }

    #[test]
    fn profiles_agree_on_the_names_most_headlines_hold() {
        let docs: Vec<&[u32]> = vec![&[0], &[0], &[0], &[0], &[1], &[2]];
        let vocab = vocab_of(&docs, 3);
        // Both halves: term 1 (a name) in nearly every headline.
        let a: Sparse = vec![(0, 1.0), (1, 4.0)];
        let b: Sparse = vec![(1, 3.0), (2, 1.0)];
        let halves = profile_overlap((&a, 4), (&b, 3), &vocab);
        // Another event that shares term 0 in one headline of four.
        let c: Sparse = vec![(0, 1.0), (2, 4.0)];
        let others = profile_overlap((&a, 4), (&c, 4), &vocab);
        assert!(halves > 0.3, "{halves}");
        assert!(others < 0.05, "{others}");
        assert_eq!(profile_overlap((&a, 0), (&b, 3), &vocab), 0.0);
    }

    #[test]
    fn one_term_alone_is_capped() {
        // Term 1: a word the story owns, in all its headlines.
        let docs: Vec<&[u32]> = vec![&[0], &[0], &[0], &[1], &[1], &[1]];
        let vocab = vocab_of(&docs, 3);
        let profile: Sparse = vec![(1, 3.0), (2, 3.0)];
        let uncapped = profile_evidence(&ones(&[1]), &profile, 3, &vocab, f32::MAX);
        assert!(uncapped > 0.2, "{uncapped}");
        assert_eq!(profile_evidence(&ones(&[1]), &profile, 3, &vocab, 0.18), 0.18);
        // Two terms each capped still add up.
        let two = profile_evidence(&ones(&[1, 2]), &profile, 3, &vocab, 0.18);
        assert!(two > 0.2 && two <= 0.36, "{two}");
    }

    #[test]
    fn shared_content_is_the_part_of_the_headline_the_story_holds() {
        let docs: Vec<&[u32]> = vec![&[0], &[0], &[1], &[2], &[3]];
        let vocab = vocab_of(&docs, 4);
        let headline = ones(&[0, 1, 2, 3]);
        let whole = headline_content(&headline, &vocab);
        let topic: Sparse = vec![(0, 9.0)];
        let event: Sparse = vec![(1, 1.0), (2, 2.0), (3, 1.0)];
        let by_topic = shared_content(&headline, &topic, &vocab);
        let by_event = shared_content(&headline, &event, &vocab);
        // The common word is a small part of what the headline says; the
        // event's rare words most of it, however few headlines hold them.
        assert!(by_topic < 0.25 * whole, "{by_topic} of {whole}");
        assert!(by_event > 0.75 * whole, "{by_event} of {whole}");
        assert_eq!(shared_content(&headline, &Vec::new(), &vocab), 0.0);
        assert_eq!(headline_content(&[], &vocab), 0.0);
    }

    fn window_of(dates: &[i64]) -> ShortWindow {
        ShortWindow::of_stream(dates.iter().copied(), 101, &crate::Config::default())
    }

    #[test]
    fn a_stream_is_dense_when_its_latest_dates_fit_in_the_same_time() {
        let hour = 3_600;
        let dense: Vec<i64> = (0..101).map(|i| i * hour / 2).collect();
        assert_eq!(window_of(&dense), ShortWindow::Under(1.0));
        let sparse: Vec<i64> = (0..101).map(|i| i * 86_400).collect();
        assert_eq!(window_of(&sparse), ShortWindow::UpTo(3.0));
        // Too few dates to tell: the full window.
        assert_eq!(window_of(&dense[..50]), ShortWindow::UpTo(3.0));
        assert_eq!(window_of(&[]), ShortWindow::UpTo(3.0));
    }

    #[test]
    fn a_few_wrongly_dated_pages_do_not_make_a_dense_stream_sparse() {
        let mut dates: Vec<i64> = (0..101).map(|i| 1_700_000_000 + i * 600).collect();
        for d in dates.iter_mut().step_by(25) {
            *d = 0;
        }
        assert_eq!(window_of(&dates), ShortWindow::Under(1.0));
    }

    #[test]
    fn the_window_holds_under_a_day_or_up_to_its_days() {
        assert!(ShortWindow::Under(1.0).holds(0.0));
        assert!(ShortWindow::Under(1.0).holds(0.99));
        assert!(!ShortWindow::Under(1.0).holds(1.0));
        assert!(ShortWindow::UpTo(3.0).holds(3.0));
        assert!(!ShortWindow::UpTo(3.0).holds(3.01));
    }

    #[test]
    fn short_function_words_do_not_speak_for_a_story() {
        assert!(!profile_word("in"));
        assert!(!profile_word("в"));
        assert!(!profile_word("the"));
        assert!(!profile_word("With"));
        assert!(!profile_word("nach"));
        assert!(!profile_word("says"));
        assert!(profile_word("nsa"));
        assert!(profile_word("7"));
        assert!(profile_word("日本"));
    }
}
