//! The streaming story engine: copy detection first (a copy belongs to its
//! original's story whatever the clustering would say), then clustering of
//! everything else against recent stories, then a look back for documents
//! whose own text dates their events long before publication.
//!
//! State is bounded by time, not by the corpus: stories that fall out of
//! the time window (and the arrival window) give up their vectors, members
//! and postings and keep only a small digest; documents give up their
//! containment samples with their story, and everything else once they
//! pass the copy horizon. A sweep does this every few thousand arrivals
//! (more often early on), so the cost of one document does not grow with
//! the number seen.
//!
//! Cost per document: words are split once and interned through packed
//! keys; the query is spread over a dense array once ([`DenseQuery`]) so
//! each candidate story costs one pass over its vectors, whose IDF-weighted
//! norms are cached and refreshed at each sweep rather than recomputed.

use std::collections::VecDeque;

use model::{Assignment, Document};
use rust_stemmers::Stemmer;
use serde::{Deserialize, Serialize};

use crate::canonical::canonical_url;
use crate::config::Config;
use crate::fingerprint::{fingerprint_key, headline_key};
use crate::hash::{hash_bytes, FastMap, FastSet};
use crate::minhash::{self, CappedPostings};
use crate::provenance::{self, Seen};
use crate::review;
use crate::stem;
use crate::temporal::{self, EventEvidence};
use crate::terms::{self, DenseQuery, Sparse, Vocabulary};
use crate::text::{self, Word};

const DAY: f64 = 86_400.0;
/// Most arrivals between two sweeps. A sweep visits every held document
/// and story, so at full state it is spread thin; a story evicted a few
/// thousand arrivals late only holds its memory that much longer.
const SWEEP_EVERY: u64 = 8_192;
/// Sweeps between two cleanings of the postings and the vocabulary: a
/// cleaning visits every entry, some twenty million at full state, and
/// stale entries in between only cost the lookups that skip them.
const POSTINGS_CLEAN_EVERY: u64 = 4;
/// Candidate stories whose recent members are compared in full.
const MEMBER_CANDIDATES: usize = 8;
/// Names per document added to its story's name counts.
const LEADING_NAMES: usize = 3;
/// A protagonist is a name repeated at least this often per document.
const PROTAGONIST_MENTIONS: u32 = 3;
/// A document's leading names that may be its protagonist.
const PROTAGONISTS: usize = 1;
/// Similarity kept when a document and a story are about different
/// protagonists (see [`StoryEngine::protagonists_conflict`]).
const CONFLICT_FACTOR: f32 = 0.5;
/// Similarity kept when a document's and a story's decimal figures differ.
const DECIMAL_CONFLICT_FACTOR: f32 = 0.75;
/// Decimal figures remembered per story.
const MAX_STORY_DECIMALS: usize = 64;
/// Earlier stories, live and archived each, scored for a late report.
const LATE_CANDIDATES: usize = 8;

/// What the engine keeps of one document.
#[derive(Debug, Serialize, Deserialize)]
struct DocRecord {
    id: String,
    published: Option<i64>,
    arrival: u64,
    cluster: u32,
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

/// One story: its key and the summed term vectors of its members.
#[derive(Debug, Serialize, Deserialize)]
struct Cluster {
    key: String,
    first_published: Option<i64>,
    last_published: Option<i64>,
    last_arrival: u64,
    title: Sparse,
    body: Sparse,
    names: Sparse,
    anchors: Sparse,
    /// The latest members' own vectors: a story that drifts or merges two
    /// threads has a blurred centroid, but its members stay sharp.
    members: VecDeque<Member>,
    /// IDF-weighted norms of `title`, `body` and `names`. They are refreshed
    /// whenever the story changes and at every sweep, not at every
    /// comparison: between sweeps the IDF moves too little to matter, and
    /// recomputing a thousand-term centroid's norm per comparison was the
    /// largest single cost of clustering.
    norms: [f32; 3],
    /// Bit set of member languages (ids above 63 share the last bit).
    languages: u64,
    /// Out of the window: only the key, dates and digest remain.
    evicted: bool,
    /// The heaviest terms, kept after eviction to recognise late reports.
    digest: Sparse,
    /// Documents still held that belong to this story.
    held_docs: u32,
    /// How often members' texts repeat each of their leading names, by
    /// term, and how many members with a body contributed: the story's
    /// protagonist is the name its members repeat most.
    name_counts: Sparse,
    bodies: u32,
    /// Members' decimal numbers (see `Features::decimals`), sorted, capped.
    decimals: Vec<u32>,
    /// Documents ever placed in the story: while it is at most
    /// `Config::review_members`, `members` holds them all.
    size: u32,
}

impl Cluster {
    fn new(key: String) -> Self {
        Self {
            key,
            first_published: None,
            last_published: None,
            last_arrival: 0,
            title: Vec::new(),
            body: Vec::new(),
            names: Vec::new(),
            anchors: Vec::new(),
            members: VecDeque::new(),
            norms: [0.0; 3],
            languages: 0,
            evicted: false,
            digest: Vec::new(),
            held_docs: 0,
            name_counts: Vec::new(),
            bodies: 0,
            decimals: Vec::new(),
            size: 0,
        }
    }

    /// The members compared with a new document: the latest `kept`.
    fn recent_members(&self, kept: usize) -> impl Iterator<Item = &Member> {
        self.members.iter().skip(self.members.len().saturating_sub(kept))
    }

