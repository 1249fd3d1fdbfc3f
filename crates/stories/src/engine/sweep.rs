//! The sweep: what can no longer be compared is evicted, archived as a digest
//! or dropped, so that state stays bounded by time.

use super::{Story, StoryEngine, DAY};
use crate::terms::{self, Sparse};

/// Most arrivals between two sweeps. A sweep visits every held document
/// and story, so at full state it is spread thin; a story evicted a few
/// thousand arrivals late only holds its memory that much longer.
const SWEEP_EVERY: u64 = 8_192;
/// Sweeps between two cleanings of the postings and the vocabulary: a
/// cleaning visits every entry, some twenty million at full state, and
/// stale entries in between only cost the lookups that skip them.
const POSTINGS_CLEAN_EVERY: u64 = 4;

impl StoryEngine {
    /// Recomputes the cached norms of live stories, and of their members
    /// too when asked, under today's IDF.
    pub(super) fn refresh_norms(&mut self, with_members: bool) {
        let vocab = &self.vocab;
        let norm = |v: &Sparse| terms::weighted_norm(v, vocab);
        for c in self.stories.values_mut().filter(|c| !c.evicted) {
            c.norms = c.centroid().map(norm);
            if with_members {
                for m in c.members.iter_mut() {
                    m.norms = m.fields.as_ref().map(norm);
                }
            }
        }
    }

    /// The stream's present: the median of the latest published dates, so
    /// that one wrongly dated page cannot age everything out.
    pub(super) fn now(&self) -> Option<i64> {
        let mut dates: Vec<i64> = self.recent_dates.iter().copied().collect();
        if dates.is_empty() {
            return None;
        }
        let mid = dates.len() / 2;
        Some(*dates.select_nth_unstable(mid).1)
    }

