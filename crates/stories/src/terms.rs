//! Term vectors with document frequencies learned from the stream.
//!
//! Vectors hold sub-linear term frequencies, L2-normalised *without* IDF;
//! IDF is applied when two vectors are compared. A story formed early in
//! the stream is therefore judged with today's document frequencies, not the
//! poor ones it was built under.

use serde::{Deserialize, Serialize};

use crate::hash::FastMap;

/// A sparse vector, sorted by term id.
pub(crate) type Sparse = Vec<(u32, f32)>;

/// Document frequencies stay exact for `ln(1 + df)` up to this df; beyond
/// it the logarithm is computed, which only the commonest words reach.
const LN_TABLE: usize = 1 << 16;

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Vocabulary {
    /// Terms of up to 15 bytes (nearly all words), packed with their length
    /// into the key itself: a lookup then hashes and compares two machine
    /// words and never follows a pointer to the term's bytes.
    short_ids: FastMap<u128, u32>,
    long_ids: FastMap<String, u32>,
    df: Vec<u32>,
    /// Arrival count when each term was last seen, for forgetting terms
    /// that have gone out of use.
    last_seen: Vec<u64>,
    /// Bit set of the languages each term was marked in (see
    /// [`Vocabulary::mark_language`]).
    languages: Vec<u64>,
    /// Ids of forgotten terms, reused before new ones are made.
    free: Vec<u32>,
    docs: u64,
    /// Pseudo-documents containing no term: keep the first documents' shared
    /// words from getting zero weight before any statistics exist.
    prior_docs: f32,
    /// `ln(docs + prior + 1)`, updated per document.
    ln_total: f32,
    /// `ln(1 + df)` by df: IDF is looked up millions of times per second.
    /// A quarter megabyte that is the same for every vocabulary, so a
    /// snapshot leaves it out and [`Vocabulary::restored`] rebuilds it.
    #[serde(skip)]
    ln_one_plus: Vec<f32>,
}

impl Vocabulary {
    pub(crate) fn new(prior_docs: f32) -> Self {
        let prior_docs = prior_docs.max(0.0);
        Self {
            prior_docs,
            ln_total: (prior_docs + 1.0).ln(),
            ln_one_plus: ln_table(),
            ..Self::default()
        }
    }

