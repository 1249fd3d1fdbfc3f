//! Late reports: documents whose events are long past, matched to earlier
//! stories, live or archived, by their heaviest terms.

use super::scoring::DateRange;
use super::{Features, Story, StoryEngine, DAY};
use crate::hash::FastMap;
use crate::terms::{self, Sparse};

/// Earlier stories, live and archived each, scored for a late report.
const LATE_CANDIDATES: usize = 8;

impl StoryEngine {
    /// An earlier story, out of the time window, that a document reports
    /// on again: the document's text dates events well before publication,
    /// the story falls in the same month of a year, and the heaviest terms
    /// of both match.
    pub(super) fn late_report_match(&self, f: &Features, published: Option<i64>) -> Option<(f32, u32)> {
        let cfg = &self.config;
        let published = published?;
        let month = f.evidence.old_month?;
        let before = published - cfg.redate_after_days * DAY as i64;
        let query = Self::combined(f);
        let own_digest = self.digest(&query);
        let month_fits = |t: Option<i64>| {
            t.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).is_some_and(|d| {
                use chrono::Datelike;
                let diff = (d.month() as i32 - month as i32).rem_euclid(12);
                diff <= 1 || diff == 11
            })
        };
        let old_enough = |c: &Story| {
            c.last_published.is_some_and(|l| l < before)
                && (month_fits(c.first_published) || month_fits(c.last_published))
        };
        let mut candidates = self.ranked(&own_digest, &self.term_postings, cfg.digest_terms, |c| {
            !c.evicted && old_enough(c)
        });
        candidates.truncate(LATE_CANDIDATES);
        let mut archived = self.ranked(&own_digest, &self.archive_postings, cfg.digest_terms, |c| {
            c.evicted && old_enough(c)
        });
        // A late report shares most of its heaviest terms with its story,
        // which then ranks first by overlap: a few candidates suffice.
        archived.truncate(LATE_CANDIDATES);
        candidates.extend(archived);
        self.best_digest_match(&own_digest, candidates)
    }

    /// The candidate story whose digest (the heaviest terms; computed from
    /// the centroid for a live story) matches `own_digest` best, if by
    /// `redate_match_threshold` at least.
    pub(super) fn best_digest_match(&self, own_digest: &Sparse, candidates: Vec<u32>) -> Option<(f32, u32)> {
        let mut best: Option<(f32, u32)> = None;
        for c in candidates {
            let story = &self.stories[&c];
            let live_digest;
            let digest = if story.evicted {
                &story.digest
            } else {
                let mut combined = story.body.clone();
                terms::add_into(&mut combined, &story.title);
                terms::add_into(&mut combined, &story.names);
                live_digest = self.digest(&combined);
                &live_digest
            };
            let Some(s) = terms::cosine(own_digest, digest, &self.vocab) else {
                continue;
            };
            if s >= self.config.redate_match_threshold && best.is_none_or(|(b, _)| s > b) {
                best = Some((s, c));
            }
        }
        best
    }

    /// A story already archived that a document arriving out of order (dated
    /// well before the stream's present, as when an archive is imported in
    /// file-name order) belongs to: of its own time, and matching by the
    /// heaviest terms as a late report must. Documents in date order never
    /// look, so the archive costs nothing in the usual stream.
    pub(super) fn archived_neighbour(&self, f: &Features, published: Option<i64>) -> Option<u32> {
        let cfg = &self.config;
        let published = published?;
        let behind = (self.now()? - published) as f64;
        if behind < cfg.time_window_days as f64 * DAY / 2.0 {
            return None;
        }
        let range = DateRange::at(Some(published));
        let own_digest = self.digest(&Self::combined(f));
        let mut archived = self.ranked(&own_digest, &self.archive_postings, cfg.digest_terms, |c| {
            c.evicted && range.gap_days(c.dates()).is_some_and(|g| g <= cfg.same_time_days)
        });
        archived.truncate(LATE_CANDIDATES);
        self.best_digest_match(&own_digest, archived).map(|(_, c)| c)
    }

    /// The heaviest terms of a vector, as a vector sorted by term.
    pub(super) fn digest(&self, v: &Sparse) -> Sparse {
        let weights: FastMap<u32, f32> = v.iter().copied().collect();
        let mut out: Sparse = self
            .heaviest(v, self.config.digest_terms)
            .into_iter()
            .map(|(_, t)| (t, weights[&t]))
            .collect();
        out.sort_unstable_by_key(|e| e.0);
        // Collected in place, `out` still has the room of every weighted
        // term, dozens of times its own: an archived story keeps its
        // digest for as long as it is kept.
        terms::fitted(out)
    }
}
