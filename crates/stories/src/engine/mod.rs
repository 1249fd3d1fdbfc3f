//! The streaming story engine: copy detection first (a copy belongs to its
//! original's story whatever the clustering would say), then clustering of
//! everything else against recent stories, then a look back for documents
//! whose own text dates their events long before publication.
//!
//! State is bounded by time, not by the corpus: stories that fall out of
//! the time window (and the arrival window) give up their vectors, members
//! and postings and keep only a small digest; documents give up their
//! containment samples with their story (or once they are older than the
//! window themselves), and everything else once they pass the copy horizon. A sweep does this every few thousand arrivals
//! (more often early on), so the cost of one document does not grow with
//! the number seen.
//!
//! Cost per document: words are split once and interned through packed
//! keys; the query is spread over a dense array once ([`DenseQuery`]) so
//! each candidate story costs one pass over its vectors, whose IDF-weighted
//! norms are cached and refreshed at each sweep rather than recomputed. A
//! copy candidate's containment is the count of samples whose postings name
//! it, gathered in one pass over the document's samples, never a merge of
//! two sample lists.
//!
//! This module holds the engine and its public methods; each concern of
//! [`StoryEngine`] has a child module: `features` (a document's vectors and
//! keys), `copies` (copy detection and adoption by a late original),
//! `scoring` (candidate stories and similarities), `late` (late reports and
//! archived digests), `story` (the story record and how a document joins
//! it), `revision` (review and reunion of open stories), `sweep` (eviction),
//! `snapshot` (saving and loading the whole state) and `memory` (what the
//! state weighs).

use std::collections::VecDeque;

use model::{Assignment, Document};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::hash::FastMap;
use crate::minhash::CappedPostings;
use crate::provenance::{self, Seen};
use crate::terms::{self, DenseQuery, Vocabulary};

use digests::Digests;
use features::Features;
use story::{Member, Story};

mod copies;
mod digests;
mod features;
mod late;
pub(crate) mod memory;
mod merge;
mod revision;
mod scoring;
mod short;
mod snapshot;
mod story;
mod sweep;
#[cfg(test)]
mod tests;

const DAY: f64 = 86_400.0;
/// Names per document added to its story's name counts.
const LEADING_NAMES: usize = 3;
/// A document's heaviest anchors (rare names and numbers) that file its
/// story in the term postings, and that look for stories in other
/// languages: enough for an event's distinctive names and figures, few
/// enough that a long list of them does not flood the postings.
const ANCHOR_TERMS: usize = 12;
/// Latest published dates kept for the stream's present (their median):
/// odd, so that the median is one of them, and enough that a few wrongly
/// dated pages cannot move it.
const RECENT_DATES: usize = 101;

/// What the engine keeps of one document.
#[derive(Debug, Serialize, Deserialize)]
struct DocRecord {
    id: String,
    published: Option<i64>,
    arrival: u64,
    story: u32,
    copy_of: Option<String>,
    copy_of_doc: Option<u32>,
    redated: bool,
    /// Held documents recorded as copies of this one, so that they can be
    /// handed to an earlier original that arrives after them.
    copies: Vec<u32>,
    signature: Vec<u32>,
    /// Dropped when the document's story leaves the window.
    samples: Vec<u64>,
    url_key: Option<u64>,
    fingerprint_key: Option<u64>,
    headline_key: Option<u64>,
    source_key: Option<u64>,
}

fn language_bit(language: Option<u32>) -> u64 {
    language.map_or(0, |l| 1 << l.min(63))
}

/// Sizes of the engine's state, to show that memory stays bounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Documents added or restored so far.
    pub documents_seen: u64,
    /// Documents whose copy-detection state is still held.
    pub documents_held: usize,
    /// Stories in the window (with vectors).
    pub stories_live: usize,
    /// Stories out of the window, kept as digests.
    pub stories_archived: usize,
    /// Terms in the vocabulary.
    pub terms: usize,
    /// Keys and entries over all postings lists.
    pub postings_keys: usize,
    pub postings_entries: usize,
}