    /// Makes a vocabulary read from a snapshot usable: rebuilds the table
    /// the snapshot leaves out, after checking that every term id indexes
    /// the per-term arrays, since lookups index them without a check.
    pub(crate) fn restored(mut self) -> Result<Self, &'static str> {
        let terms = self.df.len();
        if self.last_seen.len() != terms || self.languages.len() != terms {
            return Err("vocabulary arrays differ in length");
        }
        let in_range = |id: &u32| (*id as usize) < terms;
        if !(self.short_ids.values().all(in_range)
            && self.long_ids.values().all(in_range)
            && self.free.iter().all(in_range))
        {
            return Err("term id out of range");
        }
        self.ln_one_plus = ln_table();
        Ok(self)
    }

    /// Estimated heap bytes of the vocabulary's tables.
    pub(crate) fn heap_bytes(&self) -> usize {
        use crate::engine::memory::{map_bytes, vec_bytes};
        map_bytes(&self.short_ids)
            + map_bytes(&self.long_ids)
            + self.long_ids.keys().map(String::capacity).sum::<usize>()
            + vec_bytes(&self.df)
            + vec_bytes(&self.last_seen)
            + vec_bytes(&self.languages)
            + vec_bytes(&self.free)
            + vec_bytes(&self.ln_one_plus)
    }

    pub(crate) fn intern(&mut self, term: &str) -> u32 {
        let short = short_key(term);
        let known = match short {
            Some(key) => self.short_ids.get(&key),
            None => self.long_ids.get(term),
        };
        if let Some(&id) = known {
            return id;
        }
        let id = match self.free.pop() {
            Some(id) => {
                self.df[id as usize] = 0;
                self.last_seen[id as usize] = self.docs;
                self.languages[id as usize] = 0;
                id
            }
            None => {
                self.df.push(0);
                self.last_seen.push(self.docs);
                self.languages.push(0);
                (self.df.len() - 1) as u32
            }
        };
        match short {
            Some(key) => self.short_ids.insert(key, id),
            None => self.long_ids.insert(term.to_string(), id),
        };
        id
    }

    /// Counts one document holding `distinct` (each term once).
    pub(crate) fn observe(&mut self, distinct: &[u32]) {
        self.docs += 1;
        self.ln_total = (self.docs as f32 + self.prior_docs + 1.0).ln();
        for &t in distinct {
            if let Some(df) = self.df.get_mut(t as usize) {
                *df += 1;
                self.last_seen[t as usize] = self.docs;
            }
        }
    }

    pub(crate) fn idf(&self, term: u32) -> f32 {
        let df = self.df.get(term as usize).copied().unwrap_or(0) as usize;
        let ln_df = match self.ln_one_plus.get(df) {
            Some(&v) => v,
            None => (df as f32 + 1.0).ln(),
        };
        self.ln_total - ln_df
    }

    /// Documents observed holding `term`.
    pub(crate) fn df(&self, term: u32) -> u32 {
        self.df.get(term as usize).copied().unwrap_or(0)
    }

    /// The term's IDF as a share of the largest IDF there is now (a term
    /// no document holds): 1 for a term first met, falling towards 0 for
    /// a term every document holds. Comparable however long the stream.
    pub(crate) fn rarity(&self, term: u32) -> f32 {
        if self.ln_total <= 0.0 {
            return 0.0;
        }
        (self.idf(term) / self.ln_total).clamp(0.0, 1.0)
    }

    /// Records that a document in the language `bit` (a one-bit set; 0
    /// when unknown) holds `term`.
    pub(crate) fn mark_language(&mut self, term: u32, bit: u64) {
        if let Some(l) = self.languages.get_mut(term as usize) {
            *l |= bit;
        }
    }

    /// Whether `term` was marked in two languages or more.
    pub(crate) fn in_several_languages(&self, term: u32) -> bool {
        self.languages.get(term as usize).is_some_and(|l| l.count_ones() >= 2)
    }

    /// Documents observed so far.
    pub(crate) fn documents(&self) -> u64 {
        self.docs
    }

    /// Terms currently known.
    pub(crate) fn len(&self) -> usize {
        self.short_ids.len() + self.long_ids.len()
    }

    /// One past the largest term id ever handed out.
    pub(crate) fn capacity(&self) -> usize {
        self.df.len()
    }

    /// Forgets terms not seen since document number `seen_before` and not
    /// in `keep`, returning their ids (now free for reuse). A forgotten term
    /// that comes back starts as a new, rare term.
    pub(crate) fn forget(&mut self, seen_before: u64, keep: &dyn Fn(u32) -> bool) -> Vec<u32> {
        let mut forgotten = Vec::new();
        let last_seen = &self.last_seen;
        let mut still_used = |id: u32| {
            let stale = last_seen[id as usize] < seen_before && !keep(id);
            if stale {
                forgotten.push(id);
            }
            !stale
        };
        self.short_ids.retain(|_, &mut id| still_used(id));
        self.long_ids.retain(|_, &mut id| still_used(id));
        // Map order depends on the map's history, which a snapshot does not
        // keep: sorted, the free list hands out the same ids after a reload.
        forgotten.sort_unstable();
        for &id in &forgotten {
            self.df[id as usize] = 0;
            self.languages[id as usize] = 0;
        }
        self.free.extend_from_slice(&forgotten);
        forgotten
    }
}

fn ln_table() -> Vec<f32> {
    (0..LN_TABLE).map(|df| (df as f32 + 1.0).ln()).collect()
}

/// A term of at most 15 bytes as one integer: its bytes, then its length in
/// the last byte, so that no two terms share a key.
fn short_key(term: &str) -> Option<u128> {
    let bytes = term.as_bytes();
    if bytes.len() > 15 {
        return None;
    }
    let mut key = [0u8; 16];
    key[..bytes.len()].copy_from_slice(bytes);
    key[15] = bytes.len() as u8;
    Some(u128::from_le_bytes(key))
}

/// Sub-linear (1 + ln tf) weights, L2-normalised.
pub(crate) fn tf_vector(terms: &[u32]) -> Sparse {
    let mut sorted = terms.to_vec();
    sorted.sort_unstable();
    // Sized to its distinct terms: a member keeps the vector as long as it
    // is held, and pushing onto an empty one would leave up to as much
    // again allocated behind it.
    let distinct = sorted.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!sorted.is_empty());
    let mut out: Sparse = Vec::with_capacity(distinct);
    for t in sorted {
        match out.last_mut() {
            Some((last, count)) if *last == t => *count += 1.0,
            _ => out.push((t, 1.0)),
        }
    }
    for (_, w) in out.iter_mut() {
        *w = 1.0 + w.ln();
    }
    let norm = out.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in out.iter_mut() {
            *w /= norm;
        }
    }
    out
}