    /// Evicts what can no longer be compared: stories out of the window
    /// become digests, documents past the copy horizon are dropped, and
    /// postings and terms that only they used go with them.
    pub(super) fn sweep(&mut self) {
        let cfg = self.config.clone();
        let now = self.now();
        let arrivals = self.arrivals;
        let window = cfg.time_window_days as f64 * DAY * 1.5;
        let recent = |arrival: u64| arrival + cfg.keep_arrivals >= arrivals;
        let out_of_window = |c: &Story| {
            c.last_arrival + cfg.arrival_window < arrivals
                || (!recent(c.last_arrival)
                    && matches!((now, c.last_published), (Some(n), Some(l)) if ((n - l) as f64) > window))
        };
        let mut leaving: Vec<u32> = self
            .stories
            .iter()
            .filter(|(_, c)| !c.evicted && out_of_window(c))
            .map(|(&id, _)| id)
            .collect();
        // Their digests fill capped postings, where order decides what is
        // kept; map order depends on history a snapshot does not keep.
        leaving.sort_unstable();
        for id in leaving {
            let c = &self.stories[&id];
            let mut combined = c.body.clone();
            terms::add_into(&mut combined, &c.title);
            terms::add_into(&mut combined, &c.names);
            let digest = self.digest(&combined);
            for &(t, _) in &digest {
                self.archive_postings.insert(u64::from(t), id);
            }
            let c = self.stories.get_mut(&id).expect("listed above");
            *c = Story {
                key: std::mem::take(&mut c.key),
                first_published: c.first_published,
                last_published: c.last_published,
                last_arrival: c.last_arrival,
                languages: c.languages,
                held_docs: c.held_docs,
                // Its size stays, so that a document that brings it back
                // finds it closed: its earlier members are gone, and a
                // story that moved or split by its members alone would
                // leave their documents naming a story that no longer is.
                size: c.size,
                evicted: true,
                digest,
                ..Story::new(String::new())
            };
        }

        let horizon = cfg.copy_horizon_days as f64 * DAY;
        let mut dropped: Vec<u32> = Vec::new();
        for (&index, d) in self.docs.iter_mut() {
            let expired = d.arrival + cfg.copy_horizon_arrivals < arrivals
                || (!recent(d.arrival)
                    && matches!((now, d.published), (Some(n), Some(p)) if ((n - p) as f64) > horizon));
            // Containment samples go with the story, or sooner when the
            // document itself is older than the window stories are compared
            // in: a story that runs for months would otherwise hold every
            // member's samples for as long as it runs.
            let aged =
                !recent(d.arrival) && matches!((now, d.published), (Some(n), Some(p)) if ((n - p) as f64) > window);
            if expired {
                dropped.push(index);
            } else if !d.samples.is_empty() && (aged || self.stories.get(&d.story).is_none_or(|c| c.evicted)) {
                d.samples = Vec::new();
                self.digests.clear_samples(index);
            }
        }
        for index in dropped {
            let Some(d) = self.docs.remove(&index) else {
                continue;
            };
            self.digests.forget(index);
            if self.doc_by_id.get(&d.id) == Some(&index) {
                self.doc_by_id.remove(&d.id);
            }
            if let Some(k) = d.url_key {
                if self.doc_by_url.get(&k) == Some(&index) {
                    self.doc_by_url.remove(&k);
                }
            }
            if let Some(k) = d.fingerprint_key {
                if self.doc_by_fingerprint.get(&k) == Some(&index) {
                    self.doc_by_fingerprint.remove(&k);
                }
            }
            if let Some(k) = d.headline_key {
                if self.doc_by_headline.get(&k) == Some(&index) {
                    self.doc_by_headline.remove(&k);
                }
            }
            if let Some(c) = self.stories.get_mut(&d.story) {
                c.held_docs = c.held_docs.saturating_sub(1);
            }
        }
        self.digests.trim();
        let gone: Vec<u32> = self
            .stories
            .iter()
            .filter(|(_, c)| c.evicted && c.held_docs == 0)
            .map(|(&id, _)| id)
            .collect();
        for id in gone {
            if let Some(c) = self.stories.remove(&id) {
                if self.story_by_key.get(&c.key) == Some(&id) {
                    self.story_by_key.remove(&c.key);
                }
            }
        }

        // Postings and terms are the bulk of the state and are scanned in
        // full, so they are cleaned every few sweeps; lookups skip what was
        // evicted in between. Members' norms, ten times the centroids' work,
        // are refreshed on the same schedule.
        self.sweeps += 1;
        self.next_sweep = arrivals + (arrivals / 16).clamp(16, SWEEP_EVERY);
        let cleaning = self.sweeps.is_multiple_of(POSTINGS_CLEAN_EVERY);
        self.refresh_norms(cleaning);
        if !cleaning {
            return;
        }
        let docs = &self.docs;
        self.band_postings.retain(|d| docs.contains_key(&d));
        self.sample_postings
            .retain(|d| docs.get(&d).is_some_and(|r| !r.samples.is_empty()));
        let stories = &self.stories;
        self.term_postings
            .retain(|c| stories.get(&c).is_some_and(|c| !c.evicted));
        self.archive_postings
            .retain(|c| stories.get(&c).is_some_and(|c| c.evicted));

        let mut in_use = vec![false; self.vocab.capacity()];
        let mut mark = |terms: &mut dyn Iterator<Item = u32>| {
            for t in terms {
                if let Some(slot) = in_use.get_mut(t as usize) {
                    *slot = true;
                }
            }
        };
        for c in self.stories.values() {
            for v in [
                &c.title,
                &c.body,
                &c.names,
                &c.anchors,
                &c.digest,
                &c.name_counts,
                &c.headline_terms,
            ] {
                mark(&mut v.iter().map(|e| e.0));
            }
            mark(&mut c.decimals.iter().copied());
            for m in &c.members {
                for v in m.fields.as_ref().into_array() {
                    mark(&mut v.iter().map(|e| e.0));
                }
            }
        }
        // A term no live story holds and no live story's documents used is
        // only a rarity of the past: its document frequency goes too.
        let oldest_live = self
            .stories
            .values()
            .filter(|c| !c.evicted)
            .map(|c| c.last_arrival)
            .min()
            .unwrap_or(arrivals);
        let seen_before = oldest_live.min(self.vocab.documents());
        // The ids of forgotten terms are handed out again: cached stems
        // may name them.
        self.stem_cache.clear();
        for t in self
            .vocab
            .forget(seen_before, &|t| in_use.get(t as usize).copied().unwrap_or(false))
        {
            self.term_postings.remove(u64::from(t));
            self.archive_postings.remove(u64::from(t));
        }
    }
}