/// The streaming story engine.
///
/// [`StoryEngine::add`] puts each document in a story when it arrives. That
/// story is revisable while it is open to review (until it holds
/// `Config::review_members` documents): a review may split it, moving some
/// members to a new story, or reunite it with another open story.
/// Provenance may be revised for documents still within the copy horizon,
/// when their original turns up after them. Both kinds of revision are
/// listed by [`StoryEngine::revised`].
#[derive(Debug)]
pub struct StoryEngine {
    config: Config,
    vocab: Vocabulary,
    docs: FastMap<u32, DocRecord>,
    /// Derived from `docs`, never persisted: see [`Digests`].
    digests: Digests,
    next_doc: u32,
    doc_by_id: FastMap<String, u32>,
    doc_by_url: FastMap<u64, u32>,
    doc_by_fingerprint: FastMap<u64, u32>,
    /// Headline key → the latest original with it (see `Features::headline_key`).
    doc_by_headline: FastMap<u64, u32>,
    band_postings: CappedPostings,
    sample_postings: CappedPostings,
    stories: FastMap<u32, Story>,
    next_story: u32,
    story_by_key: FastMap<String, u32>,
    term_postings: CappedPostings,
    /// Scratch space for comparing one document with many stories.
    dense_query: DenseQuery,
    /// A word's stemmed term id, by the hash of the word and its
    /// stemmer; derived, never persisted, and emptied whenever the
    /// vocabulary forgets terms (their ids are then handed out again).
    stem_cache: FastMap<u64, u32>,
    /// Digest term → archived stories, for late reports of old events.
    archive_postings: CappedPostings,
    arrivals: u64,
    /// Latest published dates (at most [`RECENT_DATES`]), whose median is
    /// the stream's "now".
    recent_dates: VecDeque<i64>,
    /// How far short documents reach, from the recent dates (see
    /// [`StoryEngine::short_window`]); derived, not persisted.
    short_window: short::ShortWindow,
    next_sweep: u64,
    sweeps: u64,
    /// Earlier documents whose verdict the last `add` revised.
    revised: Vec<u32>,
}

impl Default for StoryEngine {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl StoryEngine {
    /// An empty engine. A config that fails [`Config::validate`] is clamped
    /// to the nearest workable one rather than rejected.
    pub fn new(config: Config) -> Self {
        let config = config.clamped();
        Self {
            vocab: Vocabulary::new(config.idf_prior_docs),
            docs: FastMap::default(),
            digests: Digests::new(config.minhash_perms),
            next_doc: 0,
            doc_by_id: FastMap::default(),
            doc_by_url: FastMap::default(),
            doc_by_fingerprint: FastMap::default(),
            doc_by_headline: FastMap::default(),
            band_postings: CappedPostings::new(config.postings_cap),
            sample_postings: CappedPostings::new(config.postings_cap),
            stories: FastMap::default(),
            next_story: 0,
            story_by_key: FastMap::default(),
            term_postings: CappedPostings::new(config.postings_cap),
            dense_query: DenseQuery::default(),
            stem_cache: FastMap::default(),
            archive_postings: CappedPostings::new(config.postings_cap),
            arrivals: 0,
            recent_dates: VecDeque::new(),
            short_window: short::ShortWindow::UpTo(config.same_time_days),
            next_sweep: 16,
            sweeps: 0,
            revised: Vec::new(),
            config,
        }
    }