/// `acc += v`, keeping `acc` sorted. The sum is allocated at its own
/// length: a story keeps it until its next member.
pub(crate) fn add_into(acc: &mut Sparse, v: &[(u32, f32)]) {
    let mut merged = Vec::with_capacity(acc.len() + v.len() - shared_terms(acc, v));
    let (mut i, mut j) = (0, 0);
    while i < acc.len() || j < v.len() {
        if j == v.len() || (i < acc.len() && acc[i].0 < v[j].0) {
            merged.push(acc[i]);
            i += 1;
        } else if i == acc.len() || v[j].0 < acc[i].0 {
            merged.push(v[j]);
            j += 1;
        } else {
            merged.push((acc[i].0, acc[i].1 + v[j].1));
            i += 1;
            j += 1;
        }
    }
    *acc = merged;
}

/// Keeps the `cap` heaviest entries, so a long-running story's centroid
/// stays a bounded size.
pub(crate) fn prune(v: &mut Sparse, cap: usize) {
    if v.len() <= cap {
        return;
    }
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(cap);
    v.sort_unstable_by_key(|e| e.0);
    *v = fitted(std::mem::take(v));
}

/// `v` in an allocation of its own length. Vectors the engine holds for
/// long are grown by pushing, merging or truncating, and what a grown
/// vector has spare (up to as much again) stays allocated as long as it is
/// held: at 100,000 articles, a third more than the state itself. Shrinking
/// in place would not help, since the allocator keeps a block shrunk by
/// less than half, so the elements move to a block of their own size.
pub(crate) fn fitted<T: Copy>(v: Vec<T>) -> Vec<T> {
    if v.capacity() == v.len() {
        v
    } else {
        v.as_slice().to_vec()
    }
}

pub(crate) fn weighted_norm(v: &[(u32, f32)], vocab: &Vocabulary) -> f32 {
    v.iter()
        .map(|&(t, w)| {
            let x = w * vocab.idf(t);
            x * x
        })
        .sum::<f32>()
        .sqrt()
}

/// Terms two sorted vectors share.
pub(crate) fn shared_terms(a: &[(u32, f32)], b: &[(u32, f32)]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Cosine of two vectors under IDF weighting; `None` when either is empty.
/// For one query against many stories, see [`DenseQuery`].
pub(crate) fn cosine(a: &[(u32, f32)], b: &[(u32, f32)], vocab: &Vocabulary) -> Option<f32> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let idf = vocab.idf(a[i].0);
                dot += a[i].1 * b[j].1 * idf * idf;
                i += 1;
                j += 1;
            }
        }
    }
    let norms = weighted_norm(a, vocab) * weighted_norm(b, vocab);
    Some(if norms > 0.0 { dot / norms } else { 0.0 })
}

/// The three fields a document and a story are compared on, each with its
/// own vector and weight (`Config::title_weight`, `body_weight`,
/// `names_weight`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Fields<T> {
    pub(crate) title: T,
    pub(crate) body: T,
    pub(crate) names: T,
}

impl<T> Fields<T> {
    pub(crate) fn as_ref(&self) -> Fields<&T> {
        Fields {
            title: &self.title,
            body: &self.body,
            names: &self.names,
        }
    }

    /// Applies `f` to each field: title, body, then names.
    pub(crate) fn map<U>(self, mut f: impl FnMut(T) -> U) -> Fields<U> {
        Fields {
            title: f(self.title),
            body: f(self.body),
            names: f(self.names),
        }
    }

    /// The fields in their order: title, body, names.
    pub(crate) fn into_array(self) -> [T; 3] {
        [self.title, self.body, self.names]
    }
}

/// The slots of the fields in [`DenseQuery`]'s packed weights, in the order
/// of [`Fields::into_array`].
const TITLE: usize = 0;
const BODY: usize = 1;
const NAMES: usize = 2;

/// A query's three fields (title, body, names) spread over an array indexed
/// by term id, each term holding its weight times IDF² over the field's
/// weighted norm. Comparing a story vector with it is then one pass over
/// the story's entries, with no merging and no IDF lookups: the engine
/// compares one query with dozens of thousand-term centroids per document.
/// Loading and clearing touch only the query's own terms, so the array is
/// kept between documents.
#[derive(Debug, Default)]
pub(crate) struct DenseQuery {
    weights: Vec<[f32; 3]>,
    touched: Vec<u32>,
    present: [bool; 3],
}

