//! Stories as the engine holds them: the record of one story and its recent
//! members, and how a document joins one or a story is rebuilt from its
//! members.

use std::collections::VecDeque;

use model::Document;
use serde::{Deserialize, Serialize};

use super::scoring::DateRange;
use super::{language_bit, DocRecord, Features, StoryEngine, ANCHOR_TERMS, LEADING_NAMES, RECENT_DATES};
use crate::terms::{self, Fields, Sparse, Vocabulary};

/// Names whose counts a story keeps (see `Story::name_counts`): room for
/// four documents' worth of leading names, so that the protagonist, whom
/// most members repeat, stays while names that come and go compete for the
/// rest.
const STORY_NAMES: usize = 4 * LEADING_NAMES;
/// Decimal figures remembered per story.
const MAX_STORY_DECIMALS: usize = 64;

/// One story: its key and the summed term vectors of its members.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Story {
    pub(super) key: String,
    pub(super) first_published: Option<i64>,
    pub(super) last_published: Option<i64>,
    pub(super) last_arrival: u64,
    pub(super) title: Sparse,
    pub(super) body: Sparse,
    pub(super) names: Sparse,
    pub(super) anchors: Sparse,
    /// The latest members' own vectors: a story that drifts or merges two
    /// threads has a blurred centroid, but its members stay sharp.
    pub(super) members: VecDeque<Member>,
    /// IDF-weighted norms of `title`, `body` and `names`. They are refreshed
    /// whenever the story changes and at every sweep, not at every
    /// comparison: between sweeps the IDF moves too little to matter, and
    /// recomputing a thousand-term centroid's norm per comparison was the
    /// largest single cost of clustering.
    pub(super) norms: Fields<f32>,
    /// Bit set of member languages (ids above 63 share the last bit).
    pub(super) languages: u64,
    /// Out of the window: only the key, dates and digest remain.
    pub(super) evicted: bool,
    /// The heaviest terms, kept after eviction to recognise late reports.
    pub(super) digest: Sparse,
    /// Documents still held that belong to this story.
    pub(super) held_docs: u32,
    /// How often members' texts repeat each of their leading names, by
    /// term, and how many members with a body contributed: the story's
    /// protagonist is the name its members repeat most.
    pub(super) name_counts: Sparse,
    pub(super) bodies: u32,
    /// Members' decimal numbers (see `Features::decimals`), sorted, capped.
    pub(super) decimals: Vec<u32>,
    /// Documents ever placed in the story: while it is at most
    /// `Config::review_members`, `members` holds them all.
    pub(super) size: u32,
    /// How many members' headlines hold each term (see
    /// `Features::headline`), and how many members had one: the
    /// profile a short document is judged against.
    pub(super) headline_terms: Sparse,
    pub(super) headlined: u32,
}

