//! What copy detection reads of each candidate first, packed by document
//! number: the low byte of every MinHash value and the number of samples.
//!
//! Every document that shares two samples with a new one is a candidate
//! copy, about a thousand per document at a million articles. Reading each
//! candidate's record and signature cost three dependent cache misses (the
//! map's slot, the record, the signature) and was the largest part of
//! copy detection. Equal values have equal low bytes, so the share of
//! positions whose low bytes agree bounds the estimated resemblance from
//! above; with the sample count, which gives the containment exactly, it
//! rules out nearly every candidate from one contiguous row. Only the few
//! that the bound cannot rule out are read in full, so the verdicts are
//! those of reading every candidate.

/// Sample count of a number that names no held document.
const GONE: u32 = u32::MAX;
/// Sample count of a held document whose row does not describe it (a
/// signature of another length): it is read in full.
const UNKNOWN: u32 = u32::MAX - 1;
/// Numbers this far past the last row restart the rows rather than fill
/// the gap (numbers are consecutive in practice; a gap this wide is a
/// restore from an odd state, and everything before it is read in full).
const MAX_GAP: u32 = 1 << 24;

/// What the rows say of one number.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Digest<'a> {
    /// No held document has this number.
    Gone,
    /// A held document's low bytes and sample count.
    Held { low_bytes: &'a [u8], samples: usize },
}

#[derive(Debug, Default)]
pub(super) struct Digests {
    width: usize,
    /// The number of the first row.
    first: u32,
    low_bytes: Vec<u8>,
    samples: Vec<u32>,
}

impl Digests {
    /// Rows for signatures of `width` values.
    pub(super) fn new(width: usize) -> Self {
        Self {
            width,
            ..Self::default()
        }
    }

    fn row(&self, number: u32) -> Option<usize> {
        let row = number.checked_sub(self.first)? as usize;
        (row < self.samples.len()).then_some(row)
    }

    /// Records a held document. Numbers below the first row stay unknown
    /// (their documents are read in full).
    pub(super) fn insert(&mut self, number: u32, signature: &[u32], samples: usize) {
        if self.samples.is_empty() || number.saturating_sub(self.first) >= self.samples.len() as u32 + MAX_GAP {
            self.low_bytes.clear();
            self.samples.clear();
            self.first = number;
        }
        let Some(row) = number.checked_sub(self.first).map(|r| r as usize) else {
            return;
        };
        if row >= self.samples.len() {
            self.samples.resize(row + 1, GONE);
            self.low_bytes.resize((row + 1) * self.width, 0);
        }
        let described = signature.len() == self.width;
        self.samples[row] = if described {
            u32::try_from(samples).unwrap_or(UNKNOWN).min(UNKNOWN)
        } else {
            UNKNOWN
        };
        if described {
            let bytes = &mut self.low_bytes[row * self.width..(row + 1) * self.width];
            for (b, &v) in bytes.iter_mut().zip(signature) {
                *b = v as u8;
            }
        }
    }

    /// The document dropped its samples.
    pub(super) fn clear_samples(&mut self, number: u32) {
        if let Some(row) = self.row(number) {
            if self.samples[row] != UNKNOWN && self.samples[row] != GONE {
                self.samples[row] = 0;
            }
        }
    }

    /// The document is no longer held.
    pub(super) fn forget(&mut self, number: u32) {
        if let Some(row) = self.row(number) {
            self.samples[row] = GONE;
        }
    }

    /// Drops leading rows of forgotten documents once they are an eighth of
    /// all rows, so that the rows span little more than the held documents.
    pub(super) fn trim(&mut self) {
        let leading = self.samples.iter().take_while(|&&s| s == GONE).count();
        if leading == self.samples.len() {
            self.low_bytes.clear();
            self.samples.clear();
        } else if leading > 0 && leading * 8 >= self.samples.len() {
            self.samples.drain(..leading);
            self.low_bytes.drain(..leading * self.width);
            self.first += leading as u32;
        }
    }

