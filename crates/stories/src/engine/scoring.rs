//! Scoring: the candidate stories for a document and its similarity to each,
//! by centroid, recent members, names and anchors.

use super::{language_bit, Features, Story, StoryEngine, ANCHOR_TERMS, DAY};
use crate::hash::FastMap;
use crate::minhash::CappedPostings;
use crate::terms::{self, DenseQuery, Fields, Sparse};

/// Candidate stories whose recent members are compared in full.
const MEMBER_CANDIDATES: usize = 8;
/// A protagonist is a name repeated at least this often per document.
const PROTAGONIST_MENTIONS: u32 = 3;
/// A document's leading names that may be its protagonist.
const PROTAGONISTS: usize = 1;
/// Similarity kept when a document and a story are about different
/// protagonists (see [`StoryEngine::protagonists_conflict`]).
const CONFLICT_FACTOR: f32 = 0.5;
/// Similarity kept when a document's and a story's decimal figures differ.
const DECIMAL_CONFLICT_FACTOR: f32 = 0.75;

impl StoryEngine {
    /// The `n` terms of `v` heaviest under today's IDF.
    pub(super) fn heaviest(&self, v: &Sparse, n: usize) -> Vec<(f32, u32)> {
        let mut weighted: Vec<(f32, u32)> = v.iter().map(|&(t, w)| (w * self.vocab.idf(t), t)).collect();
        if weighted.len() > n {
            weighted.select_nth_unstable_by(n, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            weighted.truncate(n);
        }
        weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        weighted
    }

    /// Stories sharing the query's heaviest terms in `postings`, best
    /// overlap first, filtered by `keep`.
    pub(super) fn ranked(
        &self,
        query: &Sparse,
        postings: &CappedPostings,
        terms_used: usize,
        keep: impl Fn(&Story) -> bool,
    ) -> Vec<u32> {
        let mut overlap: FastMap<u32, f32> = FastMap::default();
        let mut seen_for_term: Vec<u32> = Vec::new();
        for (weight, term) in self.heaviest(query, terms_used) {
            seen_for_term.clear();
            seen_for_term.extend(postings.get(u64::from(term)));
            seen_for_term.sort_unstable();
            seen_for_term.dedup();
            for &c in &seen_for_term {
                *overlap.entry(c).or_default() += weight;
            }
        }
        let mut ranked: Vec<(f32, u32)> = overlap
            .into_iter()
            .map(|(c, w)| (w, c))
            .filter(|&(_, c)| self.stories.get(&c).is_some_and(&keep))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(self.config.max_candidates);
        ranked.into_iter().map(|(_, c)| c).collect()
    }

    /// Stories worth scoring in full: those sharing the query's heaviest
    /// terms, within the time or arrival window, best overlap first.
    pub(super) fn candidates(&self, query: &Sparse, range: DateRange, arrival: u64) -> Vec<u32> {
        self.ranked(query, &self.term_postings, self.config.query_terms, |c| {
            !c.evicted && self.in_window(c, range, arrival)
        })
    }

    pub(super) fn in_window(&self, c: &Story, range: DateRange, arrival: u64) -> bool {
        if c.last_arrival + self.config.arrival_window < arrival {
            return false;
        }
        match range.gap_days(c.dates()) {
            Some(gap) => gap <= self.config.time_window_days as f64,
            None => true,
        }
    }

    /// The best story in the window for a document, by its own language's
    /// words or, across languages, by shared anchors. For a short document,
    /// `judged` is left holding the candidate stories it was judged against.
    pub(super) fn best_story(
        &self,
        f: &Features,
        published: Option<i64>,
        dense: &mut DenseQuery,
        judged: &mut Vec<u32>,
    ) -> (Option<(f32, u32)>, Option<u32>) {
        let cfg = &self.config;
        let query = Self::combined(f);
        let range = DateRange::at(published);
        let mut candidates = self.candidates(&query, range, self.arrivals);
        let own_language = language_bit(f.language);
        let across = own_language != 0 && !f.anchors.is_empty() && published.is_some();
        if across {
            candidates.extend(self.ranked(&f.anchors, &self.term_postings, ANCHOR_TERMS, |c| {
                !c.evicted && c.languages & !own_language != 0 && self.in_window(c, range, self.arrivals)
            }));
            candidates.sort_unstable();
            candidates.dedup();
        }
        // A headline in another language may share no word with its
        // story, only the entities both name.
        if f.short && !f.entities.is_empty() {
            candidates.extend(self.ranked(&f.entities, &self.term_postings, ANCHOR_TERMS, |c| {
                !c.evicted && self.in_window(c, range, self.arrivals)
            }));
            candidates.sort_unstable();
            candidates.dedup();
        }
        // A headline joins only a story within its short window (of its
        // own news day, in a dense stream), by any path.
        if f.short {
            candidates.retain(|&c| self.within_short_window(range, &self.stories[&c]));
        }
        // A headline joins by its story's profile when one claims it;
        // failing that, it is compared like any text.
        if f.short {
            judged.clone_from(&candidates);
            if let Some((best, runner_up)) = self.best_short_story(f, range, &candidates) {
                return (Some(best), runner_up);
            }
        }
        // Members are compared only for the stories whose centroids come
        // closest: they refine a near decision, and they cost the most.
        dense.load(f.fields(), &self.vocab);
        let dense = &*dense;
        let mut by_centroid: Vec<(f32, f32, u32)> = candidates
            .iter()
            .filter_map(|&c| {
                let story = &self.stories[&c];
                let centroid = self.centroid_similarity(dense, story)?;
                Some((centroid * self.damping(range, story), centroid, c))
            })
            .collect();
        by_centroid.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
        let mut normal: FastMap<u32, f32> = FastMap::default();
        for &(_, centroid, c) in by_centroid.iter().take(MEMBER_CANDIDATES) {
            let s = self.blend_members(dense, range, &self.stories[&c], centroid);
            normal.insert(c, s);
        }
        let mut best: Option<(f32, u32)> = None;
        let mut runner_up: Option<(f32, u32)> = None;
        for c in candidates {
            let story = &self.stories[&c];
            let mut score = normal
                .get(&c)
                .map(|&s| {
                    let mut s = s;
                    if self.protagonists_conflict(f, story) {
                        s *= CONFLICT_FACTOR;
                    }
                    if decimals_conflict(f, story) {
                        s *= DECIMAL_CONFLICT_FACTOR;
                    }
                    s
                })
                .filter(|&s| s >= cfg.join_threshold);
            if across && story.languages & !own_language != 0 {
                if let Some(s) = self.cross_language_similarity(f, range, story) {
                    score = Some(score.map_or(s, |n| n.max(s)));
                }
            }
            if let Some(s) = score {
                if best.is_none_or(|(b, bc)| s > b || (s == b && c < bc)) {
                    runner_up = best;
                    best = Some((s, c));
                } else if runner_up.is_none_or(|(r, rc)| s > r || (s == r && c < rc)) {
                    runner_up = Some((s, c));
                }
            }
        }
        (best, runner_up.map(|(_, c)| c))
    }

    /// Whether a document and a story each repeat a name, again and again,
    /// that the other never mentions: two arrests of different players of
    /// one team, two fights of one champion against different challengers.
    /// Topical words cannot tell such look-alike events apart, and a
    /// protagonist is the one name every report of an event repeats.
    pub(super) fn protagonists_conflict(&self, f: &Features, story: &Story) -> bool {
        let Some(&(theirs, their_count)) = story
            .name_counts
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        else {
            return false;
        };
        if their_count < (PROTAGONIST_MENTIONS * story.bodies.max(1)) as f32 {
            return false;
        }
        let has = |v: &Sparse, t: u32| v.binary_search_by_key(&t, |e| e.0).is_ok();
        if has(&f.body, theirs) {
            return false;
        }
        f.leading_names
            .iter()
            .take(PROTAGONISTS)
            .filter(|&&(own, n)| own != theirs && n >= PROTAGONIST_MENTIONS)
            .any(|&(own, _)| {
                !has(&story.body, own)
                    && !story
                        .recent_members(self.config.members_kept)
                        .any(|m| has(&m.fields.body, own))
            })
    }

    /// Anchor similarity to a story with members in other languages, when
    /// it is strong, close in time and rests on enough shared anchors.
    pub(super) fn cross_language_similarity(&self, f: &Features, range: DateRange, c: &Story) -> Option<f32> {
        let cfg = &self.config;
        let gap = range.gap_days(c.dates())?;
        if gap > cfg.cross_language_days {
            return None;
        }
        // Only anchors written in several languages speak across them: a
        // German text capitalises every noun, and those nouns would
        // otherwise swamp the names it shares with other languages.
        let spoken_widely = |v: &Sparse| -> Sparse {
            v.iter()
                .copied()
                .filter(|&(t, _)| self.vocab.in_several_languages(t))
                .collect()
        };
        let (ours, theirs) = (spoken_widely(&f.anchors), spoken_widely(&c.anchors));
        let shared = terms::shared_terms(&ours, &theirs);
        if shared < cfg.min_shared_anchors {
            return None;
        }
        let s = terms::cosine(&ours, &theirs, &self.vocab)?;
        (s >= cfg.cross_language_threshold).then_some(s)
    }

    /// Weighted cosine over the fields both sides have, blending the story
    /// centroid with the closest recent member, damped by the time between
    /// them, for the document `dense` holds (see [`DenseQuery::load`]).
    /// `None` when they share no field.
    pub(super) fn similarity(&self, dense: &DenseQuery, range: DateRange, c: &Story) -> Option<f32> {
        let centroid = self.centroid_similarity(dense, c)?;
        Some(self.blend_members(dense, range, c, centroid))
    }

    /// Whether a story has coverage dated within the short window of
    /// `range` (see [`StoryEngine::short_window`]): the only stories a
    /// short document may join. Undated sides are not kept apart.
    pub(super) fn within_short_window(&self, range: DateRange, c: &Story) -> bool {
        let window = self.short_window();
        range.gap_days(c.dates()).is_none_or(|g| window.holds(g))
    }

    pub(super) fn damping(&self, range: DateRange, c: &Story) -> f32 {
        let cfg = &self.config;
        match range.gap_days(c.dates()) {
            Some(gap) if gap > cfg.same_time_days => (-(gap - cfg.same_time_days) / cfg.time_decay_days).exp() as f32,
            _ => 1.0,
        }
    }

    /// The undamped centroid similarity; `None` when no field is shared.
    pub(super) fn centroid_similarity(&self, query: &DenseQuery, c: &Story) -> Option<f32> {
        self.field_similarity(query, c.centroid(), c.norms)
    }

    /// Blends a centroid similarity with the closest member's and damps by
    /// the time between document and story.
    pub(super) fn blend_members(&self, query: &DenseQuery, range: DateRange, c: &Story, centroid: f32) -> f32 {
        let cfg = &self.config;
        let closest = c
            .recent_members(cfg.members_kept)
            .filter_map(|m| self.field_similarity(query, m.fields.as_ref(), m.norms))
            .fold(None, |best: Option<f32>, s| Some(best.map_or(s, |b| b.max(s))));
        let blended = match closest {
            Some(m) => (1.0 - cfg.member_share) * centroid + cfg.member_share * m,
            None => centroid,
        };
        blended * self.damping(range, c)
    }

    pub(super) fn field_similarity(&self, query: &DenseQuery, b: Fields<&Sparse>, b_norms: Fields<f32>) -> Option<f32> {
        let cfg = &self.config;
        let weights = Fields {
            title: cfg.title_weight,
            body: cfg.body_weight,
            names: cfg.names_weight,
        };
        let cosines = query.cosines(b, b_norms);
        let mut total = 0.0;
        let mut weight = 0.0;
        for (w, cos) in weights.into_array().into_iter().zip(cosines.into_array()) {
            if let Some(cos) = cos {
                total += w * cos;
                weight += w;
            }
        }
        (weight > 0.0).then(|| total / weight)
    }
}

/// Whether a document and a story both give exact figures with a decimal
/// part (a magnitude 4.6, a rate of 5.25) and share none of them: two
/// earthquakes, two rate decisions. Counts and sums are left out, since
/// reports of one event round and update them.
pub(super) fn decimals_conflict(f: &Features, story: &Story) -> bool {
    !f.decimals.is_empty()
        && !story.decimals.is_empty()
        && !f.decimals.iter().any(|t| story.decimals.binary_search(t).is_ok())
}

/// The published dates a document or story spans, in Unix seconds, each
/// end `None` when undated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DateRange {
    pub(super) first: Option<i64>,
    pub(super) last: Option<i64>,
}

impl DateRange {
    /// The range of a single date.
    pub(super) fn at(date: Option<i64>) -> Self {
        Self {
            first: date,
            last: date,
        }
    }

    /// Days between two date ranges (0 when they overlap); `None` when
    /// either side has no date.
    pub(super) fn gap_days(self, other: DateRange) -> Option<f64> {
        let (a0, a1) = (self.first?, self.last?);
        let (b0, b1) = (other.first?, other.last?);
        let gap = if a1 < b0 {
            b0 - a1
        } else if b1 < a0 {
            a0 - b1
        } else {
            0
        };
        Some(gap as f64 / DAY)
    }
}
