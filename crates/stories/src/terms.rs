//! Term vectors with document frequencies learned from the stream.
//!
//! Vectors hold sub-linear term frequencies, L2-normalised *without* IDF;
//! IDF is applied when two vectors are compared. A cluster formed early in
//! the stream is therefore judged with today's document frequencies, not the
//! poor ones it was built under.

use std::collections::HashMap;

/// A sparse vector, sorted by term id.
pub(crate) type Sparse = Vec<(u32, f32)>;

#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    ids: HashMap<String, u32>,
    df: Vec<u32>,
    docs: u32,
    /// Pseudo-documents containing no term: keep the first documents' shared
    /// words from getting zero weight before any statistics exist.
    prior_docs: f32,
}

impl Vocabulary {
    pub(crate) fn new(prior_docs: f32) -> Self {
        Self {
            prior_docs: prior_docs.max(0.0),
            ..Self::default()
        }
    }

    pub(crate) fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = self.df.len() as u32;
        self.ids.insert(term.to_string(), id);
        self.df.push(0);
        id
    }

    /// Counts one document holding `distinct` (each term once).
    pub(crate) fn observe(&mut self, distinct: &[u32]) {
        self.docs += 1;
        for &t in distinct {
            if let Some(df) = self.df.get_mut(t as usize) {
                *df += 1;
            }
        }
    }

    pub(crate) fn idf(&self, term: u32) -> f32 {
        let df = self.df.get(term as usize).copied().unwrap_or(0) as f32;
        ((self.docs as f32 + self.prior_docs + 1.0) / (df + 1.0)).ln()
    }
}

/// Sub-linear (1 + ln tf) weights, L2-normalised.
pub(crate) fn tf_vector(terms: &[u32]) -> Sparse {
    let mut sorted = terms.to_vec();
    sorted.sort_unstable();
    let mut out: Sparse = Vec::new();
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

/// `acc += v`, keeping `acc` sorted.
pub(crate) fn add_into(acc: &mut Sparse, v: &[(u32, f32)]) {
    let mut merged = Vec::with_capacity(acc.len() + v.len());
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
    let mut by_weight = v.clone();
    by_weight.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    by_weight.truncate(cap);
    by_weight.sort_unstable_by_key(|e| e.0);
    *v = by_weight;
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

/// Cosine of two vectors under IDF weighting; `None` when either is empty.
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
}