    /// What the rows know of `number`; `None` when they do not describe it.
    pub(super) fn get(&self, number: u32) -> Option<Digest<'_>> {
        let row = self.row(number)?;
        match self.samples[row] {
            GONE => Some(Digest::Gone),
            UNKNOWN => None,
            samples => Some(Digest::Held {
                low_bytes: &self.low_bytes[row * self.width..(row + 1) * self.width],
                samples: samples as usize,
            }),
        }
    }

    /// The low bytes of a signature, to compare with rows.
    pub(super) fn low_bytes_of(signature: &[u32]) -> Vec<u8> {
        signature.iter().map(|&v| v as u8).collect()
    }

    /// Share of positions whose low bytes agree: at least the share of
    /// equal values, so at least the estimated resemblance. 1 when the
    /// lengths differ (nothing can be ruled out).
    pub(super) fn resemblance_bound(a: &[u8], b: &[u8]) -> f64 {
        if a.is_empty() || a.len() != b.len() {
            return 1.0;
        }
        let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
        same as f64 / a.len() as f64
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.low_bytes.capacity() + self.samples.capacity() * size_of::<u32>()
    }
}

impl super::StoryEngine {
    /// Rows for every held document, after a restore.
    pub(super) fn rebuild_digests(&mut self) {
        let mut numbers: Vec<u32> = self.docs.keys().copied().collect();
        numbers.sort_unstable();
        self.digests = Digests::new(self.config.minhash_perms);
        for n in numbers {
            let d = &self.docs[&n];
            self.digests.insert(n, &d.signature, d.samples.len());
        }
    }

    #[cfg(test)]
    pub(super) fn digest_rows(&self) -> usize {
        self.digests.samples.len()
    }

    /// Whether the rows describe the held documents as they are.
    #[cfg(test)]
    pub(super) fn digests_agree(&self) -> bool {
        self.docs.iter().all(|(&n, d)| match self.digests.get(n) {
            Some(Digest::Held { low_bytes, samples }) => {
                samples == d.samples.len() && low_bytes == Digests::low_bytes_of(&d.signature).as_slice()
            }
            Some(Digest::Gone) => false,
            None => d.signature.len() != self.config.minhash_perms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash;

    #[test]
    fn rows_follow_inserts_drops_and_trims() {
        let mut d = Digests::new(4);
        assert_eq!(d.get(7), None);
        d.insert(10, &[1, 2, 3, 4], 5);
        d.insert(12, &[0x101, 2, 3, 4], 6);
        assert_eq!(d.get(9), None, "before the first row: unknown");
        assert_eq!(d.get(11), Some(Digest::Gone), "a gap holds nothing");
        assert_eq!(
            d.get(12),
            Some(Digest::Held {
                low_bytes: &[1, 2, 3, 4],
                samples: 6
            })
        );
        assert_eq!(d.get(13), None, "past the last row: unknown");
        d.insert(13, &[1, 2, 3], 1);
        assert_eq!(d.get(13), None, "a signature of another length is read in full");
        d.clear_samples(12);
        assert_eq!(
            d.get(12),
            Some(Digest::Held {
                low_bytes: &[1, 2, 3, 4],
                samples: 0
            })
        );
        d.forget(10);
        d.trim();
        assert_eq!(d.get(10), None);
        assert_eq!(
            d.get(12),
            Some(Digest::Held {
                low_bytes: &[1, 2, 3, 4],
                samples: 0
            })
        );
        d.forget(12);
        d.forget(13);
        d.trim();
        assert!(d.heap_bytes() > 0);
        assert_eq!(d.get(12), None);
        d.insert(u32::MAX - 1, &[9, 9, 9, 9], 2);
        assert_eq!(
            d.get(u32::MAX - 1),
            Some(Digest::Held {
                low_bytes: &[9, 9, 9, 9],
                samples: 2
            })
        );
    }

    #[test]
    fn the_bound_is_never_below_the_estimated_resemblance() {
        let mut counter = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            counter += 1;
            crate::hash::mix64(counter)
        };
        for _ in 0..2_000 {
            let a: Vec<u32> = (0..64).map(|_| next() as u32).collect();
            // Some values equal, some sharing only their low byte.
            let b: Vec<u32> = a
                .iter()
                .map(|&v| match next() % 3 {
                    0 => v,
                    1 => v ^ 0x100,
                    _ => next() as u32,
                })
                .collect();
            let bound = Digests::resemblance_bound(&Digests::low_bytes_of(&a), &Digests::low_bytes_of(&b));
            assert!(bound >= minhash::estimated_resemblance(&a, &b));
        }
    }
}