    /// Assigns one new document to a story. A later arrival may still
    /// revise its story (a review splitting or reuniting it) or its
    /// provenance (see [`StoryEngine::revised`], which lists what this call
    /// revised). A document id seen before gets its current assignment back,
    /// as long as that document is still held (within the copy horizon).
    pub fn add(&mut self, doc: &Document) -> Assignment {
        self.revised.clear();
        if let Some(&known) = self.doc_by_id.get(&doc.id) {
            return self.assignment_of(known);
        }
        let features = self.features(doc);
        self.observe(&features);
        let published = doc.published.map(|t| t.unix());

        let copies = self.find_copies(&features, published);
        let mut copy_of = None;
        let mut story = None;
        // Copies that arrived before this document, their original.
        let mut earlier_arrivals: Vec<u32> = Vec::new();
        let mut nearly_copied: Option<u32> = None;
        if !copies.strong.is_empty() {
            let mut seen: Vec<Seen> = Vec::new();
            for &d in &copies.strong {
                seen.extend(self.seen(d));
                if let Some(root) = self.docs.get(&d).and_then(|r| r.copy_of_doc) {
                    seen.extend(self.seen(root));
                }
            }
            if let Some(original) = provenance::earliest(&seen).map(|s| s.doc) {
                let record = &self.docs[&original];
                // A document dated before everything it matches is the first
                // appearance itself; earlier verdicts are not re-decided.
                let predates = matches!((published, record.published), (Some(p), Some(o)) if p < o);
                if predates {
                    earlier_arrivals = seen.iter().map(|s| s.doc).collect();
                } else {
                    copy_of = Some(original);
                }
                story = Some(record.story);
            }
        } else if let Some(near) = copies.near {
            story = self.docs.get(&near).map(|r| r.story);
            nearly_copied = Some(near);
        }
        let is_copy = story.is_some();
        let standalone_old =
            features.evidence.recent == 0 && features.evidence.old >= self.config.redate_standalone_mentions;
        let mut late_report = false;
        let mut runner_up = None;
        let mut judged: Vec<u32> = Vec::new();
        let story = match story {
            Some(c) => c,
            None => {
                let mut dense = std::mem::take(&mut self.dense_query);
                let (current, second) = self.best_story(&features, published, &mut dense, &mut judged);
                self.dense_query = dense;
                runner_up = second;
                let late = self.late_report_match(&features, published);
                match (current, late) {
                    (current, Some((s, c))) if current.is_none_or(|(cs, _)| s > cs) => {
                        late_report = true;
                        c
                    }
                    (Some((_, c)), _) => c,
                    _ => match self.archived_neighbour(&features, published) {
                        Some(c) => c,
                        None => self.new_story(doc.id.clone()),
                    },
                }
            }
        };
        // A copy is measured against the text it copies, not against the
        // story: a same-day copy of a long-running story's latest report is
        // fresh news, however old the story.
        let redated_copy = is_copy && {
            let copied_first = copy_of
                .or(nearly_copied)
                .and_then(|o| self.docs.get(&o))
                .and_then(|r| r.published);
            let first = copied_first.or(self.stories[&story].first_published);
            provenance::is_redated(published, first, self.config.redate_after_days)
        };
        let redated = redated_copy || late_report || standalone_old;
        let copy_of_id = copy_of.map(|o| self.docs[&o].id.clone());
        let short = features.short;
        let index = self.insert(doc, published, features, story, copy_of_id, copy_of, redated);
        if !earlier_arrivals.is_empty() {
            self.adopt_earlier_arrivals(index, earlier_arrivals);
        }
        self.review(story);
        if let Some(other) = runner_up {
            let own = self.docs[&index].story;
            if own != other && short {
                self.reunite_headlines(own, other);
            } else if own != other {
                self.reunite(own, other);
                self.adopt_lone(own, other);
            }
        }
        // A story of headlines is judged against the others the headline
        // found, now that it has grown (see `merge.rs`).
        if short {
            for c in judged {
                let Some(own) = self.docs.get(&index).map(|r| r.story) else {
                    break;
                };
                self.merge_headline_stories(own, c);
            }
        }
        // The new document's own verdict is its first, not a revision.
        self.revised.retain(|&d| d != index);
        let assignment = self.assignment_of(index);
        if self.arrivals >= self.next_sweep {
            self.sweep();
        }
        assignment
    }

