//! What the engine's state weighs in memory, part by part, estimated from
//! the capacities of its maps and lists (what the allocator handed out, not
//! what is in use). An operator sees it in `ravenwire check`; a benchmark
//! sees which part grows.

use std::collections::{HashMap, VecDeque};
use std::mem::size_of;

use super::story::{Member, Story};
use super::{DocRecord, StoryEngine};
use crate::terms::{Fields, Sparse};

/// Estimated heap bytes of the engine's state, by part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryUse {
    /// Held documents' records: signatures, keys, copy links.
    pub documents: usize,
    /// Held documents' containment samples.
    pub samples: usize,
    /// Lookups from a document's id, URL, fingerprint and headline.
    pub lookups: usize,
    /// LSH band postings (resemblance candidates).
    pub band_postings: usize,
    /// Containment sample postings.
    pub sample_postings: usize,
    /// Term postings of live stories and digest postings of archived ones.
    pub story_postings: usize,
    /// Stories: centroids, members' vectors, digests.
    pub stories: usize,
    /// The vocabulary and its per-term statistics.
    pub vocabulary: usize,
}

impl MemoryUse {
    pub fn total(&self) -> usize {
        self.documents
            + self.samples
            + self.lookups
            + self.band_postings
            + self.sample_postings
            + self.story_postings
            + self.stories
            + self.vocabulary
    }
}

/// A hash map's table: hashbrown keeps buckets at a power of two, at most
/// seven eighths full, with one control byte each.
pub(crate) fn map_bytes<K, V, S>(map: &HashMap<K, V, S>) -> usize {
    let capacity = map.capacity();
    if capacity == 0 {
        return 0;
    }
    let buckets = (capacity * 8 / 7).next_power_of_two();
    buckets * (size_of::<(K, V)>() + 1)
}

pub(crate) fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * size_of::<T>()
}

pub(crate) fn deque_bytes<T>(v: &VecDeque<T>) -> usize {
    v.capacity() * size_of::<T>()
}

fn fields_bytes(f: &Fields<Sparse>) -> usize {
    vec_bytes(&f.title) + vec_bytes(&f.body) + vec_bytes(&f.names)
}

impl DocRecord {
    fn heap_bytes(&self) -> usize {
        self.id.capacity()
            + self.copy_of.as_ref().map_or(0, String::capacity)
            + vec_bytes(&self.copies)
            + vec_bytes(&self.signature)
    }
}

impl Member {
    fn heap_bytes(&self) -> usize {
        fields_bytes(&self.fields)
            + vec_bytes(&self.anchors)
            + vec_bytes(&self.leading_names)
            + vec_bytes(&self.decimals)
            + vec_bytes(&self.headline)
    }
}

impl Story {
    fn heap_bytes(&self) -> usize {
        self.key.capacity()
            + vec_bytes(&self.title)
            + vec_bytes(&self.body)
            + vec_bytes(&self.names)
            + vec_bytes(&self.anchors)
            + deque_bytes(&self.members)
            + self.members.iter().map(Member::heap_bytes).sum::<usize>()
            + vec_bytes(&self.digest)
            + vec_bytes(&self.name_counts)
            + vec_bytes(&self.decimals)
            + vec_bytes(&self.headline_terms)
    }
}

impl StoryEngine {
    /// Estimated heap bytes of the engine's state, by part.
    pub fn memory(&self) -> MemoryUse {
        let strings: usize = self.doc_by_id.keys().map(String::capacity).sum();
        MemoryUse {
            documents: map_bytes(&self.docs)
                + self.docs.values().map(DocRecord::heap_bytes).sum::<usize>()
                + self.digests.heap_bytes(),
            samples: self.docs.values().map(|d| vec_bytes(&d.samples)).sum(),
            lookups: map_bytes(&self.doc_by_id)
                + strings
                + map_bytes(&self.doc_by_url)
                + map_bytes(&self.doc_by_fingerprint)
                + map_bytes(&self.doc_by_headline),
            band_postings: self.band_postings.heap_bytes(),
            sample_postings: self.sample_postings.heap_bytes(),
            story_postings: self.term_postings.heap_bytes() + self.archive_postings.heap_bytes(),
            stories: map_bytes(&self.stories)
                + self.stories.values().map(Story::heap_bytes).sum::<usize>()
                + map_bytes(&self.story_by_key)
                + self.story_by_key.keys().map(String::capacity).sum::<usize>(),
            vocabulary: self.vocab.heap_bytes() + map_bytes(&self.stem_cache),
        }
    }
}