impl Story {
    pub(super) fn new(key: String) -> Self {
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
            norms: Fields::default(),
            languages: 0,
            evicted: false,
            digest: Vec::new(),
            held_docs: 0,
            name_counts: Vec::new(),
            bodies: 0,
            decimals: Vec::new(),
            size: 0,
            headline_terms: Vec::new(),
            headlined: 0,
        }
    }

    /// The summed title, body and names vectors of its members.
    pub(super) fn centroid(&self) -> Fields<&Sparse> {
        Fields {
            title: &self.title,
            body: &self.body,
            names: &self.names,
        }
    }

    /// Adds a member to the story's sums, vectors, languages, name counts,
    /// decimal figures and dates, without pruning: [`StoryEngine::insert`]
    /// adds each new document so, [`StoryEngine::rebuild`] every member.
    pub(super) fn add_to_sums(&mut self, m: &Contribution) {
        terms::add_into(&mut self.title, m.fields.title);
        terms::add_into(&mut self.body, m.fields.body);
        terms::add_into(&mut self.names, m.fields.names);
        terms::add_into(&mut self.anchors, m.anchors);
        self.languages |= language_bit(m.language);
        if !m.headline.is_empty() {
            self.headlined += 1;
            let ones: Sparse = m.headline.iter().map(|&t| (t, 1.0)).collect();
            terms::add_into(&mut self.headline_terms, &ones);
        }
        if m.has_body {
            self.bodies += 1;
            let mut counts: Sparse = m.leading_names.iter().map(|&(t, n)| (t, n as f32)).collect();
            counts.sort_unstable_by_key(|e| e.0);
            terms::add_into(&mut self.name_counts, &counts);
        }
        if self.decimals.len() < MAX_STORY_DECIMALS && !m.decimals.is_empty() {
            let mut decimals = std::mem::take(&mut self.decimals);
            decimals.extend_from_slice(m.decimals);
            decimals.sort_unstable();
            decimals.dedup();
            self.decimals = terms::fitted(decimals);
        }
        if let Some(p) = m.published {
            self.first_published = Some(self.first_published.map_or(p, |f| f.min(p)));
            self.last_published = Some(self.last_published.map_or(p, |l| l.max(p)));
        }
    }

    /// Prunes the summed vectors to `cap` terms and the name counts to
    /// [`STORY_NAMES`], and refreshes the norms.
    pub(super) fn prune_sums(&mut self, cap: usize, vocab: &Vocabulary) {
        for v in [
            &mut self.title,
            &mut self.body,
            &mut self.names,
            &mut self.anchors,
            &mut self.headline_terms,
        ] {
            terms::prune(v, cap);
        }
        terms::prune(&mut self.name_counts, STORY_NAMES);
        self.norms = self.centroid().map(|v| terms::weighted_norm(v, vocab));
    }

    /// Gives back the room its members' deque has beyond `cap` members: a
    /// story held up to `Config::review_members` while it was open, and
    /// keeps far fewer once it is closed, for as long as it stays in the
    /// window.
    pub(super) fn fit_members(&mut self, cap: usize) {
        if self.members.capacity() > 2 * cap.max(self.members.len()).max(1) {
            self.members.shrink_to(cap.max(self.members.len()));
        }
    }

    /// The published dates its members span.
    pub(super) fn dates(&self) -> DateRange {
        DateRange {
            first: self.first_published,
            last: self.last_published,
        }
    }

    /// The members compared with a new document: the latest `kept`.
    pub(super) fn recent_members(&self, kept: usize) -> impl Iterator<Item = &Member> {
        self.members.iter().skip(self.members.len().saturating_sub(kept))
    }

    /// Open to review: every member is still held in full.
    pub(super) fn open(&self, review_members: usize) -> bool {
        self.size as usize <= review_members && self.members.len() == self.size as usize
    }
}

/// One recent member of a story: its title, body and names vectors, with
/// their IDF-weighted norms (refreshed like [`Story::norms`]), and what
/// else its story sums, so that a story split in review can be rebuilt from
/// its members.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Member {
    pub(super) doc: u32,
    pub(super) fields: Fields<Sparse>,
    pub(super) norms: Fields<f32>,
    pub(super) anchors: Sparse,
    pub(super) leading_names: Vec<(u32, u32)>,
    pub(super) has_body: bool,
    pub(super) decimals: Vec<u32>,
    pub(super) language: Option<u32>,
    pub(super) published: Option<i64>,
    pub(super) arrival: u64,
    /// A short document (see `Features::short`).
    pub(super) short: bool,
    /// Its headline terms (see `Features::headline`).
    pub(super) headline: Vec<u32>,
}

impl Member {
    pub(super) fn contribution(&self) -> Contribution<'_> {
        Contribution {
            fields: self.fields.as_ref(),
            anchors: &self.anchors,
            leading_names: &self.leading_names,
            has_body: self.has_body,
            decimals: &self.decimals,
            language: self.language,
            published: self.published,
            headline: &self.headline,
        }
    }
}

/// What a member adds to its story's sums (see [`Story::add_to_sums`]),
/// borrowed from a new document's features or from a member held.
pub(super) struct Contribution<'a> {
    fields: Fields<&'a Sparse>,
    anchors: &'a Sparse,
    leading_names: &'a [(u32, u32)],
    has_body: bool,
    decimals: &'a [u32],
    language: Option<u32>,
    published: Option<i64>,
    headline: &'a [u32],
}