    /// Re-loads a document assigned earlier (a warm start from storage)
    /// without re-deciding anything: later documents are compared with it
    /// as if the engine had assigned it.
    pub fn restore(&mut self, doc: &Document, assignment: &Assignment) {
        if self.doc_by_id.contains_key(&doc.id) {
            return;
        }
        let features = self.features(doc);
        self.observe(&features);
        let published = doc.published.map(|t| t.unix());
        let story = match self.story_by_key.get(&assignment.story_key) {
            Some(&c) => c,
            None => self.new_story(assignment.story_key.clone()),
        };
        let copy_of_doc = assignment
            .copy_of
            .as_ref()
            .and_then(|id| self.doc_by_id.get(id).copied());
        self.insert(
            doc,
            published,
            features,
            story,
            assignment.copy_of.clone(),
            copy_of_doc,
            assignment.redated,
        );
        if self.arrivals >= self.next_sweep {
            self.sweep();
        }
    }

    /// The earlier documents whose verdict the last [`StoryEngine::add`]
    /// revised, with their new verdicts. A story split in review moves its
    /// second group's members (and their copies) to a new story; two
    /// stories reunited move the later one's members to the earlier. When an
    /// original arrives after copies of it (a crawl meets the syndicated copy
    /// first), the copies still held (within the copy horizon) become its
    /// copies, and re-dated when they were published long after it.
    pub fn revised(&self) -> Vec<Assignment> {
        self.revised
            .iter()
            .filter(|d| self.docs.contains_key(d))
            .map(|&d| self.assignment_of(d))
            .collect()
    }

    /// Up to `n` related story keys for a story key, best first, never the
    /// story itself. Unknown keys, and stories that left the window, have
    /// no related stories.
    pub fn related(&mut self, key: &str, n: usize) -> Vec<String> {
        let Some(&own) = self.story_by_key.get(key) else {
            return Vec::new();
        };
        if n == 0 || self.stories[&own].evicted {
            return Vec::new();
        }
        // The story is compared with every candidate: its centroid is
        // loaded once, into the engine's own scratch array, since a fresh
        // one is as long as the vocabulary.
        let mut dense = std::mem::take(&mut self.dense_query);
        let story = &self.stories[&own];
        dense.load(story.centroid(), &self.vocab);
        let mut combined = story.body.clone();
        terms::add_into(&mut combined, &story.title);
        terms::add_into(&mut combined, &story.names);
        let range = story.dates();
        let mut scored: Vec<(f32, u32)> = self
            .candidates(&combined, range, story.last_arrival)
            .into_iter()
            .filter(|&c| c != own)
            .filter_map(|c| {
                let s = self.similarity(&dense, range, &self.stories[&c])?;
                (s >= self.config.related_threshold).then_some((s, c))
            })
            .collect();
        self.dense_query = dense;
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .take(n)
            .map(|(_, c)| self.stories[&c].key.clone())
            .collect()
    }

    /// Sizes of the state held now.
    pub fn stats(&self) -> EngineStats {
        let postings = [
            &self.band_postings,
            &self.sample_postings,
            &self.term_postings,
            &self.archive_postings,
        ];
        let (keys, entries) = postings
            .iter()
            .map(|p| p.size())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        EngineStats {
            documents_seen: self.arrivals,
            documents_held: self.docs.len(),
            stories_live: self.stories.values().filter(|c| !c.evicted).count(),
            stories_archived: self.stories.values().filter(|c| c.evicted).count(),
            terms: self.vocab.len(),
            postings_keys: keys,
            postings_entries: entries,
        }
    }

    fn assignment_of(&self, index: u32) -> Assignment {
        let d = &self.docs[&index];
        Assignment {
            id: d.id.clone(),
            story_key: self.stories[&d.story].key.clone(),
            copy_of: d.copy_of.clone(),
            redated: d.redated,
        }
    }

    fn seen(&self, doc: u32) -> Option<Seen> {
        let d = self.docs.get(&doc)?;
        Some(Seen {
            doc,
            published: d.published,
            arrival: d.arrival,
        })
    }
}