impl DenseQuery {
    pub(crate) fn load(&mut self, fields: Fields<&Sparse>, vocab: &Vocabulary) {
        self.clear();
        if self.weights.len() < vocab.capacity() {
            self.weights.resize(vocab.capacity(), [0.0; 3]);
        }
        for (i, v) in fields.into_array().iter().enumerate() {
            self.present[i] = !v.is_empty();
            let norm = weighted_norm(v, vocab);
            if norm <= 0.0 {
                continue;
            }
            for &(t, w) in v.iter() {
                let slot = t as usize;
                if slot >= self.weights.len() {
                    self.weights.resize(slot + 1, [0.0; 3]);
                }
                let idf = vocab.idf(t);
                self.weights[slot][i] = w * idf * idf / norm;
                self.touched.push(t);
            }
        }
    }

    /// The IDF-weighted cosine of each field with `b`'s, whose weighted
    /// norms are `b_norms`; `None` for a field empty on either side.
    pub(crate) fn cosines(&self, b: Fields<&Sparse>, b_norms: Fields<f32>) -> Fields<Option<f32>> {
        Fields {
            title: self.cosine(TITLE, b.title, b_norms.title),
            body: self.cosine(BODY, b.body, b_norms.body),
            names: self.cosine(NAMES, b.names, b_norms.names),
        }
    }

    /// The IDF-weighted cosine of field `field` with `b`, whose weighted
    /// norm is `b_norm`; `None` when either side is empty.
    fn cosine(&self, field: usize, b: &[(u32, f32)], b_norm: f32) -> Option<f32> {
        if !self.present[field] || b.is_empty() {
            return None;
        }
        if b_norm <= 0.0 {
            return Some(0.0);
        }
        let dot: f32 = b
            .iter()
            .map(|&(t, w)| self.weights.get(t as usize).map_or(0.0, |q| q[field]) * w)
            .sum();
        Some((dot / b_norm).min(1.0))
    }

    fn clear(&mut self) {
        for t in self.touched.drain(..) {
            self.weights[t as usize] = [0.0; 3];
        }
        self.present = [false; 3];
    }
}

