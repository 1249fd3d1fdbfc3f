//! Near-duplicate detection: MinHash signatures with LSH banding for
//! resemblance, and modulus-sampled shingles for containment (a wire story
//! embedded in a longer page has low resemblance to the original but is
//! almost wholly contained in it).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::hash::{hash_bytes, mix64, FastMap};

/// Hashes of every run of `size` consecutive words. A text shorter than
/// `size` yields one shingle of all its words, so short texts still compare.
/// Each word is hashed once and a shingle chains its words' hashes, rather
/// than hashing every word's bytes again in each of the `size` shingles it
/// belongs to.
pub(crate) fn shingles(words: &[&str], size: usize) -> Vec<u64> {
    let size = size.max(1);
    if words.is_empty() {
        return Vec::new();
    }
    let word_hashes: Vec<u64> = words.iter().map(|w| hash_bytes(w.as_bytes(), 0x5417_0001)).collect();
    let mut out: Vec<u64> = word_hashes
        .windows(size.min(words.len()))
        .map(|window| {
            window
                .iter()
                .fold(0x5417_0002u64, |h, &word| mix64(h.rotate_left(17) ^ word))
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The MinHash signature: for each of `perms` seeded permutations, the
/// least permuted shingle. Two signatures agree at a position with
/// probability equal to the Jaccard resemblance of the shingle sets. The
/// shingle hashes are already uniformly mixed, so each permutation is a
/// seeded xor and an odd multiply, keeping the top 32 bits (multiply-shift
/// hashing), a third of the cost of a full mixer per shingle and
/// permutation. 32 bits suffice: chance agreements at 2^-32 do not move the
/// estimate, and the signature is what the long provenance horizon stores.
pub(crate) fn signature(shingles: &[u64], perms: usize) -> Vec<u32> {
    let params: Vec<(u64, u64)> = (0..perms)
        .map(|i| {
            let seed = mix64(0x9e37_79b9_7f4a_7c15 ^ i as u64);
            (seed, mix64(seed) | 1)
        })
        .collect();
    let mut minima = vec![u32::MAX; perms];
    for &s in shingles {
        for (min, &(xor, multiplier)) in minima.iter_mut().zip(&params) {
            let h = ((s ^ xor).wrapping_mul(multiplier) >> 32) as u32;
            *min = (*min).min(h);
        }
    }
    minima
}

/// One key per LSH band: documents sharing a key are resemblance candidates.
pub(crate) fn band_keys(signature: &[u32], bands: usize) -> Vec<u64> {
    if signature.is_empty() || bands == 0 {
        return Vec::new();
    }
    let rows = (signature.len() / bands).max(1);
    signature
        .chunks(rows)
        .enumerate()
        .map(|(band, chunk)| {
            let mut h = mix64(band as u64 + 1);
            for &v in chunk {
                h = mix64(h ^ u64::from(v));
            }
            h
        })
        .collect()
}

pub(crate) fn estimated_resemblance(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// Shingles whose hash is 0 mod `modulus`. Sampling by value (not position)
/// keeps the same shingles in every document, so overlaps of samples
/// estimate overlaps of the full sets, containment included.
pub(crate) fn sample(shingles: &[u64], modulus: u64) -> Vec<u64> {
    let modulus = modulus.max(1);
    shingles.iter().copied().filter(|s| s % modulus == 0).collect()
}

/// Share of the smaller of two sample sets, of `a` and `b` samples, found
/// in the other, given the `shared` samples they hold in common; 0 when the
/// smaller has fewer than `min_samples`, too few to tell.
pub(crate) fn containment(shared: usize, a: usize, b: usize, min_samples: usize) -> f64 {
    let smaller = a.min(b);
    if smaller < min_samples.max(1) {
        return 0.0;
    }
    shared as f64 / smaller as f64
}

/// Sorts document numbers by their offset from the smallest, a radix digit
/// of 11 bits at a time: two passes while the numbers span fewer than four
/// million documents, as the held ones do. Copy detection sorts the sample
/// postings of each new document, some fifteen thousand numbers at a
/// million articles, and a comparison sort of them was a tenth of the
/// engine's time.
/// `spare` is scratch space for the passes.
pub(crate) fn sort_doc_numbers(numbers: &mut Vec<u32>, spare: &mut Vec<u32>) {
    const BITS: u32 = 11;
    const DIGITS: usize = 1 << BITS;
    const MASK: u32 = (1 << BITS) - 1;
    let (Some(&min), Some(&max)) = (numbers.iter().min(), numbers.iter().max()) else {
        return;
    };
    if numbers.len() < 512 {
        numbers.sort_unstable();
        return;
    }
    let passes = (u32::BITS - (max - min).leading_zeros()).div_ceil(BITS);
    spare.clear();
    spare.resize(numbers.len(), 0);
    let (mut from, mut to) = (numbers, spare);
    for pass in 0..passes {
        let digit = |n: u32| (((n - min) >> (pass * BITS)) & MASK) as usize;
        let mut starts = [0usize; DIGITS];
        for &n in from.iter() {
            starts[digit(n)] += 1;
        }
        let mut total = 0;
        for start in starts.iter_mut() {
            let count = *start;
            *start = total;
            total += count;
        }
        for &n in from.iter() {
            let slot = &mut starts[digit(n)];
            to[*slot] = n;
            *slot += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    if passes % 2 == 1 {
        std::mem::swap(from, to);
    }
}

/// Key → recent documents, each list capped so that a boilerplate paragraph
/// shared by thousands of pages costs no more than a rare one.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct CappedPostings {
    lists: FastMap<u64, Postings>,
    cap: usize,
}

/// One key's documents. Most keys (shingle samples, LSH bands, rare terms)
/// only ever see one document, so that one is held inline: a heap list per
/// key made allocation the engine's largest cost. The rare longer list is
/// boxed, so that a key costs its table 16 bytes rather than 32: at a
/// million articles the band and sample tables hold tens of millions.
#[derive(Debug, Serialize, Deserialize)]
enum Postings {
    One(u32),
    #[allow(clippy::box_collection)] // the box is the point: see above
    Many(Box<VecDeque<u32>>),
}

impl CappedPostings {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            lists: FastMap::default(),
            cap: cap.max(1),
        }
    }

    pub(crate) fn insert(&mut self, key: u64, doc: u32) {
        let cap = self.cap;
        match self.lists.entry(key) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Postings::One(doc));
            }
            std::collections::hash_map::Entry::Occupied(mut slot) => match slot.get_mut() {
                Postings::One(first) if *first == doc => {}
                Postings::One(_) if cap == 1 => {
                    slot.insert(Postings::One(doc));
                }
                Postings::One(first) => {
                    let mut list = VecDeque::with_capacity(4);
                    list.push_back(*first);
                    list.push_back(doc);
                    slot.insert(Postings::Many(Box::new(list)));
                }
                Postings::Many(list) => {
                    if list.back() == Some(&doc) {
                        return;
                    }
                    if list.len() == cap {
                        list.pop_front();
                    }
                    list.push_back(doc);
                }
            },
        }
    }

    pub(crate) fn get(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        let (one, many) = match self.lists.get(&key) {
            Some(Postings::One(d)) => (Some(*d), None),
            Some(Postings::Many(list)) => (None, Some(list)),
            None => (None, None),
        };
        one.into_iter()
            .chain(many.into_iter().flat_map(|list| list.iter()).copied())
    }

    pub(crate) fn remove(&mut self, key: u64) {
        self.lists.remove(&key);
    }

    /// Drops the entries `keep` rejects, and keys left with none.
    pub(crate) fn retain(&mut self, keep: impl Fn(u32) -> bool) {
        self.lists.retain(|_, postings| match postings {
            Postings::One(d) => keep(*d),
            Postings::Many(list) => {
                list.retain(|&d| keep(d));
                match list.len() {
                    0 => false,
                    1 => {
                        *postings = Postings::One(list[0]);
                        true
                    }
                    _ => true,
                }
            }
        });
    }

    /// Estimated heap bytes: the table, and the lists of keys with several.
    pub(crate) fn heap_bytes(&self) -> usize {
        let lists: usize = self
            .lists
            .values()
            .map(|p| match p {
                Postings::One(_) => 0,
                Postings::Many(list) => size_of::<VecDeque<u32>>() + crate::engine::memory::deque_bytes(list),
            })
            .sum();
        crate::engine::memory::map_bytes(&self.lists) + lists
    }

    /// Keys and entries held, for reporting memory use.
    pub(crate) fn size(&self) -> (usize, usize) {
        let entries = self
            .lists
            .values()
            .map(|p| match p {
                Postings::One(_) => 1,
                Postings::Many(list) => list.len(),
            })
            .sum();
        (self.lists.len(), entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radix_sorted_document_numbers_match_a_comparison_sort() {
        let mut counter = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            counter += 1;
            crate::hash::mix64(counter)
        };
        // Short lists, spans of one, two and three digits, and the extremes.
        for (len, span) in [
            (0, 1),
            (1, 1),
            (100, 50),
            (600, 1),
            (5_000, 2_000),
            (20_000, 3_000_000),
            (9_000, u32::MAX),
        ] {
            let base = if span == u32::MAX { 0 } else { 1_000_000 };
            let mut numbers: Vec<u32> = (0..len).map(|_| base + (next() % u64::from(span)) as u32).collect();
            if span == u32::MAX && len > 1 {
                numbers[0] = 0;
                numbers[1] = u32::MAX;
            }
            let mut expected = numbers.clone();
            expected.sort_unstable();
            sort_doc_numbers(&mut numbers, &mut Vec::new());
            assert_eq!(numbers, expected, "{len} numbers over {span}");
        }
    }

    #[test]
    fn a_key_costs_its_table_sixteen_bytes_of_postings() {
        assert!(size_of::<Postings>() <= 16, "{}", size_of::<Postings>());
    }

    /// Samples two sorted, de-duplicated lists share.
    fn shared(a: &[u64], b: &[u64]) -> usize {
        a.iter().filter(|x| b.binary_search(x).is_ok()).count()
    }

    #[test]
    fn postings_count_the_samples_each_document_shares_with_a_query() {
        // Documents of many sizes and densities, from a fixed mixer, each
        // filed under its samples; a query's hits per document, counted
        // from the postings, against a set intersection. Under a cap, a key
        // that let its oldest holders go counts only for those it holds.
        let mut state = 7u64;
        let mut next = |range: u64| {
            state = mix64(state.wrapping_add(0x9e37_79b9_7f4a_7c15));
            state % range
        };
        for cap in [usize::MAX, 3] {
            let mut postings = CappedPostings::new(cap);
            let mut docs: Vec<Vec<u64>> = Vec::new();
            for d in 0..300u32 {
                let range = 1 + next(300);
                let mut samples: Vec<u64> = (0..next(80)).map(|_| next(range)).collect();
                if d % 7 == 0 && d > 0 {
                    samples.extend_from_slice(&docs[(d - 1) as usize]);
                }
                samples.sort_unstable();
                samples.dedup();
                for &s in &samples {
                    postings.insert(s, d);
                }
                docs.push(samples);
            }
            let query: Vec<u64> = (0..150).collect();
            let mut hits: Vec<u32> = query.iter().flat_map(|&s| postings.get(s)).collect();
            hits.sort_unstable();
            for (d, samples) in docs.iter().enumerate() {
                let counted = hits.iter().filter(|&&h| h as usize == d).count();
                let held = |s: &u64| {
                    docs[d + 1..]
                        .iter()
                        .filter(|later| later.binary_search(s).is_ok())
                        .count()
                        < cap
                };
                let expected = query
                    .iter()
                    .filter(|s| samples.binary_search(s).is_ok() && held(s))
                    .count();
                assert_eq!(counted, expected, "cap {cap}, document {d}");
                if cap == usize::MAX {
                    assert_eq!(counted, shared(&query, samples));
                }
            }
        }
    }

    fn words(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    const STORY: &str = "the central bank raised its main interest rate by half a point on \
        thursday saying inflation had proved more stubborn than expected and that further \
        increases could follow if prices kept rising through the winter months while \
        unemployment stayed low across most regions of the country";

    #[test]
    fn identical_texts_have_identical_signatures() {
        let s = shingles(&words(STORY), 5);
        assert_eq!(signature(&s, 64), signature(&s, 64));
        assert_eq!(estimated_resemblance(&signature(&s, 64), &signature(&s, 64)), 1.0);
    }

    #[test]
    fn resemblance_tracks_shared_text() {
        let edited = STORY.replace("thursday", "friday").replace("winter", "summer");
        let other = "a storm flooded coastal towns overnight forcing thousands of residents \
            to leave their homes as rivers burst their banks and roads were closed";
        let a = signature(&shingles(&words(STORY), 5), 128);
        let b = signature(&shingles(&words(&edited), 5), 128);
        let c = signature(&shingles(&words(other), 5), 128);
        let near = estimated_resemblance(&a, &b);
        assert!(near > 0.5 && near < 1.0, "{near}");
        assert!(estimated_resemblance(&a, &c) < 0.1);
        // Shared band keys are what makes the edited copy a candidate.
        let (ka, kb) = (band_keys(&a, 32), band_keys(&b, 32));
        assert!(ka.iter().zip(&kb).any(|(x, y)| x == y));
    }

    #[test]
    fn containment_finds_a_copy_inside_a_longer_page() {
        let page = format!(
            "menu home world business sport weather {STORY} related coverage read more \
             about the economy sign up for our newsletter advertisement cookie policy \
             terms of use contact us careers follow us on social media all rights reserved"
        );
        let inner = sample(&shingles(&words(STORY), 3), 2);
        let outer = sample(&shingles(&words(&page), 3), 2);
        assert!(containment(shared(&inner, &outer), inner.len(), outer.len(), 4) > 0.95);
        let ra = signature(&shingles(&words(STORY), 3), 64);
        let rb = signature(&shingles(&words(&page), 3), 64);
        // Resemblance alone would miss it.
        assert!(estimated_resemblance(&ra, &rb) < 0.7);
        assert_eq!(containment(2, 2, outer.len(), 4), 0.0, "too few samples");
    }

    #[test]
    fn short_texts_give_one_shingle() {
        assert_eq!(shingles(&["a", "b"], 5).len(), 1);
        assert!(shingles(&[], 5).is_empty());
    }

    #[test]
    fn postings_are_capped_to_the_most_recent() {
        let mut p = CappedPostings::new(2);
        for doc in [1, 2, 2, 3] {
            p.insert(9, doc);
        }
        assert_eq!(p.get(9).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(p.get(8).count(), 0);
        p.insert(5, 2);
        p.retain(|d| d != 2);
        assert_eq!(p.get(9).collect::<Vec<_>>(), [3]);
        assert_eq!(p.size(), (1, 1), "a key left empty is dropped");
        // The list left with one entry grows again like any other.
        p.insert(9, 4);
        p.insert(9, 5);
        assert_eq!(p.get(9).collect::<Vec<_>>(), [4, 5]);
    }

    #[test]
    fn a_cap_of_one_keeps_the_latest() {
        let mut p = CappedPostings::new(1);
        p.insert(1, 7);
        p.insert(1, 8);
        assert_eq!(p.get(1).collect::<Vec<_>>(), [8]);
        assert_eq!(p.size(), (1, 1));
    }
}