    /// Open to review: every member is still held in full.
    fn open(&self, review_members: usize) -> bool {
        self.size as usize <= review_members && self.members.len() == self.size as usize
    }
}

/// One recent member of a story: its title, body and names vectors, with
/// their IDF-weighted norms (refreshed like [`Cluster::norms`]), and what
/// else its story sums, so that a story split in review can be rebuilt from
/// its members.
#[derive(Debug, Serialize, Deserialize)]
struct Member {
    doc: u32,
    fields: [Sparse; 3],
    norms: [f32; 3],
    anchors: Sparse,
    leading_names: Vec<(u32, u32)>,
    has_body: bool,
    decimals: Vec<u32>,
    language: Option<u32>,
    published: Option<i64>,
    arrival: u64,
}

fn language_bit(language: Option<u32>) -> u64 {
    language.map_or(0, |l| 1 << l.min(63))
}

/// A document as the engine compares it.
#[derive(Debug, Default)]
struct Features {
    title: Sparse,
    body: Sparse,
    names: Sparse,
    anchors: Sparse,
    distinct_terms: Vec<u32>,
    signature: Vec<u32>,
    band_keys: Vec<u64>,
    samples: Vec<u64>,
    fingerprint_key: Option<u64>,
    /// Set for headline-only documents long enough to be syndicated
    /// copies, with their outlet's key.
    headline_key: Option<u64>,
    source_key: Option<u64>,
    url_key: Option<u64>,
    language: Option<u32>,
    evidence: EventEvidence,
    /// The names the body repeats most, with their counts, most first.
    leading_names: Vec<(u32, u32)>,
    /// Anchor terms of numbers with a decimal part (magnitudes, rates,
    /// versions), sorted.
    decimals: Vec<u32>,
}

/// The outcome of looking for earlier documents that this one copies.
#[derive(Debug, Default)]
struct CopyMatch {
    /// Documents it copies outright.
    strong: Vec<u32>,
    /// The closest document it nearly copies, when nothing is copied outright.
    near: Option<u32>,
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
    next_doc: u32,
    doc_by_id: FastMap<String, u32>,
    doc_by_url: FastMap<u64, u32>,
    doc_by_fingerprint: FastMap<u64, u32>,
    /// Headline key → the latest original with it (see `Features::headline_key`).
    doc_by_headline: FastMap<u64, u32>,
    band_postings: CappedPostings,
    sample_postings: CappedPostings,
    clusters: FastMap<u32, Cluster>,
    next_cluster: u32,
    cluster_by_key: FastMap<String, u32>,
    term_postings: CappedPostings,
    /// Scratch space for comparing one document with many stories.
    dense_query: DenseQuery,
    /// Digest term → archived stories, for late reports of old events.
    archive_postings: CappedPostings,
    arrivals: u64,
    /// Latest published dates, whose median is the stream's "now".
    recent_dates: VecDeque<i64>,
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
            next_doc: 0,
            doc_by_id: FastMap::default(),
            doc_by_url: FastMap::default(),
            doc_by_fingerprint: FastMap::default(),
            doc_by_headline: FastMap::default(),
            band_postings: CappedPostings::new(config.postings_cap),
            sample_postings: CappedPostings::new(config.postings_cap),
            clusters: FastMap::default(),
            next_cluster: 0,
            cluster_by_key: FastMap::default(),
            term_postings: CappedPostings::new(config.postings_cap),
            dense_query: DenseQuery::default(),
            archive_postings: CappedPostings::new(config.postings_cap),
            arrivals: 0,
            recent_dates: VecDeque::new(),
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
        let mut cluster = None;
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
                cluster = Some(record.cluster);
            }
        } else if let Some(near) = copies.near {
            cluster = self.docs.get(&near).map(|r| r.cluster);
            nearly_copied = Some(near);
        }
        let is_copy = cluster.is_some();
        let standalone_old =
            features.evidence.recent == 0 && features.evidence.old >= self.config.redate_standalone_mentions;
        let mut late_report = false;
        let mut runner_up = None;
        let cluster = match cluster {
            Some(c) => c,
            None => {
                let mut dense = std::mem::take(&mut self.dense_query);
                let (current, second) = self.best_cluster(&features, published, &mut dense);
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
                        None => self.new_cluster(doc.id.clone()),
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
            let first = copied_first.or(self.clusters[&cluster].first_published);
            provenance::is_redated(published, first, self.config.redate_after_days)
        };
        let redated = redated_copy || late_report || standalone_old;
        let copy_of_id = copy_of.map(|o| self.docs[&o].id.clone());
        let index = self.insert(doc, published, features, cluster, copy_of_id, copy_of, redated);
        if !earlier_arrivals.is_empty() {
            self.adopt_earlier_arrivals(index, earlier_arrivals);
        }
        self.review(cluster);
        if let Some(other) = runner_up {
            let own = self.docs[&index].cluster;
            if own != other {
                self.reunite(own, other);
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
        let cluster = match self.cluster_by_key.get(&assignment.cluster) {
            Some(&c) => c,
            None => self.new_cluster(assignment.cluster.clone()),
        };
        let copy_of_doc = assignment
            .copy_of
            .as_ref()
            .and_then(|id| self.doc_by_id.get(id).copied());
        self.insert(
            doc,
            published,
            features,
            cluster,
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
    pub fn related(&self, cluster: &str, n: usize) -> Vec<String> {
        let Some(&own) = self.cluster_by_key.get(cluster) else {
            return Vec::new();
        };
        let story = &self.clusters[&own];
        if n == 0 || story.evicted {
            return Vec::new();
        }
        let mut combined = story.body.clone();
        terms::add_into(&mut combined, &story.title);
        terms::add_into(&mut combined, &story.names);
        let range = (story.first_published, story.last_published);
        let mut scored: Vec<(f32, u32)> = self
            .candidates(&combined, range, story.last_arrival)
            .into_iter()
            .filter(|&c| c != own)
            .filter_map(|c| {
                let other = &self.clusters[&c];
                let s = self.similarity(&story.title, &story.body, &story.names, range, other)?;
                (s >= self.config.related_threshold).then_some((s, c))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .take(n)
            .map(|(_, c)| self.clusters[&c].key.clone())
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
            stories_live: self.clusters.values().filter(|c| !c.evicted).count(),
            stories_archived: self.clusters.values().filter(|c| c.evicted).count(),
            terms: self.vocab.len(),
            postings_keys: keys,
            postings_entries: entries,
        }
    }

    /// Makes `original`, just inserted, the original of the documents it
    /// predates among `found` (the held documents it copies) and of their
    /// recorded copies, in its own story. Undated ones cannot be ordered
    /// against it and keep their verdict.
    fn adopt_earlier_arrivals(&mut self, original: u32, found: Vec<u32>) {
        let (first, cluster, original_id) = {
            let o = &self.docs[&original];
            let Some(first) = o.published else {
                return;
            };
            (first, o.cluster, o.id.clone())
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
            if d == original || r.cluster != cluster || !later {
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

    /// Counts a document's terms, and the language of its anchors.
    fn observe(&mut self, f: &Features) {
        self.vocab.observe(&f.distinct_terms);
        let bit = language_bit(f.language);
        if bit != 0 {
            for &(t, _) in &f.anchors {
                self.vocab.mark_language(t, bit);
            }
        }
    }

    fn assignment_of(&self, index: u32) -> Assignment {
        let d = &self.docs[&index];
        Assignment {
            id: d.id.clone(),
            cluster: self.clusters[&d.cluster].key.clone(),
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

    fn new_cluster(&mut self, key: String) -> u32 {
        let index = self.next_cluster;
        self.next_cluster = self.next_cluster.wrapping_add(1);
        self.cluster_by_key.insert(key.clone(), index);
        self.clusters.insert(index, Cluster::new(key));
        index
    }

    fn features(&mut self, doc: &Document) -> Features {
        let title_words = doc.title.as_deref().map(text::words).unwrap_or_default();
        let body_words = text::words(&doc.text);
        let mut f = Features {
            url_key: doc
                .url
                .as_deref()
                .and_then(canonical_url)
                .map(|u| hash_bytes(u.as_bytes(), 0x0u64)),
            language: text::language_of(
                doc.language.as_deref(),
                if body_words.is_empty() {
                    &title_words
                } else {
                    &body_words
                },
            ),
            ..Features::default()
        };

        // Words repeat within a document; looking each up once in a small
        // table spares the vocabulary's large one most of its cache misses.
        let mut known: FastMap<&str, u32> = FastMap::default();
        let stemmer = stem::stemmer_for(doc.language.as_deref(), f.language);
        let title_terms = self.term_ids(&title_words, "", stemmer.as_ref(), &mut known);
        // A headline-only document is its own body, so it still meets
        // full-text documents on the body field.
        let body_terms = if body_words.is_empty() {
            title_terms.clone()
        } else {
            self.term_ids(&body_words, "", stemmer.as_ref(), &mut known)
        };
        // Capitalised words mid-sentence are mostly names, and numbers
        // (dates, counts, versions) tell one event from a similar one.
        // Headlines are title-cased throughout, so only the body is read.
        let name_words: Vec<Word> = body_words
            .iter()
            .filter(|w| (w.capitalised && !w.sentence_start) || w.lower.chars().any(|c| c.is_numeric()))
            .cloned()
            .collect();
        let name_terms = self.term_ids(&name_words, "@", None, &mut FastMap::default());
        let anchors = text::anchors(&doc.text, &body_words);
        let anchor_terms: Vec<u32> = anchors.iter().map(|a| self.vocab.intern(&format!("^{a}"))).collect();
        f.decimals = anchors
            .iter()
            .zip(&anchor_terms)
            .filter(|(a, _)| a.starts_with('#') && a.contains('.'))
            .map(|(_, &t)| t)
            .collect();
        f.decimals.sort_unstable();
        f.decimals.dedup();
        f.title = terms::tf_vector(&title_terms);
        f.body = terms::tf_vector(&body_terms);
        f.names = terms::tf_vector(&name_terms);
        f.anchors = terms::tf_vector(&anchor_terms);
        let mut distinct: Vec<u32> = title_terms
            .iter()
            .chain(&body_terms)
            .chain(&name_terms)
            .chain(&anchor_terms)
            .copied()
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        f.distinct_terms = distinct;
        f.leading_names = self.leading_names(&body_words);
        if let Some(published) = doc.published {
            f.evidence = temporal::evidence(&doc.text, published.day(), self.config.redate_after_days);
        }

        if body_words.len() >= self.config.min_copy_words {
            let lower: Vec<&str> = body_words.iter().map(|w| w.lower.as_ref()).collect();
            let shingles = minhash::shingles(&lower, self.config.shingle_words);
            f.signature = minhash::signature(&shingles, self.config.minhash_perms);
            f.band_keys = minhash::band_keys(&f.signature, self.config.lsh_bands);
            f.samples = minhash::sample(&shingles, self.config.sample_modulus);
            f.fingerprint_key = Some(fingerprint_key(&body_words));
        } else if title_words.len() >= self.config.min_headline_copy_words {
            f.headline_key = Some(headline_key(&title_words, &body_words));
            f.source_key = doc
                .source
                .as_deref()
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .map(|s| hash_bytes(s.as_bytes(), 0x50c3));
        }
        f
    }

    /// The names (words written capitalised inside a sentence at least
    /// once) that a body repeats most, counting every capitalised use.
    fn leading_names(&mut self, words: &[Word]) -> Vec<(u32, u32)> {
        let mut counts: FastMap<&str, (u32, bool)> = FastMap::default();
        for w in words {
            if w.capitalised && w.lower.len() >= 3 && w.lower.chars().all(char::is_alphabetic) {
                let entry = counts.entry(w.lower.as_ref()).or_default();
                entry.0 += 1;
                entry.1 |= !w.sentence_start;
            }
        }
        let mut named: Vec<(u32, &str)> = counts
            .into_iter()
            .filter(|&(_, (n, inside))| inside && n >= 2)
            .map(|(word, (n, _))| (n, word))
            .collect();
        named.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        named.truncate(LEADING_NAMES);
        named
            .into_iter()
            .map(|(n, word)| (self.vocab.intern(word), n))
            .collect()
    }

    /// Term ids of the words, stemmed when a stemmer is given, `prefix`
    /// marking the field; `known` holds the ids of words met before under
    /// the same prefix and stemmer.
    fn term_ids<'w>(
        &mut self,
        words: &'w [Word],
        prefix: &str,
        stemmer: Option<&Stemmer>,
        known: &mut FastMap<&'w str, u32>,
    ) -> Vec<u32> {
        let mut buffer = String::new();
        words
            .iter()
            .filter(|w| text::is_term(&w.lower))
            .map(|w| {
                let word: &str = &w.lower;
                if let Some(&id) = known.get(word) {
                    return id;
                }
                let id = if let Some(stemmer) = stemmer {
                    let stemmed = stemmer.stem(word);
                    if prefix.is_empty() {
                        self.vocab.intern(&stemmed)
                    } else {
                        buffer.clear();
                        buffer.push_str(prefix);
                        buffer.push_str(&stemmed);
                        self.vocab.intern(&buffer)
                    }
                } else if prefix.is_empty() {
                    self.vocab.intern(word)
                } else {
                    buffer.clear();
                    buffer.push_str(prefix);
                    buffer.push_str(word);
                    self.vocab.intern(&buffer)
                };
                known.insert(word, id);
                id
            })
            .collect()
    }

    fn find_copies(&self, f: &Features, published: Option<i64>) -> CopyMatch {
        let mut out = CopyMatch::default();
        if let Some(&d) = f.headline_key.as_ref().and_then(|k| self.doc_by_headline.get(k)) {
            if let Some(other) = self.docs.get(&d) {
                let same_time = match (published, other.published) {
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
        let mut sample_hits: Vec<u32> = Vec::new();
        for &s in &f.samples {
            sample_hits.extend(self.sample_postings.get(s));
        }
        sample_hits.sort_unstable();
        // Two shared samples is the least that can be a containment worth checking.
        for run in sample_hits.chunk_by(|a, b| a == b) {
            if run.len() >= 2 {
                candidates.push(run[0]);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best_near: Option<(f64, u32)> = None;
        for d in candidates {
            let Some(other) = self.docs.get(&d) else {
                continue;
            };
            let resemblance = minhash::estimated_resemblance(&f.signature, &other.signature);
            let containment = minhash::containment(&f.samples, &other.samples, self.config.min_containment_samples);
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

    /// The `n` terms of `v` heaviest under today's IDF.
    fn heaviest(&self, v: &Sparse, n: usize) -> Vec<(f32, u32)> {
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
    fn ranked(
        &self,
        query: &Sparse,
        postings: &CappedPostings,
        terms_used: usize,
        keep: impl Fn(&Cluster) -> bool,
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
            .filter(|&(_, c)| self.clusters.get(&c).is_some_and(&keep))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(self.config.max_candidates);
        ranked.into_iter().map(|(_, c)| c).collect()
    }

    /// Stories worth scoring in full: those sharing the query's heaviest
    /// terms, within the time or arrival window, best overlap first.
    fn candidates(&self, query: &Sparse, range: (Option<i64>, Option<i64>), arrival: u64) -> Vec<u32> {
        self.ranked(query, &self.term_postings, self.config.query_terms, |c| {
            !c.evicted && self.in_window(c, range, arrival)
        })
    }

    fn in_window(&self, c: &Cluster, range: (Option<i64>, Option<i64>), arrival: u64) -> bool {
        if c.last_arrival + self.config.arrival_window < arrival {
            return false;
        }
        match gap_days(range, (c.first_published, c.last_published)) {
            Some(gap) => gap <= self.config.time_window_days as f64,
            None => true,
        }
    }

    fn combined(f: &Features) -> Sparse {
        let mut query = f.body.clone();
        terms::add_into(&mut query, &f.title);
        terms::add_into(&mut query, &f.names);
        query
    }

    /// The best story in the window for a document, by its own language's
    /// words or, across languages, by shared anchors.
    fn best_cluster(
        &self,
        f: &Features,
        published: Option<i64>,
        dense: &mut DenseQuery,
    ) -> (Option<(f32, u32)>, Option<u32>) {
        let cfg = &self.config;
        let query = Self::combined(f);
        let range = (published, published);
        let mut candidates = self.candidates(&query, range, self.arrivals);
        let own_language = language_bit(f.language);
        let across = own_language != 0 && !f.anchors.is_empty() && published.is_some();
        if across {
            candidates.extend(self.ranked(&f.anchors, &self.term_postings, 12, |c| {
                !c.evicted && c.languages & !own_language != 0 && self.in_window(c, range, self.arrivals)
            }));
            candidates.sort_unstable();
            candidates.dedup();
        }
        // Members are compared only for the stories whose centroids come
        // closest: they refine a near decision, and they cost the most.
        dense.load([&f.title, &f.body, &f.names], &self.vocab);
        let dense = &*dense;
        let mut by_centroid: Vec<(f32, f32, u32)> = candidates
            .iter()
            .filter_map(|&c| {
                let story = &self.clusters[&c];
                let centroid = self.centroid_similarity(dense, story)?;
                Some((centroid * self.damping(range, story), centroid, c))
            })
            .collect();
        by_centroid.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
        let mut normal: FastMap<u32, f32> = FastMap::default();
        for &(_, centroid, c) in by_centroid.iter().take(MEMBER_CANDIDATES) {
            let s = self.blend_members(dense, range, &self.clusters[&c], centroid);
            normal.insert(c, s);
        }
        let mut best: Option<(f32, u32)> = None;
        let mut runner_up: Option<(f32, u32)> = None;
        for c in candidates {
            let story = &self.clusters[&c];
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
    fn protagonists_conflict(&self, f: &Features, story: &Cluster) -> bool {
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
                        .any(|m| has(&m.fields[1], own))
            })
    }

    /// Anchor similarity to a story with members in other languages, when
    /// it is strong, close in time and rests on enough shared anchors.
    fn cross_language_similarity(&self, f: &Features, range: (Option<i64>, Option<i64>), c: &Cluster) -> Option<f32> {
        let cfg = &self.config;
        let gap = gap_days(range, (c.first_published, c.last_published))?;
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

    /// An earlier story, out of the time window, that a document reports
    /// on again: the document's text dates events well before publication,
    /// the story falls in the same month of a year, and the heaviest terms
    /// of both match.
    fn late_report_match(&self, f: &Features, published: Option<i64>) -> Option<(f32, u32)> {
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
        let old_enough = |c: &Cluster| {
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
    fn best_digest_match(&self, own_digest: &Sparse, candidates: Vec<u32>) -> Option<(f32, u32)> {
        let mut best: Option<(f32, u32)> = None;
        for c in candidates {
            let story = &self.clusters[&c];
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
    fn archived_neighbour(&self, f: &Features, published: Option<i64>) -> Option<u32> {
        let cfg = &self.config;
        let published = published?;
        let behind = (self.now()? - published) as f64;
        if behind < cfg.time_window_days as f64 * DAY / 2.0 {
            return None;
        }
        let range = (Some(published), Some(published));
        let own_digest = self.digest(&Self::combined(f));
        let mut archived = self.ranked(&own_digest, &self.archive_postings, cfg.digest_terms, |c| {
            c.evicted && gap_days(range, (c.first_published, c.last_published)).is_some_and(|g| g <= cfg.same_time_days)
        });
        archived.truncate(LATE_CANDIDATES);
        self.best_digest_match(&own_digest, archived).map(|(_, c)| c)
    }

    /// The heaviest terms of a vector, as a vector sorted by term.
    fn digest(&self, v: &Sparse) -> Sparse {
        let weights: FastMap<u32, f32> = v.iter().copied().collect();
        let mut out: Sparse = self
            .heaviest(v, self.config.digest_terms)
            .into_iter()
            .map(|(_, t)| (t, weights[&t]))
            .collect();
        out.sort_unstable_by_key(|e| e.0);
        out
    }

    /// Weighted cosine over the fields both sides have, blending the story
    /// centroid with the closest recent member, damped by the time between
    /// them. `None` when they share no field.
    fn similarity(
        &self,
        title: &Sparse,
        body: &Sparse,
        names: &Sparse,
        range: (Option<i64>, Option<i64>),
        c: &Cluster,
    ) -> Option<f32> {
        let mut dense = DenseQuery::default();
        dense.load([title, body, names], &self.vocab);
        let centroid = self.centroid_similarity(&dense, c)?;
        Some(self.blend_members(&dense, range, c, centroid))
    }

    fn damping(&self, range: (Option<i64>, Option<i64>), c: &Cluster) -> f32 {
        let cfg = &self.config;
        match gap_days(range, (c.first_published, c.last_published)) {
            Some(gap) if gap > cfg.same_time_days => (-(gap - cfg.same_time_days) / cfg.time_decay_days).exp() as f32,
            _ => 1.0,
        }
    }

    /// The undamped centroid similarity; `None` when no field is shared.
    fn centroid_similarity(&self, query: &DenseQuery, c: &Cluster) -> Option<f32> {
        self.field_similarity(query, [&c.title, &c.body, &c.names], c.norms)
    }

    /// Blends a centroid similarity with the closest member's and damps by
    /// the time between document and story.
    fn blend_members(&self, query: &DenseQuery, range: (Option<i64>, Option<i64>), c: &Cluster, centroid: f32) -> f32 {
        let cfg = &self.config;
        let closest = c
            .recent_members(cfg.members_kept)
            .filter_map(|m| {
                let [t, b, n] = &m.fields;
                self.field_similarity(query, [t, b, n], m.norms)
            })
            .fold(None, |best: Option<f32>, s| Some(best.map_or(s, |b| b.max(s))));
        let blended = match closest {
            Some(m) => (1.0 - cfg.member_share) * centroid + cfg.member_share * m,
            None => centroid,
        };
        blended * self.damping(range, c)
    }

    fn field_similarity(&self, query: &DenseQuery, b: [&Sparse; 3], b_norms: [f32; 3]) -> Option<f32> {
        let cfg = &self.config;
        let weights = [cfg.title_weight, cfg.body_weight, cfg.names_weight];
        let mut total = 0.0;
        let mut weight = 0.0;
        for i in 0..3 {
            if let Some(cos) = query.cosine(i, b[i], b_norms[i]) {
                total += weights[i] * cos;
                weight += weights[i];
            }
        }
        (weight > 0.0).then(|| total / weight)
    }

    #[allow(clippy::too_many_arguments)]
    fn insert(
        &mut self,
        doc: &Document,
        published: Option<i64>,
        f: Features,
        cluster: u32,
        copy_of: Option<String>,
        copy_of_doc: Option<u32>,
        redated: bool,
    ) -> u32 {
        self.arrivals += 1;
        let index = self.next_doc;
        self.next_doc = self.next_doc.wrapping_add(1);
        for &key in &f.band_keys {
            self.band_postings.insert(key, index);
        }
        for &s in &f.samples {
            self.sample_postings.insert(s, index);
        }
        if let Some(url) = f.url_key {
            self.doc_by_url.entry(url).or_insert(index);
        }
        if let Some(fp) = f.fingerprint_key {
            self.doc_by_fingerprint.entry(fp).or_insert(index);
        }
        // Copies are found through their original; a later original with
        // the same headline (too late, or from the same outlet) takes over.
        if let Some(k) = f.headline_key {
            if copy_of_doc.is_none() {
                self.doc_by_headline.insert(k, index);
            }
        }
        if let Some(p) = published {
            if self.recent_dates.len() == 101 {
                self.recent_dates.pop_front();
            }
            self.recent_dates.push_back(p);
        }

        let query = Self::combined(&f);
        for (_, term) in self.heaviest(&query, self.config.query_terms) {
            self.term_postings.insert(u64::from(term), cluster);
        }
        for (_, term) in self.heaviest(&f.anchors, 12) {
            self.term_postings.insert(u64::from(term), cluster);
        }

        let cap = self.config.centroid_terms;
        let members_kept = self.config.members_kept;
        let review_members = self.config.review_members;
        let story = self
            .clusters
            .get_mut(&cluster)
            .expect("cluster of a new document exists");
        story.evicted = false;
        story.digest.clear();
        // An open story keeps every member for review; once final, only
        // the latest few that new documents are compared with.
        let member_cap = if (story.size as usize) < review_members && story.open(review_members) {
            review_members.max(members_kept)
        } else {
            members_kept
        };
        while !story.members.is_empty() && story.members.len() >= member_cap {
            story.members.pop_front();
        }
        story.size += 1;
        terms::add_into(&mut story.title, &f.title);
        terms::add_into(&mut story.body, &f.body);
        terms::add_into(&mut story.names, &f.names);
        terms::add_into(&mut story.anchors, &f.anchors);
        terms::prune(&mut story.title, cap);
        terms::prune(&mut story.body, cap);
        terms::prune(&mut story.names, cap);
        terms::prune(&mut story.anchors, cap);
        story.norms = [&story.title, &story.body, &story.names].map(|v| terms::weighted_norm(v, &self.vocab));
        story.languages |= language_bit(f.language);
        if !f.body.is_empty() {
            story.bodies += 1;
            let mut counts: Sparse = f.leading_names.iter().map(|&(t, n)| (t, n as f32)).collect();
            counts.sort_unstable_by_key(|e| e.0);
            terms::add_into(&mut story.name_counts, &counts);
            terms::prune(&mut story.name_counts, 4 * LEADING_NAMES);
        }
        if story.decimals.len() < MAX_STORY_DECIMALS {
            story.decimals.extend_from_slice(&f.decimals);
            story.decimals.sort_unstable();
            story.decimals.dedup();
        }
        story.last_arrival = self.arrivals;
        story.held_docs += 1;
        if let Some(p) = published {
            story.first_published = Some(story.first_published.map_or(p, |f| f.min(p)));
            story.last_published = Some(story.last_published.map_or(p, |l| l.max(p)));
        }
        // The member takes the document's vectors whole: they are not
        // needed after this, and copying them cost an allocation each.
        if member_cap > 0 {
            let has_body = !f.body.is_empty();
            let fields = [f.title, f.body, f.names];
            let norms = fields.each_ref().map(|v| terms::weighted_norm(v, &self.vocab));
            story.members.push_back(Member {
                doc: index,
                fields,
                norms,
                anchors: f.anchors,
                leading_names: f.leading_names,
                has_body,
                decimals: f.decimals,
                language: f.language,
                published,
                arrival: self.arrivals,
            });
        }

        self.doc_by_id.insert(doc.id.clone(), index);
        self.docs.insert(
            index,
            DocRecord {
                id: doc.id.clone(),
                published,
                arrival: self.arrivals,
                cluster,
                copy_of,
                copy_of_doc,
                redated,
                copies: Vec::new(),
                signature: f.signature,
                samples: f.samples,
                url_key: f.url_key,
                fingerprint_key: f.fingerprint_key,
                headline_key: f.headline_key,
                source_key: f.source_key,
            },
        );
        if let Some(original) = copy_of_doc.and_then(|o| self.docs.get_mut(&o)) {
            original.copies.push(index);
        }
        index
    }

    /// Reviews an open story at its checkpoints: when its originals fall
    /// into two groups with a normalised cut below `Config::split_cut`, the
    /// group without the first report leaves as a new story, and its
    /// members' moves are listed in [`StoryEngine::revised`]. Copies go
    /// where their original goes, and do not count as evidence: a wire
    /// story and its copies would otherwise look like a tight group of
    /// their own.
    fn review(&mut self, cluster: u32) {
        let cfg = &self.config;
        let min_side = cfg.split_min_side.max(1);
        let Some(story) = self.clusters.get(&cluster) else {
            return;
        };
        let size = story.size as usize;
        if story.evicted || !story.open(cfg.review_members) || size < 2 * min_side || !at_checkpoint(size, min_side) {
            return;
        }
        let copy_of = |m: &Member| self.docs.get(&m.doc).and_then(|r| r.copy_of_doc);
        let originals: Vec<&Member> = story.members.iter().filter(|m| copy_of(m).is_none()).collect();
        if originals.len() < 2 * min_side {
            return;
        }
        let mut dense = std::mem::take(&mut self.dense_query);
        let weights = self.similarity_graph(&mut dense, &originals);
        self.dense_query = dense;
        let weights = review::nearest_neighbours(&weights, cfg.review_neighbours);
        let Some(split) = review::bisect(&weights, min_side) else {
            return;
        };
        if split.ncut >= f64::from(cfg.split_cut) {
            return;
        }
        let mut leaving: FastSet<u32> = originals
            .iter()
            .zip(&split.second)
            .filter(|(_, &second)| second)
            .map(|(m, _)| m.doc)
            .collect();
        // The side with the first report keeps the story and its key.
        let first = story.members.front().map(|m| m.doc);
        if first.is_some_and(|d| leaving.contains(&d)) {
            leaving = originals
                .iter()
                .map(|m| m.doc)
                .filter(|d| !leaving.contains(d))
                .collect();
        }
        let follows = story
            .members
            .iter()
            .filter(|m| copy_of(m).is_some_and(|o| leaving.contains(&o)))
            .map(|m| m.doc)
            .collect::<Vec<_>>();
        leaving.extend(follows);
        self.split_story(cluster, &leaving);
    }

    /// Merges two open stories that a new document resembles both when the
    /// review would not split their union along the line between them: the
    /// same test that splits a story, run the other way.
    fn reunite(&mut self, a: u32, b: u32) {
        let cfg = &self.config;
        let min_side = cfg.split_min_side.max(1);
        let (Some(sa), Some(sb)) = (self.clusters.get(&a), self.clusters.get(&b)) else {
            return;
        };
        if sa.evicted || sb.evicted || !sa.open(cfg.review_members) || !sb.open(cfg.review_members) {
            return;
        }
        // Cheap bounds first: this runs for every document that two open
        // stories would take.
        let union = sa.members.len() + sb.members.len();
        if union > cfg.review_members || union < cfg.reunite_min_members || !at_checkpoint(union, min_side) {
            return;
        }
        let copy_of = |m: &Member| self.docs.get(&m.doc).and_then(|r| r.copy_of_doc);
        let originals: Vec<(&Member, bool)> = sa
            .members
            .iter()
            .map(|m| (m, false))
            .chain(sb.members.iter().map(|m| (m, true)))
            .filter(|(m, _)| copy_of(m).is_none())
            .collect();
        let in_b = originals.iter().filter(|(_, side)| *side).count();
        if in_b < min_side || originals.len() - in_b < min_side {
            return;
        }
        if originals.len() < cfg.reunite_min_members {
            return;
        }
        let mut dense = std::mem::take(&mut self.dense_query);
        let members: Vec<&Member> = originals.iter().map(|(m, _)| *m).collect();
        let weights = review::nearest_neighbours(&self.similarity_graph(&mut dense, &members), cfg.review_neighbours);
        self.dense_query = dense;
        let second: Vec<bool> = originals.iter().map(|(_, side)| *side).collect();
        if review::normalised_cut(&weights, &second) < f64::from(cfg.split_cut) {
            return;
        }
        // The story with the earlier first report keeps its key.
        let (keep, gone) = if sa.members.front().map(|m| m.arrival) <= sb.members.front().map(|m| m.arrival) {
            (a, b)
        } else {
            (b, a)
        };
        let Some(mut removed) = self.clusters.remove(&gone) else {
            return;
        };
        if self.cluster_by_key.get(&removed.key) == Some(&gone) {
            self.cluster_by_key.remove(&removed.key);
        }
        let moved: Vec<u32> = removed.members.iter().map(|m| m.doc).collect();
        let story = self.clusters.get_mut(&keep).expect("checked above");
        story.members.extend(removed.members.drain(..));
        story.members.make_contiguous().sort_by_key(|m| m.arrival);
        self.rebuild(keep);
        for &d in &moved {
            if let Some(r) = self.docs.get_mut(&d) {
                r.cluster = keep;
            }
        }
        self.index_members(keep, &moved);
        self.revised.extend(moved);
    }

    /// The similarity graph of members: each pair's field-weighted cosine.
    fn similarity_graph(&self, dense: &mut DenseQuery, members: &[&Member]) -> nalgebra::DMatrix<f64> {
        let n = members.len();
        let mut weights = nalgebra::DMatrix::<f64>::zeros(n, n);
        for (i, a) in members.iter().enumerate() {
            let [t, b, names] = &a.fields;
            dense.load([t, b, names], &self.vocab);
            for (j, other) in members.iter().enumerate().skip(i + 1) {
                let [t, b, names] = &other.fields;
                let s = self
                    .field_similarity(dense, [t, b, names], other.norms)
                    .unwrap_or(0.0)
                    .max(0.0);
                weights[(i, j)] = f64::from(s);
                weights[(j, i)] = f64::from(s);
            }
        }
        weights
    }

    /// Moves the members in `leaving` out of `cluster` into a new story
    /// keyed by the first of them, and rebuilds both stories from their
    /// members.
    fn split_story(&mut self, cluster: u32, leaving: &FastSet<u32>) {
        let Some(story) = self.clusters.get_mut(&cluster) else {
            return;
        };
        let (moved, stayed): (VecDeque<Member>, VecDeque<Member>) = std::mem::take(&mut story.members)
            .into_iter()
            .partition(|m| leaving.contains(&m.doc));
        story.members = stayed;
        let Some(key) = moved.front().and_then(|m| self.docs.get(&m.doc)).map(|r| r.id.clone()) else {
            let story = self.clusters.get_mut(&cluster).expect("looked up above");
            story.members.extend(moved);
            story.members.make_contiguous().sort_by_key(|m| m.arrival);
            return;
        };
        let key = if self.cluster_by_key.contains_key(&key) {
            format!("{key}#{}", self.next_cluster)
        } else {
            key
        };
        let new = self.new_cluster(key);
        self.clusters.get_mut(&new).expect("just made").members = moved;
        for c in [cluster, new] {
            self.rebuild(c);
        }
        let moved_docs: Vec<u32> = self.clusters[&new].members.iter().map(|m| m.doc).collect();
        for &d in &moved_docs {
            if let Some(r) = self.docs.get_mut(&d) {
                r.cluster = new;
            }
        }
        self.index_members(new, &moved_docs);
        self.revised.extend(moved_docs);
    }

    /// Files a story under the heaviest terms of those of its members that
    /// are in `docs`, as `insert` files a new member.
    fn index_members(&mut self, cluster: u32, docs: &[u32]) {
        let Some(story) = self.clusters.get(&cluster) else {
            return;
        };
        let terms: Vec<u32> = story
            .members
            .iter()
            .filter(|m| docs.contains(&m.doc))
            .flat_map(|m| {
                let mut query = m.fields[1].clone();
                terms::add_into(&mut query, &m.fields[0]);
                terms::add_into(&mut query, &m.fields[2]);
                let mut heavy: Vec<u32> = self
                    .heaviest(&query, self.config.query_terms)
                    .into_iter()
                    .map(|(_, t)| t)
                    .collect();
                heavy.extend(self.heaviest(&m.anchors, 12).into_iter().map(|(_, t)| t));
                heavy
            })
            .collect();
        for term in terms {
            self.term_postings.insert(u64::from(term), cluster);
        }
    }

    /// Recomputes a live story's sums, norms, dates and counts from its
    /// members, which an open story holds in full.
    fn rebuild(&mut self, cluster: u32) {
        let cap = self.config.centroid_terms;
        let vocab = &self.vocab;
        let docs = &self.docs;
        let Some(story) = self.clusters.get_mut(&cluster) else {
            return;
        };
        let (mut title, mut body, mut names, mut anchors, mut name_counts) = (
            Sparse::new(),
            Sparse::new(),
            Sparse::new(),
            Sparse::new(),
            Sparse::new(),
        );
        let mut decimals: Vec<u32> = Vec::new();
        let (mut languages, mut bodies) = (0u64, 0u32);
        let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
        let mut last_arrival = 0;
        for m in &story.members {
            terms::add_into(&mut title, &m.fields[0]);
            terms::add_into(&mut body, &m.fields[1]);
            terms::add_into(&mut names, &m.fields[2]);
            terms::add_into(&mut anchors, &m.anchors);
            languages |= language_bit(m.language);
            if m.has_body {
                bodies += 1;
                let mut counts: Sparse = m.leading_names.iter().map(|&(t, n)| (t, n as f32)).collect();
                counts.sort_unstable_by_key(|e| e.0);
                terms::add_into(&mut name_counts, &counts);
            }
            if decimals.len() < MAX_STORY_DECIMALS {
                decimals.extend_from_slice(&m.decimals);
                decimals.sort_unstable();
                decimals.dedup();
            }
            if let Some(p) = m.published {
                first = Some(first.map_or(p, |f| f.min(p)));
                last = Some(last.map_or(p, |l| l.max(p)));
            }
            last_arrival = last_arrival.max(m.arrival);
        }
        for v in [&mut title, &mut body, &mut names, &mut anchors] {
            terms::prune(v, cap);
        }
        terms::prune(&mut name_counts, 4 * LEADING_NAMES);
        story.norms = [&title, &body, &names].map(|v| terms::weighted_norm(v, vocab));
        story.title = title;
        story.body = body;
        story.names = names;
        story.anchors = anchors;
        story.name_counts = name_counts;
        story.decimals = decimals;
        story.languages = languages;
        story.bodies = bodies;
        story.first_published = first;
        story.last_published = last;
        story.last_arrival = last_arrival;
        story.size = story.members.len() as u32;
        story.held_docs = story.members.iter().filter(|m| docs.contains_key(&m.doc)).count() as u32;
    }

    /// Recomputes the cached norms of live stories, and of their members
    /// too when asked, under today's IDF.
    fn refresh_norms(&mut self, with_members: bool) {
        let vocab = &self.vocab;
        let norm = |v: &Sparse| terms::weighted_norm(v, vocab);
        for c in self.clusters.values_mut().filter(|c| !c.evicted) {
            c.norms = [&c.title, &c.body, &c.names].map(norm);
            if with_members {
                for m in c.members.iter_mut() {
                    m.norms = m.fields.each_ref().map(norm);
                }
            }
        }
    }

    /// The stream's present: the median of the latest published dates, so
    /// that one wrongly dated page cannot age everything out.
    fn now(&self) -> Option<i64> {
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
    fn sweep(&mut self) {
        let cfg = self.config.clone();
        let now = self.now();
        let arrivals = self.arrivals;
        let window = cfg.time_window_days as f64 * DAY * 1.5;
        let recent = |arrival: u64| arrival + cfg.keep_arrivals >= arrivals;
        let out_of_window = |c: &Cluster| {
            c.last_arrival + cfg.arrival_window < arrivals
                || (!recent(c.last_arrival)
                    && matches!((now, c.last_published), (Some(n), Some(l)) if ((n - l) as f64) > window))
        };
        let mut leaving: Vec<u32> = self
            .clusters
            .iter()
            .filter(|(_, c)| !c.evicted && out_of_window(c))
            .map(|(&id, _)| id)
            .collect();
        // Their digests fill capped postings, where order decides what is
        // kept; map order depends on history a snapshot does not keep.
        leaving.sort_unstable();
        for id in leaving {
            let c = &self.clusters[&id];
            let mut combined = c.body.clone();
            terms::add_into(&mut combined, &c.title);
            terms::add_into(&mut combined, &c.names);
            let digest = self.digest(&combined);
            for &(t, _) in &digest {
                self.archive_postings.insert(u64::from(t), id);
            }
            let c = self.clusters.get_mut(&id).expect("listed above");
            *c = Cluster {
                key: std::mem::take(&mut c.key),
                first_published: c.first_published,
                last_published: c.last_published,
                last_arrival: c.last_arrival,
                languages: c.languages,
                held_docs: c.held_docs,
                evicted: true,
                digest,
                ..Cluster::new(String::new())
            };
        }

        let horizon = cfg.copy_horizon_days as f64 * DAY;
        let mut dropped: Vec<u32> = Vec::new();
        for (&index, d) in self.docs.iter_mut() {
            let expired = d.arrival + cfg.copy_horizon_arrivals < arrivals
                || (!recent(d.arrival)
                    && matches!((now, d.published), (Some(n), Some(p)) if ((n - p) as f64) > horizon));
            if expired {
                dropped.push(index);
            } else if !d.samples.is_empty() && self.clusters.get(&d.cluster).is_none_or(|c| c.evicted) {
                d.samples = Vec::new();
            }
        }
        for index in dropped {
            let Some(d) = self.docs.remove(&index) else {
                continue;
            };
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
            if let Some(c) = self.clusters.get_mut(&d.cluster) {
                c.held_docs = c.held_docs.saturating_sub(1);
            }
        }
        let gone: Vec<u32> = self
            .clusters
            .iter()
            .filter(|(_, c)| c.evicted && c.held_docs == 0)
            .map(|(&id, _)| id)
            .collect();
        for id in gone {
            if let Some(c) = self.clusters.remove(&id) {
                if self.cluster_by_key.get(&c.key) == Some(&id) {
                    self.cluster_by_key.remove(&c.key);
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
        let clusters = &self.clusters;
        self.term_postings
            .retain(|c| clusters.get(&c).is_some_and(|c| !c.evicted));
        self.archive_postings
            .retain(|c| clusters.get(&c).is_some_and(|c| c.evicted));

        let mut in_use = vec![false; self.vocab.capacity()];
        let mut mark = |terms: &mut dyn Iterator<Item = u32>| {
            for t in terms {
                if let Some(slot) = in_use.get_mut(t as usize) {
                    *slot = true;
                }
            }
        };
        for c in self.clusters.values() {
            for v in [&c.title, &c.body, &c.names, &c.anchors, &c.digest, &c.name_counts] {
                mark(&mut v.iter().map(|e| e.0));
            }
            mark(&mut c.decimals.iter().copied());
            for m in &c.members {
                for v in &m.fields {
                    mark(&mut v.iter().map(|e| e.0));
                }
            }
        }
        // A term no live story holds and no live story's documents used is
        // only a rarity of the past: its document frequency goes too.
        let oldest_live = self
            .clusters
            .values()
            .filter(|c| !c.evicted)
            .map(|c| c.last_arrival)
            .min()
            .unwrap_or(arrivals);
        let seen_before = oldest_live.min(self.vocab.documents());
        for t in self
            .vocab
            .forget(seen_before, &|t| in_use.get(t as usize).copied().unwrap_or(false))
        {
            self.term_postings.remove(u64::from(t));
            self.archive_postings.remove(u64::from(t));
        }
    }
}

/// Whether a story (or two stories together) of `size` documents is due
/// for review: at every size while small, then every `min_side` documents,
/// so that a large open story is not re-examined on each arrival.
fn at_checkpoint(size: usize, min_side: usize) -> bool {
    size <= 4 * min_side || size.is_multiple_of(min_side)
}

/// Whether a document and a story both give exact figures with a decimal
/// part (a magnitude 4.6, a rate of 5.25) and share none of them: two
/// earthquakes, two rate decisions. Counts and sums are left out, since
/// reports of one event round and update them.
fn decimals_conflict(f: &Features, story: &Cluster) -> bool {
    !f.decimals.is_empty()
        && !story.decimals.is_empty()
        && !f.decimals.iter().any(|t| story.decimals.binary_search(t).is_ok())
}

/// Days between two date ranges (0 when they overlap); `None` when either
/// side has no date.
fn gap_days(a: (Option<i64>, Option<i64>), b: (Option<i64>, Option<i64>)) -> Option<f64> {
    let (a0, a1) = (a.0?, a.1?);
    let (b0, b1) = (b.0?, b.1?);
    let gap = if a1 < b0 {
        b0 - a1
    } else if b1 < a0 {
        a0 - b1
    } else {
        0
    };
    Some(gap as f64 / DAY)
}

mod snapshot;

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, title: &str, text: &str, published: Option<&str>) -> Document {
        Document {
            id: id.to_string(),
            title: (!title.is_empty()).then(|| title.to_string()),
            text: text.to_string(),
            published: published.map(|p| p.parse().expect("test date")),
            ..Document::default()
        }
    }

    const QUAKE_A: &str = "A magnitude 6.8 earthquake struck near the city of Marrakesh late \
        on Friday, killing at least 600 people and damaging buildings across the Atlas \
        mountains. Rescue teams from Rabat searched collapsed houses in the villages of \
        Amizmiz and Talat N'Yaaqoub through the night, the interior ministry said.";
    const QUAKE_B: &str = "Rescuers in Morocco dug through rubble on Saturday after the \
        earthquake near Marrakesh left more than 600 people dead. The interior ministry \
        said most victims were in the Atlas mountains, where villages such as Amizmiz \
        were badly damaged and roads to Talat N'Yaaqoub were blocked by rocks.";
    const BUDGET: &str = "The finance committee in Oslo approved a revised budget for the \
        coming year on Tuesday, raising spending on rail lines and hospitals while cutting \
        fuel subsidies. Norwegian lawmakers from the Labour party said the plan would be \
        voted on in parliament next month after talks with coalition partners.";
    const FOOTBALL: &str = "Barcelona beat Sevilla 3-1 at the Camp Nou on Sunday night, with \
        Robert Lewandowski scoring twice before half time. Coach Xavi Hernandez praised the \
        young midfielders after the match and said the league title race remained open with \
        ten games left to play this season.";

    fn engine_with_background() -> StoryEngine {
        let mut e = StoryEngine::default();
        e.add(&doc("budget", "Norway approves budget", BUDGET, Some("2023-09-05")));
        e.add(&doc("football", "Barcelona beat Sevilla", FOOTBALL, Some("2023-09-03")));
        e
    }

    #[test]
    fn clusters_an_obvious_pair_and_separates_an_unrelated_document() {
        let mut e = engine_with_background();
        let a = e.add(&doc(
            "qa",
            "Earthquake in Morocco kills hundreds",
            QUAKE_A,
            Some("2023-09-08"),
        ));
        let b = e.add(&doc(
            "qb",
            "Morocco quake death toll passes 600",
            QUAKE_B,
            Some("2023-09-09"),
        ));
        assert_eq!(a.cluster, "qa");
        assert_eq!(b.cluster, "qa");
        assert_eq!(b.copy_of, None, "a rewrite is the same story, not a copy");
        let budget = e.assignment_of(e.doc_by_id["budget"]);
        assert_eq!(budget.cluster, "budget");
        let football = e.assignment_of(e.doc_by_id["football"]);
        assert_eq!(football.cluster, "football");
    }

    #[test]
    fn look_alike_events_with_different_protagonists_stay_apart() {
        let mut e = engine_with_background();
        let jackson = "San Diego Chargers receiver Vincent Jackson was arrested early Tuesday on \
            suspicion of drunken driving, the California Highway Patrol said. Officers stopped \
            Jackson on the freeway near downtown San Diego after he failed sobriety tests. \
            Jackson was already on probation for an earlier drunken driving arrest, and the \
            team said Jackson would still play in the playoff game on Sunday.";
        let jackson_again = "Vincent Jackson of the Chargers spent the night in county jail after \
            the California Highway Patrol arrested him on suspicion of drunken driving. Jackson \
            was on probation at the time, and league officials said Jackson could face a \
            suspension, although the Chargers will not discipline him before the playoff game.";
        let williams = "Defensive tackle Jamal Williams became the second Chargers player in a \
            month held for drunken driving. A patrol car clocked Williams at ninety miles an \
            hour near Mission Valley before dawn, and Williams gave a blood sample at the \
            station. General manager A.J. Smith called it disappointing and said Williams \
            had apologised to his teammates.";
        let first = e.add(&doc("jackson", "Chargers receiver arrested", jackson, None));
        let same = e.add(&doc("jackson2", "Jackson jailed", jackson_again, None));
        assert_eq!(same.cluster, first.cluster, "the same arrest is one story");
        let other = e.features(&doc("w", "", williams, None));
        let again = e.features(&doc("j3", "", jackson_again, None));
        let story = &e.clusters[&e.cluster_by_key["jackson"]];
        assert!(e.protagonists_conflict(&other, story));
        assert!(!e.protagonists_conflict(&again, story));
        let different = e.add(&doc("williams", "Chargers tackle arrested", williams, None));
        assert_eq!(
            different.cluster, "williams",
            "another player's arrest is another story"
        );
    }

    /// Two outages of undersea internet cables, three years apart, told in
    /// the same words: reports of the second join the first's story while
    /// it is small, and only the review once both have reports tells them
    /// apart.
    fn cable_outages() -> Vec<Document> {
        let mediterranean = [
            "Internet traffic between Europe and the Middle East slowed after two undersea \
             cables near Alexandria were cut, leaving providers in Egypt and India rerouting \
             data. Engineers said a ship's anchor off Alexandria probably cut the cables.",
            "Providers in Egypt and India lost much of their internet capacity when undersea \
             cables off Alexandria were damaged. Repair ships were sent to Alexandria, and \
             engineers said the cut cables would take weeks to mend.",
            "The cut cables off Alexandria left millions in Egypt and India offline, and \
             providers rerouted traffic through slower links. Engineers blamed a ship's \
             anchor dragged across the cables near Alexandria.",
            "Egypt's internet providers restored part of the service after the cables cut off \
             Alexandria, while India still reported slow links. Engineers aboard the repair \
             ship near Alexandria began lifting the damaged cables.",
            "A repair ship reached the cut cables near Alexandria, where engineers found the \
             damage an anchor caused. Providers in Egypt and India said internet traffic \
             would return to normal once both cables were spliced.",
        ];
        let seacom = [
            "Internet users in Kenya and South Africa lost service when the Seacom undersea \
             cable failed near Mombasa. Seacom engineers said a power fault at the Mombasa \
             landing station cut the cable, and providers rerouted traffic.",
            "Seacom said its cable linking Mombasa to Europe would be repaired within days, \
             after providers in Kenya and South Africa lost internet capacity. Engineers \
             traced the fault to equipment at Mombasa.",
            "Providers in Kenya and South Africa rerouted traffic while Seacom engineers \
             worked at Mombasa on the failed undersea cable. Seacom said the outage was the \
             longest since the cable opened.",
            "Kenya's largest providers restored part of the service as Seacom repaired the \
             cable fault at Mombasa. South Africa still reported slow internet links, and \
             Seacom engineers expected a full fix within days.",
            "Seacom restored its undersea cable after engineers replaced equipment at the \
             Mombasa landing station. Providers in Kenya and South Africa said internet \
             traffic was back to normal.",
        ];
        let mut docs = Vec::new();
        for (i, (a, b)) in mediterranean.iter().zip(&seacom).enumerate() {
            docs.push(doc(&format!("alexandria{i}"), "", a, None));
            docs.push(doc(&format!("seacom{i}"), "", b, None));
            if i == 0 {
                // A wire copy of the first Seacom report, which must follow it.
                docs.push(doc("seacom-copy", "", b, None));
            }
        }
        docs
    }

    /// Restores `docs` into the stories named, as a warm start from a store
    /// would, then adds `bridge`; returns the final story of every document.
    fn restore_then_bridge(stored: &[(&Document, &str)], bridge: &Document) -> FastMap<String, String> {
        let mut e = engine_with_background();
        for (d, story) in stored {
            let assignment = Assignment {
                id: d.id.clone(),
                cluster: story.to_string(),
                copy_of: None,
                redated: false,
            };
            e.restore(d, &assignment);
        }
        let mut verdicts: FastMap<String, String> = FastMap::default();
        let a = e.add(bridge);
        verdicts.insert(a.id, a.cluster);
        for r in e.revised() {
            verdicts.insert(r.id, r.cluster);
        }
        for (d, _) in stored {
            verdicts.entry(d.id.clone()).or_insert_with(|| e.add(d).cluster);
        }
        verdicts
    }

    #[test]
    fn two_stories_of_one_event_are_reunited_by_a_report_that_resembles_both() {
        let outage: Vec<Document> = cable_outages()
            .into_iter()
            .filter(|d| d.id.starts_with("alexandria"))
            .collect();
        let more = [
            "Divers inspected the cables cut off Alexandria, and engineers said providers in \
             Egypt and India could expect slow internet links for another week.",
            "Egypt's telecoms regulator said the cables cut near Alexandria carried most of \
             the country's internet traffic to Europe, and providers in India agreed.",
            "Shipping records showed a vessel anchored off Alexandria when the cables were \
             cut, and engineers on the repair ship confirmed the anchor damage.",
        ];
        let more: Vec<Document> = more
            .iter()
            .enumerate()
            .map(|(i, t)| doc(&format!("alexandria-more{i}"), "", t, None))
            .collect();
        // One event stored as two stories, four reports each.
        let stored: Vec<(&Document, &str)> = outage
            .iter()
            .take(4)
            .map(|d| (d, "first"))
            .chain(outage.iter().skip(4).chain(&more).map(|d| (d, "second")))
            .collect();
        let bridge = doc(
            "bridge",
            "",
            "Engineers on the repair ship near Alexandria spliced the cables an anchor cut, and \
             providers in Egypt and India said internet traffic was recovering.",
            None,
        );
        let verdicts = restore_then_bridge(&stored, &bridge);
        for (d, _) in &stored {
            assert_eq!(verdicts[&d.id], "first", "{} rejoined the first story", d.id);
        }
        assert_eq!(verdicts["bridge"], "first");
    }

    #[test]
    fn two_look_alike_events_are_not_reunited_by_a_report_of_both() {
        let docs = cable_outages();
        let stored: Vec<(&Document, &str)> = docs
            .iter()
            .filter(|d| d.id != "seacom-copy")
            .map(|d| {
                (
                    d,
                    if d.id.starts_with("seacom") {
                        "seacom"
                    } else {
                        "alexandria"
                    },
                )
            })
            .collect();
        let bridge = doc(
            "bridge",
            "",
            "Undersea cables fail more often than users think: providers in Egypt and India \
             rerouted traffic when cables near Alexandria were cut, and providers in Kenya and \
             South Africa did the same when the Seacom cable failed at Mombasa.",
            None,
        );
        let verdicts = restore_then_bridge(&stored, &bridge);
        for (d, story) in &stored {
            assert_eq!(verdicts[&d.id], *story, "{} stays in its story", d.id);
        }
    }

    #[test]
    fn one_event_told_by_many_reports_is_not_split() {
        let mut e = engine_with_background();
        let outage: Vec<Document> = cable_outages()
            .into_iter()
            .filter(|d| d.id.starts_with("alexandria"))
            .collect();
        let extra = doc(
            "alexandria5",
            "",
            "Engineers finished splicing the second of the cables cut near Alexandria, and \
             providers in Egypt and India said internet traffic had returned to normal.",
            None,
        );
        for d in outage.iter().chain([&extra]) {
            let a = e.add(d);
            assert_eq!(a.cluster, "alexandria0");
            assert!(e.revised().is_empty(), "nothing moves: {:?}", e.revised());
        }
    }

    #[test]
    fn look_alike_events_merged_early_are_split_in_review() {
        let run = |config: Config| {
            let mut e = StoryEngine::new(config);
            e.add(&doc("budget", "", BUDGET, None));
            e.add(&doc("football", "", FOOTBALL, None));
            let mut final_story: FastMap<String, String> = FastMap::default();
            let mut moves = 0;
            for d in cable_outages() {
                let a = e.add(&d);
                final_story.insert(a.id, a.cluster);
                for r in e.revised() {
                    moves += usize::from(final_story.insert(r.id, r.cluster.clone()) != Some(r.cluster));
                }
            }
            let stories = |prefix: &str| -> Vec<String> {
                let mut v: Vec<String> = final_story
                    .iter()
                    .filter(|(id, _)| id.starts_with(prefix))
                    .map(|(_, c)| c.clone())
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            (stories("alexandria"), stories("seacom"), moves)
        };
        let (alexandria, seacom, moves) = run(Config {
            split_cut: 0.0,
            ..Config::default()
        });
        assert_eq!(alexandria, seacom, "without review the two outages share one story");
        assert_eq!(moves, 0);

        let (alexandria, seacom, moves) = run(Config::default());
        assert_eq!(alexandria, vec!["alexandria0".to_string()], "{seacom:?}");
        assert_eq!(seacom, vec!["seacom0".to_string()]);
        assert!(moves >= 2, "the earlier Seacom reports were moved: {moves}");
    }

    #[test]
    fn different_magnitudes_conflict_but_counts_do_not() {
        let mut e = StoryEngine::default();
        let quake = |e: &mut StoryEngine, text: &str| e.features(&doc("q", "", text, None));
        let first = quake(
            &mut e,
            "A magnitude 4.6 quake shook Healdsburg; 1,200 homes lost power.",
        );
        let same = quake(&mut e, "The 4.6 tremor near Healdsburg cut power to 1,500 homes.");
        let other = quake(
            &mut e,
            "A magnitude 2.0 quake struck The Geysers; 1,200 homes lost power.",
        );
        let counts_only = quake(&mut e, "Some 1,900 homes near Healdsburg lost power after the quake.");
        let mut story = Cluster::new("q".into());
        story.decimals = first.decimals.clone();
        assert_eq!(first.decimals.len(), 1, "1,200 is a count, not a decimal");
        assert!(!decimals_conflict(&same, &story));
        assert!(decimals_conflict(&other, &story));
        assert!(!decimals_conflict(&counts_only, &story), "no decimal, no evidence");
    }

    #[test]
    fn same_words_far_apart_in_time_are_different_stories() {
        let mut e = engine_with_background();
        e.add(&doc(
            "qa",
            "Earthquake in Morocco kills hundreds",
            QUAKE_A,
            Some("2023-09-08"),
        ));
        let later = e.add(&doc(
            "qb",
            "Morocco quake death toll passes 600",
            QUAKE_B,
            Some("2024-06-01"),
        ));
        assert_eq!(later.cluster, "qb");
    }

    #[test]
    fn clusters_headlines_without_bodies_or_dates() {
        let mut e = StoryEngine::default();
        let headlines = [
            ("h1", "Central bank raises interest rates to fight inflation"),
            ("h2", "Storm Ciaran batters coast of Brittany"),
            ("h3", "Inflation fight: central bank raises rates again"),
            ("h4", "Brittany coast battered as Storm Ciaran hits"),
            ("h5", "Chess champion wins title in Madrid"),
        ];
        let got: Vec<String> = headlines
            .iter()
            .map(|(id, t)| e.add(&doc(id, t, "", None)).cluster)
            .collect();
        assert_eq!(got, ["h1", "h2", "h1", "h2", "h5"]);
    }

    #[test]
    fn works_in_other_languages() {
        let mut e = StoryEngine::default();
        let a = e.add(&doc(
            "r1",
            "Наводнение в Сибири",
            "Сильное наводнение затопило деревни в Иркутской области, тысячи жителей эвакуированы спасателями МЧС.",
            None,
        ));
        let b = e.add(&doc(
            "r2",
            "Выборы в Москве",
            "В Москве прошли выборы в городскую думу, явка избирателей оказалась низкой.",
            None,
        ));
        let c = e.add(&doc(
            "r3",
            "Сибирь: наводнение",
            "Спасатели МЧС эвакуировали тысячи жителей из деревень Иркутской области после наводнения.",
            None,
        ));
        assert_eq!(
            (a.cluster.as_str(), b.cluster.as_str(), c.cluster.as_str()),
            ("r1", "r2", "r1")
        );
    }

    #[test]
    fn copies_link_to_the_earliest_original() {
        let mut e = engine_with_background();
        let original = e.add(&doc(
            "wire",
            "Quake hits Morocco",
            QUAKE_A,
            Some("2023-09-08T23:00:00Z"),
        ));
        let copy = e.add(&doc(
            "copy1",
            "Morocco earthquake",
            QUAKE_A,
            Some("2023-09-09T02:00:00Z"),
        ));
        assert_eq!(copy.copy_of.as_deref(), Some("wire"));
        assert_eq!(copy.cluster, original.cluster);
        // A copy of the copy still points at the first appearance.
        let edited = QUAKE_A.replace("late on Friday", "on Friday night");
        let second = e.add(&doc("copy2", "", &edited, Some("2023-09-09T05:00:00Z")));
        assert_eq!(second.copy_of.as_deref(), Some("wire"));
        assert!(!copy.redated && !second.redated);
    }

    #[test]
    fn a_copy_embedded_in_a_longer_page_is_found_by_containment() {
        let mut e = engine_with_background();
        e.add(&doc("wire", "Quake hits Morocco", QUAKE_A, None));
        let page = format!(
            "Home News World Sport Weather. {QUAKE_A} {BUDGET_TAIL} Read more: our live \
             coverage, the latest pictures and what we know so far. Sign up for the morning \
             newsletter. Advertisement. Follow us on social media.",
            BUDGET_TAIL = "Aid agencies appealed for blankets, tents and clean water for \
             families sleeping outdoors."
        );
        let a = e.add(&doc("portal", "", &page, None));
        assert_eq!(a.copy_of.as_deref(), Some("wire"));
        assert_eq!(a.cluster, "wire");
    }

    #[test]
    fn a_document_that_predates_its_match_is_not_its_copy() {
        let mut e = StoryEngine::default();
        e.add(&doc("late", "", QUAKE_A, Some("2023-09-10")));
        let early = e.add(&doc("early", "", QUAKE_A, Some("2023-09-08")));
        assert_eq!(early.copy_of, None);
        assert_eq!(early.cluster, "late");
    }

    #[test]
    fn copies_that_arrive_before_their_original_are_revised_to_copy_it() {
        let mut e = engine_with_background();
        e.add(&doc("mirror", "", QUAKE_A, Some("2023-09-10")));
        assert!(e.revised().is_empty());
        let recycled = e.add(&doc("recycled", "", QUAKE_A, Some("2024-03-01")));
        assert_eq!(recycled.copy_of.as_deref(), Some("mirror"));
        let wire = e.add(&doc("wire", "Quake hits Morocco", QUAKE_A, Some("2023-09-08")));
        assert_eq!(wire.copy_of, None);
        assert_eq!(wire.cluster, "mirror", "the story itself is never revised");
        let mut revised = e.revised();
        revised.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(revised.len(), 2, "{revised:?}");
        assert_eq!(revised[0].id, "mirror");
        assert_eq!(revised[0].copy_of.as_deref(), Some("wire"));
        assert!(!revised[0].redated, "two days later is not re-dated");
        assert_eq!(revised[1].id, "recycled");
        assert_eq!(revised[1].copy_of.as_deref(), Some("wire"));
        assert!(revised[1].redated);
        assert_eq!(revised[1].cluster, "mirror");

        // The revision is reported once, by the add that caused it, and a
        // later copy names the new original.
        let later = e.add(&doc("later", "", QUAKE_A, Some("2023-09-11")));
        assert!(e.revised().is_empty());
        assert_eq!(later.copy_of.as_deref(), Some("wire"));
    }

    #[test]
    fn an_undated_copy_is_not_revised_by_a_dated_original() {
        let mut e = StoryEngine::default();
        e.add(&doc("undated", "", QUAKE_A, None));
        e.add(&doc("late", "", QUAKE_A, Some("2023-09-10")));
        e.add(&doc("early", "", QUAKE_A, Some("2023-09-08")));
        let revised = e.revised();
        assert!(revised.iter().all(|a| a.id != "undated"), "{revised:?}");
    }

    #[test]
    fn same_canonical_url_is_the_same_page() {
        let mut e = StoryEngine::default();
        let mut a = doc("a", "Short note", "Brief update.", None);
        a.url = Some("https://www.example.com/news/1?utm_source=rss".into());
        let mut b = doc("b", "Short note (updated)", "Brief update, corrected.", None);
        b.url = Some("http://example.com/news/1/".into());
        e.add(&a);
        let got = e.add(&b);
        assert_eq!(got.copy_of.as_deref(), Some("a"));
        assert_eq!(got.cluster, "a");
    }

    #[test]
    fn syndicated_headlines_from_other_outlets_are_copies() {
        let mut e = engine_with_background();
        let item = |id: &str, title: &str, source: &str, date: &str| {
            let mut d = doc(id, title, "", Some(date));
            d.source = Some(source.to_string());
            d
        };
        const HEADLINE: &str = "Magnitude 6.8 earthquake strikes near Marrakesh, hundreds dead";
        let wire = e.add(&item("wire", HEADLINE, "Wire", "2023-09-08"));
        let portal = e.add(&item("portal", HEADLINE, "Portal", "2023-09-08"));
        assert_eq!(portal.copy_of.as_deref(), Some("wire"));
        assert_eq!(portal.cluster, wire.cluster);
        assert!(!portal.redated);

        // The outlet repeating itself is not a copy; it takes over as the
        // headline's original, and a headline weeks on copies nothing.
        let again = e.add(&item("wire-again", HEADLINE, "Wire", "2023-09-09"));
        assert_eq!(again.copy_of, None);
        let weeks = e.add(&item("weeks", HEADLINE, "Digest", "2023-10-01"));
        assert_eq!(weeks.copy_of, None);
        assert!(!weeks.redated);

        // Short headlines repeat by chance.
        e.add(&item("short-a", "Quake kills hundreds", "A", "2023-09-08"));
        let short = e.add(&item("short-b", "Quake kills hundreds", "B", "2023-09-08"));
        assert_eq!(short.copy_of, None);
    }

    #[test]
    fn a_fresh_copy_of_a_late_report_in_a_long_story_is_not_redated() {
        // Regression: a copy was measured against its story's first day, so
        // a same-day wire copy of a long-running story's latest report came
        // out re-dated.
        let mut e = engine_with_background();
        let assigned = |id: &str| Assignment {
            id: id.to_string(),
            cluster: "quake".to_string(),
            copy_of: None,
            redated: false,
        };
        e.restore(
            &doc("first", "Quake hits Morocco", QUAKE_A, Some("2023-09-08")),
            &assigned("first"),
        );
        e.restore(
            &doc("later", "Rescuers dig on", QUAKE_B, Some("2023-10-20")),
            &assigned("later"),
        );
        let copy = e.add(&doc("copy", "", QUAKE_B, Some("2023-10-20")));
        assert_eq!(copy.copy_of.as_deref(), Some("later"));
        assert_eq!(copy.cluster, "quake");
        assert!(!copy.redated, "{copy:?}");
        let recycled = e.add(&doc("recycled", "", QUAKE_B, Some("2024-03-01")));
        assert!(recycled.redated, "{recycled:?}");
    }

    #[test]
    fn a_copy_presented_long_after_the_story_is_redated() {
        let mut e = engine_with_background();
        e.add(&doc("wire", "Quake hits Morocco", QUAKE_A, Some("2023-09-08")));
        let fresh = e.add(&doc("fresh", "", QUAKE_A, Some("2023-09-20")));
        let old_news = e.add(&doc("old", "BREAKING: quake", QUAKE_A, Some("2024-02-01")));
        assert!(!fresh.redated);
        assert!(old_news.redated);
        assert_eq!(old_news.copy_of.as_deref(), Some("wire"));
        assert_eq!(old_news.cluster, "wire");
        assert_eq!(old_news.provenance(), model::Provenance::Redated);
    }

    #[test]
    fn same_input_gives_same_output() {
        let stream = || {
            vec![
                doc("1", "Norway approves budget", BUDGET, Some("2023-09-05")),
                doc("2", "Earthquake in Morocco", QUAKE_A, Some("2023-09-08")),
                doc("3", "Barcelona beat Sevilla", FOOTBALL, None),
                doc("4", "Morocco quake toll rises", QUAKE_B, Some("2023-09-09")),
                doc("5", "", QUAKE_A, Some("2023-09-10")),
                doc("6", "Budget talks in Oslo", "", None),
            ]
        };
        let run = || {
            let mut e = StoryEngine::default();
            let assignments: Vec<Assignment> = stream().iter().map(|d| e.add(d)).collect();
            let related = e.related("2", 3);
            (assignments, related)
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn repeated_id_returns_the_first_verdict() {
        let mut e = StoryEngine::default();
        let first = e.add(&doc("x", "Budget", BUDGET, None));
        let again = e.add(&doc("x", "Football", FOOTBALL, None));
        assert_eq!(first, again);
    }

    #[test]
    fn restore_rebuilds_state_without_deciding() {
        let mut e = StoryEngine::default();
        let stored = Assignment {
            id: "old".into(),
            cluster: "story-7".into(),
            copy_of: None,
            redated: false,
        };
        e.restore(&doc("old", "Quake hits Morocco", QUAKE_A, Some("2023-09-08")), &stored);
        let copy = e.add(&doc("new", "", QUAKE_A, Some("2023-09-09")));
        assert_eq!(copy.cluster, "story-7");
        assert_eq!(copy.copy_of.as_deref(), Some("old"));
        let near = e.add(&doc("b", "Morocco quake toll", QUAKE_B, Some("2023-09-09")));
        assert_eq!(near.cluster, "story-7");
    }

    #[test]
    fn same_story_in_another_language_joins_on_shared_names_and_numbers() {
        let mut e = engine_with_background();
        let en1 = "Dockworkers in the port of Vellmar walked out on Tuesday, and 3,450 members of \
            the Brandvik Union said the stoppage at the Orskhaven terminal would last 48 hours. \
            Union leader Tomas Reykel said the operator Nordalis wanted to automate 12.5 percent of \
            the cranes without talks.";
        let en2 = "The strike at Vellmar's Orskhaven terminal entered its first night as Nordalis \
            refused to meet the Brandvik Union. Tomas Reykel told a rally that all 3,450 \
            dockworkers would stay out for the full 48 hours over the automation plan.";
        let de = "Im Hafen von Vellmar haben am Dienstag 3.450 Hafenarbeiter die Arbeit \
            niedergelegt. Die Gewerkschaft Brandvik kündigte an, der Ausstand am Terminal \
            Orskhaven werde 48 Stunden dauern. Gewerkschaftschef Tomas Reykel wirft dem \
            Betreiber Nordalis vor, 12,5 Prozent der Kräne ohne Gespräche automatisieren zu wollen.";
        let de_other = "In Lindau hat der Stadtrat am Dienstag einen neuen Haushalt beschlossen. \
            Bürgermeisterin Greta Hollweg sagte, die Mittel für Schulen und Busse würden um 7,5 \
            Prozent steigen, die Gebühren für Parkplätze dagegen sinken.";
        let mut german = doc("de", "Hafenstreik in Vellmar", de, Some("2024-04-10"));
        german.language = Some("de".into());
        let mut german_other = doc("de2", "Lindau beschließt Haushalt", de_other, Some("2024-04-10"));
        german_other.language = Some("de".into());
        e.add(&doc("en1", "Vellmar dockworkers strike", en1, Some("2024-04-09")));
        e.add(&doc("en2", "Strike at Orskhaven terminal", en2, Some("2024-04-09")));
        assert_eq!(e.add(&german).cluster, "en1");
        assert_eq!(e.add(&german_other).cluster, "de2", "no shared names, no join");
    }

    #[test]
    fn a_late_report_of_old_events_is_redated_to_its_story() {
        let mut e = engine_with_background();
        let original = "The regional court in Halvor ordered the Tessaly Mills paper plant closed \
            in early October after inspectors found toxic sludge in the Vendra river. A good ten \
            days ago, fishermen near Corvel reported thousands of dead trout downstream. Owner \
            Magnus Oberlin, who bought the plant in 2018, said he would appeal the ruling.";
        let late = "Thousands of dead trout were found by fishermen near Corvel a good ten days \
            ago, and in early October the regional court in Halvor shut the Tessaly Mills paper \
            plant over toxic sludge in the Vendra river. Magnus Oberlin, owner since 2018, \
            plans to appeal against the closure, according to his lawyers.";
        let first = e.add(&doc(
            "orig",
            "Court shuts Tessaly Mills plant",
            original,
            Some("2021-10-18"),
        ));
        assert!(!first.redated);
        let again = e.add(&doc(
            "late",
            "Paper plant closed after river poisoning",
            late,
            Some("2023-02-02"),
        ));
        assert_eq!(again.copy_of, None, "a rewrite, not a copy");
        assert!(again.redated);
        assert_eq!(again.cluster, "orig");
        assert_eq!(again.provenance(), model::Provenance::Redated);
    }

    #[test]
    fn a_fresh_follow_up_with_recent_dates_is_not_redated() {
        let mut e = engine_with_background();
        let text = "The regional court in Halvor on Monday heard the appeal of Magnus Oberlin, \
            owner of the Tessaly Mills plant, against its closure last week.";
        let got = e.add(&doc("fresh", "Oberlin appeals", text, Some("2023-02-02")));
        assert!(!got.redated);
    }

    #[test]
    fn memory_is_released_for_stories_out_of_the_window() {
        let mut e = StoryEngine::new(Config {
            keep_arrivals: 50,
            ..Config::default()
        });
        // Two years of daily, unrelated stories: the state after the second
        // year is no larger than after the first.
        let start: chrono::NaiveDate = "2022-01-01".parse().expect("date");
        let mut after_one_year = EngineStats::default();
        for day in 0..730u64 {
            let date = start + chrono::Days::new(day);
            let text = format!(
                "Officials in Town{day} said the Project{day} bridge would close for repairs, \
                 affecting commuters on Route{day} while engineers from Firm{day} inspect cables \
                 and bearings over the coming weeks."
            );
            e.add(&doc(
                &format!("d{day}"),
                &format!("Bridge {day} closes"),
                &text,
                Some(&date.to_string()),
            ));
            if day == 500 {
                after_one_year = e.stats();
            }
        }
        let stats = e.stats();
        eprintln!("{after_one_year:?}\n{stats:?}");
        assert_eq!(stats.documents_seen, 730);
        let grew = |a: usize, b: usize| b as f64 / a.max(1) as f64;
        assert!(grew(after_one_year.stories_live, stats.stories_live) < 1.3, "{stats:?}");
        assert!(
            grew(after_one_year.documents_held, stats.documents_held) < 1.3,
            "{stats:?}"
        );
        assert!(grew(after_one_year.terms, stats.terms) < 1.3, "{stats:?}");
        assert!(
            grew(after_one_year.postings_entries, stats.postings_entries) < 1.3,
            "{stats:?}"
        );
        assert!(stats.documents_held < 600 && stats.stories_archived > 0, "{stats:?}");
        // A word-for-word copy of a story still held is found after its eviction.
        let old_text = "Officials in Town500 said the Project500 bridge would close for repairs, \
            affecting commuters on Route500 while engineers from Firm500 inspect cables and \
            bearings over the coming weeks.";
        let copy = e.add(&doc("copy", "", old_text, Some("2024-01-05")));
        assert_eq!(copy.copy_of.as_deref(), Some("d500"));
        assert!(copy.redated);
    }

    /// Two stories a year apart, as an archive in file-name order delivers
    /// them: each outlet's folder runs through both years.
    fn out_of_order_archive() -> Vec<Document> {
        let mut docs = Vec::new();
        let reports = [(QUAKE_A, "2023-09-08"), (QUAKE_B, "2023-09-09")];
        for (outlet, (report, date)) in ["Ardent", "Bellpost"].iter().zip(reports) {
            docs.push(doc(&format!("{outlet}-quake"), "Quake in Morocco", report, Some(date)));
            for k in 0..15 {
                let text = format!(
                    "The Haldor{k} council of {outlet} approved the Vessin{k} budget on Tuesday after \
                     a long debate over the Torrin{k} tram line, which {outlet} officials said would \
                     open in {year}.",
                    year = 2026 + k
                );
                docs.push(doc(
                    &format!("{outlet}-budget{k}"),
                    "Budget passed",
                    &text,
                    Some("2024-10-01"),
                ));
            }
        }
        docs
    }

    fn assert_quakes_together(verdicts: &[Assignment]) {
        let quakes: Vec<&str> = verdicts
            .iter()
            .filter(|a| a.id.ends_with("-quake"))
            .map(|a| a.cluster.as_str())
            .collect();
        assert_eq!(quakes.len(), 2);
        assert_eq!(quakes[0], quakes[1], "the two quake reports split");
    }

    #[test]
    fn an_archive_out_of_date_order_still_groups_its_stories() {
        let mut e = engine_with_background();
        let verdicts: Vec<Assignment> = out_of_order_archive().iter().map(|d| e.add(d)).collect();
        assert_quakes_together(&verdicts);
    }

    #[test]
    fn a_document_far_behind_the_stream_finds_its_archived_story() {
        // Stories leave the window at once here, as they do in a long
        // stream: the late quake reports must find the archived story.
        let mut e = StoryEngine::new(Config {
            keep_arrivals: 0,
            ..Config::default()
        });
        let mut archived = 0;
        let mut verdicts = Vec::new();
        for d in out_of_order_archive() {
            verdicts.push(e.add(&d));
            archived = archived.max(e.stats().stories_archived);
        }
        assert!(archived > 0, "the quake story was never archived");
        assert_quakes_together(&verdicts);
        assert!(
            verdicts.iter().all(|a| !a.redated),
            "same-time reports are not re-dated"
        );
    }

    #[test]
    fn related_stories_exclude_the_story_itself() {
        let mut e = engine_with_background();
        // Restored verdicts keep the two quakes apart, whatever clustering
        // would decide on so small a corpus.
        let own = |id: &str| Assignment {
            id: id.into(),
            cluster: id.into(),
            copy_of: None,
            redated: false,
        };
        let morocco = doc("qa", "Earthquake in Morocco", QUAKE_A, Some("2023-09-08"));
        e.restore(&morocco, &own("qa"));
        let herat = "A magnitude 6.3 earthquake struck western Afghanistan near the city \
            of Herat on Sunday, killing at least 120 people and flattening mud-brick houses in \
            the villages of Zindajan district. Taliban officials said rescue teams were still \
            searching the rubble and that the death toll was expected to rise.";
        let afghanistan = doc("af", "Earthquake in Afghanistan", herat, Some("2023-09-10"));
        e.restore(&afghanistan, &own("af"));
        // Another earthquake the same week is the closest related story.
        assert_eq!(e.related("af", 5).first().map(String::as_str), Some("qa"));
        assert_eq!(e.related("qa", 5).first().map(String::as_str), Some("af"));
        assert!(!e.related("af", 5).contains(&"af".to_string()));
        assert!(e.related("no-such-story", 5).is_empty());
        assert!(e.related("qa", 0).is_empty());
    }
}