/// A vocabulary that has seen `docs` documents, each given as its term ids,
/// with terms `t0` to `t{terms - 1}` interned first (for tests).
#[cfg(test)]
pub(crate) fn vocab_of(docs: &[&[u32]], terms: u32) -> Vocabulary {
    let mut v = Vocabulary::new(20.0);
    for t in 0..terms {
        v.intern(&format!("t{t}"));
    }
    for d in docs {
        v.observe(d);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idf_falls_as_a_term_spreads() {
        let mut v = Vocabulary::new(0.0);
        let common = v.intern("the");
        let rare = v.intern("quake");
        v.observe(&[common, rare]);
        for _ in 0..9 {
            v.observe(&[common]);
        }
        assert!(v.idf(rare) > v.idf(common));
        assert!(v.idf(common) < 0.1);
        assert_eq!(v.intern("the"), common);
    }

    #[test]
    fn short_and_long_terms_are_kept_apart() {
        let mut v = Vocabulary::new(0.0);
        let terms = [
            "a",
            "a\0",
            "fifteen_bytes_x",
            "sixteen_bytes_xy",
            "sixteen_bytes_xz",
            "",
        ];
        let ids: Vec<u32> = terms.iter().map(|t| v.intern(t)).collect();
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), terms.len());
        let again: Vec<u32> = terms.iter().map(|t| v.intern(t)).collect();
        assert_eq!(ids, again);
        assert_eq!(v.len(), terms.len());
    }

    #[test]
    fn forgotten_terms_are_reused_and_start_rare() {
        let mut v = Vocabulary::new(0.0);
        let old = v.intern("oldword");
        let kept = v.intern("kept");
        v.observe(&[old, kept]);
        for _ in 0..5 {
            v.observe(&[]);
        }
        let fresh = v.intern("fresh");
        v.observe(&[fresh]);
        let forgotten = v.forget(3, &|t| t == kept);
        assert_eq!(forgotten, vec![old]);
        assert_eq!(v.len(), 2);
        let reused = v.intern("newcomer");
        assert_eq!(reused, old, "the freed id is reused");
        assert!(v.idf(reused) > v.idf(fresh), "a reused id starts with no documents");
    }

    #[test]
    fn tf_vector_is_sublinear_and_unit_length() {
        let v = tf_vector(&[3, 1, 3, 3]);
        assert_eq!(v.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 3]);
        let norm: f32 = v.iter().map(|e| e.1 * e.1).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(v[1].1 / v[0].1 < 3.0, "three repeats weigh less than three times");
    }

    #[test]
    fn cosine_and_merging() {
        let mut vocab = Vocabulary::new(10.0);
        for t in ["a", "b", "c"] {
            vocab.intern(t);
        }
        let a = tf_vector(&[0, 1]);
        let b = tf_vector(&[1, 2]);
        let c = tf_vector(&[2]);
        assert!((cosine(&a, &a, &vocab).unwrap() - 1.0).abs() < 1e-5);
        assert_eq!(cosine(&a, &c, &vocab), Some(0.0));
        assert_eq!(cosine(&a, &[], &vocab), None);
        let mut acc = a.clone();
        add_into(&mut acc, &b);
        assert_eq!(acc.len(), 3);
        assert!((acc[1].1 - (a[1].1 + b[0].1)).abs() < 1e-6);
        prune(&mut acc, 1);
        assert_eq!(acc, vec![(1, a[1].1 + b[0].1)]);
    }

    #[test]
    fn dense_query_agrees_with_sparse_cosine() {
        let mut vocab = Vocabulary::new(2.0);
        let ids: Vec<u32> = ["quake", "morocco", "rescue", "budget", "oslo"]
            .iter()
            .map(|t| vocab.intern(t))
            .collect();
        vocab.observe(&ids[..3]);
        vocab.observe(&ids[3..]);
        vocab.observe(&ids[1..2]);
        let title = tf_vector(&[ids[0], ids[1]]);
        let body = tf_vector(&[ids[0], ids[0], ids[1], ids[2]]);
        let story = tf_vector(&[ids[0], ids[2], ids[3]]);
        let mut dense = DenseQuery::default();
        dense.load(
            Fields {
                title: &title,
                body: &body,
                names: &Vec::new(),
            },
            &vocab,
        );
        let norm = weighted_norm(&story, &vocab);
        for (field, query) in [(0, &title), (1, &body)] {
            let expected = cosine(query, &story, &vocab).unwrap();
            let got = dense.cosine(field, &story, norm).unwrap();
            assert!((expected - got).abs() < 1e-5, "{expected} {got}");
        }
        assert_eq!(dense.cosine(2, &story, norm), None, "an empty field is not compared");
        // Reloading forgets the previous query entirely.
        dense.load(
            Fields {
                title: &Vec::new(),
                body: &tf_vector(&[ids[4]]),
                names: &Vec::new(),
            },
            &vocab,
        );
        assert_eq!(dense.cosine(1, &story, norm), Some(0.0));
        assert_eq!(dense.cosine(0, &story, norm), None);
    }

    #[test]
    fn dense_query_agrees_with_sparse_cosine_over_many_terms() {
        // Queries of many sizes, loaded one after another (each must forget
        // the one before), against thousand-term stories, over a vocabulary
        // of 20,000.
        let mut vocab = Vocabulary::new(2.0);
        let ids: Vec<u32> = (0..20_000).map(|i| vocab.intern(&format!("w{i}"))).collect();
        let mut state = 11u64;
        let mut next = |range: usize| {
            state = crate::hash::mix64(state.wrapping_add(0x9e37_79b9_7f4a_7c15));
            (state % range as u64) as usize
        };
        for _ in 0..200 {
            let doc: Vec<u32> = (0..next(300)).map(|_| ids[next(ids.len())]).collect();
            vocab.observe(&doc);
        }
        let mut dense = DenseQuery::default();
        for size in [2_000, 700, 5, 300, 1, 1_200] {
            let mut pick = |n: usize| tf_vector(&(0..n).map(|_| ids[next(2_000) * 10 % ids.len()]).collect::<Vec<_>>());
            let (title, body, names) = (pick(size / 10 + 1), pick(size), pick(size / 4));
            dense.load(
                Fields {
                    title: &title,
                    body: &body,
                    names: &names,
                },
                &vocab,
            );
            for _ in 0..20 {
                let story = pick(1_000);
                let norm = weighted_norm(&story, &vocab);
                for (field, query) in [(0, &title), (1, &body), (2, &names)] {
                    match (cosine(query, &story, &vocab), dense.cosine(field, &story, norm)) {
                        (Some(expected), Some(got)) => {
                            assert!((expected - got).abs() < 1e-4, "query of {size}: {expected} {got}")
                        }
                        (expected, got) => assert_eq!(expected, got, "query of {size}, field {field}"),
                    }
                }
            }
        }
    }
}
