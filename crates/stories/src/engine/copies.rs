//! Copy detection: the earlier documents a new one copies, and an original
//! that arrives after its copies adopting them.

use super::digests::{Digest, Digests};
use super::{Features, StoryEngine, DAY};
use crate::minhash;
use crate::provenance;

/// The outcome of looking for earlier documents that this one copies.
#[derive(Debug, Default)]
pub(super) struct CopyMatch {
    /// Documents it copies outright.
    pub(super) strong: Vec<u32>,
    /// The closest document it nearly copies, when nothing is copied outright.
    pub(super) near: Option<u32>,
}

impl StoryEngine {
    pub(super) fn find_copies(&self, f: &Features, published: Option<i64>) -> CopyMatch {
        let mut out = CopyMatch::default();
        if let Some(&d) = f.headline_key.as_ref().and_then(|k| self.doc_by_headline.get(k)) {
            if let Some(other) = self.docs.get(&d) {
                // A headline alone, repeated on another news day of a dense
                // stream, is a new report of its topic rather than a copy
                // (see `StoryEngine::short_window`).
                let same_time = match (published, other.published) {
                    (Some(a), Some(b)) if f.short => self.short_window().holds((a - b).abs() as f64 / DAY),
                    (Some(a), Some(b)) => ((a - b).abs() as f64) <= self.config.same_time_days * DAY,
                    _ => true,
                };
                // An outlet repeating its own headline (a daily briefing, a
                // running file) is not copying anyone.
                let other_outlet = match (f.source_key, other.source_key) {
                    (Some(a), Some(b)) => a != b,
                    _ => true,
                };
                if same_time && other_outlet {
                    out.strong.push(d);
                }
            }
        }
        if let Some(&d) = f.url_key.as_ref().and_then(|u| self.doc_by_url.get(u)) {
            out.strong.push(d);
        }
        if let Some(&d) = f.fingerprint_key.as_ref().and_then(|h| self.doc_by_fingerprint.get(h)) {
            out.strong.push(d);
        }
        let mut candidates: Vec<u32> = Vec::new();
        for &key in &f.band_keys {
            candidates.extend(self.band_postings.get(key));
        }
        // Each sample's postings name the documents holding it, so one pass
        // over them counts, for every document, the samples it shares with
        // this one. That count is the overlap of the two sample sets, except
        // where a sample's list has reached the cap and let its oldest
        // holders go: a sample that many newer documents hold is common text
        // (a stock phrase, a paragraph of boilerplate), and it counts for
        // nothing, as it nominates nothing. No merge of the two sample lists
        // is needed; at scale that merge, run for every candidate, was the
        // engine's largest cost.
        let mut sample_hits: Vec<u32> = Vec::new();
        for &s in &f.samples {
            sample_hits.extend(self.sample_postings.get(s));
        }
        minhash::sort_doc_numbers(&mut sample_hits, &mut Vec::new());
        let shared: Vec<(u32, usize)> = sample_hits
            .chunk_by(|a, b| a == b)
            .map(|run| (run[0], run.len()))
            .collect();
        // Two shared samples is the least that can be a containment worth checking.
        candidates.extend(shared.iter().filter(|&&(_, n)| n >= 2).map(|&(d, _)| d));
        candidates.sort_unstable();
        candidates.dedup();
        let mut best_near: Option<(f64, u32)> = None;
        // Below both of these, a candidate is neither a copy nor a near one.
        let least_resemblance = self.config.copy_resemblance.min(self.config.near_copy_resemblance);
        let least_containment = self.config.copy_containment.min(self.config.near_copy_containment);
        let low_bytes = Digests::low_bytes_of(&f.signature);
        for d in candidates {
            let in_common = shared.binary_search_by_key(&d, |&(d, _)| d).map_or(0, |i| shared[i].1);
            // The packed row first (see `Digests`): it rules out nearly
            // every candidate without reading its record.
            match self.digests.get(d) {
                Some(Digest::Gone) => continue,
                Some(Digest::Held {
                    low_bytes: theirs,
                    samples,
                }) => {
                    let containment =
                        minhash::containment(in_common, f.samples.len(), samples, self.config.min_containment_samples);
                    if containment < least_containment
                        && Digests::resemblance_bound(&low_bytes, theirs) < least_resemblance
                    {
                        continue;
                    }
                }
                None => {}
            }
            let Some(other) = self.docs.get(&d) else {
                continue;
            };
            let resemblance = minhash::estimated_resemblance(&f.signature, &other.signature);
            let containment = minhash::containment(
                in_common,
                f.samples.len(),
                other.samples.len(),
                self.config.min_containment_samples,
            );
            if resemblance >= self.config.copy_resemblance || containment >= self.config.copy_containment {
                out.strong.push(d);
            } else if resemblance >= self.config.near_copy_resemblance
                || containment >= self.config.near_copy_containment
            {
                let closeness = resemblance.max(containment);
                if best_near.is_none_or(|(c, _)| closeness > c) {
                    best_near = Some((closeness, d));
                }
            }
        }
        out.strong.retain(|d| self.docs.contains_key(d));
        out.strong.sort_unstable();
        out.strong.dedup();
        out.near = best_near.map(|(_, d)| d);
        out
    }

    /// Makes `original`, just inserted, the original of the documents it
    /// predates among `found` (the held documents it copies) and of their
    /// recorded copies, in its own story. Undated ones cannot be ordered
    /// against it and keep their verdict.
    pub(super) fn adopt_earlier_arrivals(&mut self, original: u32, found: Vec<u32>) {
        let (first, story, original_id) = {
            let o = &self.docs[&original];
            let Some(first) = o.published else {
                return;
            };
            (first, o.story, o.id.clone())
        };
        let mut family = found;
        for d in family.clone() {
            if let Some(r) = self.docs.get(&d) {
                family.extend_from_slice(&r.copies);
            }
        }
        family.sort_unstable();
        family.dedup();
        let mut adopted = Vec::new();
        for d in family {
            let Some(r) = self.docs.get_mut(&d) else {
                continue;
            };
            let later = r.published.is_some_and(|p| p > first);
            if d == original || r.story != story || !later {
                continue;
            }
            let redated = r.redated || provenance::is_redated(r.published, Some(first), self.config.redate_after_days);
            r.copy_of_doc = Some(original);
            r.copy_of = Some(original_id.clone());
            r.redated = redated;
            r.copies.clear();
            adopted.push(d);
        }
        self.revised.extend_from_slice(&adopted);
        if let Some(o) = self.docs.get_mut(&original) {
            o.copies.extend(adopted);
        }
    }
}