impl StoryEngine {
    pub(super) fn new_story(&mut self, key: String) -> u32 {
        let index = self.next_story;
        self.next_story = self.next_story.wrapping_add(1);
        self.story_by_key.insert(key.clone(), index);
        self.stories.insert(index, Story::new(key));
        index
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert(
        &mut self,
        doc: &Document,
        published: Option<i64>,
        f: Features,
        story_id: u32,
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
            if self.recent_dates.len() == RECENT_DATES {
                self.recent_dates.pop_front();
            }
            self.recent_dates.push_back(p);
            self.refresh_short_window();
        }

        let query = Self::combined(&f);
        for (_, term) in self.heaviest(&query, self.config.query_terms) {
            self.term_postings.insert(u64::from(term), story_id);
        }
        for (_, term) in self.heaviest(&f.anchors, ANCHOR_TERMS) {
            self.term_postings.insert(u64::from(term), story_id);
        }
        for (_, term) in self.heaviest(&f.entities, ANCHOR_TERMS) {
            self.term_postings.insert(u64::from(term), story_id);
        }

        let cap = self.config.centroid_terms;
        let members_kept = self.config.members_kept;
        let review_members = self.config.review_members;
        let story = self.stories.get_mut(&story_id).expect("story of a new document exists");
        story.evicted = false;
        story.digest = Vec::new();
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
        story.fit_members(member_cap);
        story.size += 1;
        story.add_to_sums(&Contribution {
            fields: f.fields(),
            anchors: &f.anchors,
            leading_names: &f.leading_names,
            has_body: !f.body.is_empty(),
            decimals: &f.decimals,
            language: f.language,
            published,
            headline: &f.headline,
        });
        story.prune_sums(cap, &self.vocab);
        story.last_arrival = self.arrivals;
        story.held_docs += 1;
        // The member takes the document's vectors whole: they are not
        // needed after this, and copying them cost an allocation each.
        // Those built by pushing are moved into blocks of their own size
        // (see `terms::fitted`), since the member holds them for long.
        if member_cap > 0 {
            let has_body = !f.body.is_empty();
            let fields = Fields {
                title: terms::fitted(f.title),
                body: terms::fitted(f.body),
                names: terms::fitted(f.names),
            };
            let norms = fields.as_ref().map(|v| terms::weighted_norm(v, &self.vocab));
            story.members.push_back(Member {
                doc: index,
                fields,
                norms,
                anchors: terms::fitted(f.anchors),
                leading_names: terms::fitted(f.leading_names),
                has_body,
                decimals: terms::fitted(f.decimals),
                language: f.language,
                published,
                arrival: self.arrivals,
                short: f.short,
                headline: terms::fitted(f.headline),
            });
        }

        self.doc_by_id.insert(doc.id.clone(), index);
        self.digests.insert(index, &f.signature, f.samples.len());
        self.docs.insert(
            index,
            DocRecord {
                id: doc.id.clone(),
                published,
                arrival: self.arrivals,
                story: story_id,
                copy_of,
                copy_of_doc,
                redated,
                copies: Vec::new(),
                signature: terms::fitted(f.signature),
                samples: terms::fitted(f.samples),
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

    /// Recomputes a live story's sums, norms, dates and counts from its
    /// members, which an open story holds in full.
    pub(super) fn rebuild(&mut self, id: u32) {
        let cap = self.config.centroid_terms;
        let vocab = &self.vocab;
        let docs = &self.docs;
        let Some(story) = self.stories.get_mut(&id) else {
            return;
        };
        story.title.clear();
        story.body.clear();
        story.names.clear();
        story.anchors.clear();
        story.name_counts.clear();
        story.decimals.clear();
        story.languages = 0;
        story.bodies = 0;
        story.headline_terms.clear();
        story.headlined = 0;
        story.first_published = None;
        story.last_published = None;
        let members = std::mem::take(&mut story.members);
        for m in &members {
            story.add_to_sums(&m.contribution());
        }
        story.members = members;
        story.prune_sums(cap, vocab);
        story.last_arrival = story.members.iter().map(|m| m.arrival).max().unwrap_or(0);
        story.size = story.members.len() as u32;
        story.held_docs = story.members.iter().filter(|m| docs.contains_key(&m.doc)).count() as u32;
    }
}
