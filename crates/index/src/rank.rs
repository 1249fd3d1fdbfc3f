//! Relevance ranking: the best score first, and among equal scores the lower
//! id (the earlier article) first.
//!
//! Copies of one text score alike, and BM25 scores tie often besides (a
//! field's length is stored in one of 256 steps), so the tie-break decides
//! much of what a page of hits shows. tantivy ranks by (score, id) only by
//! scoring every match; ranked by score alone, it skips the blocks of a
//! common word's postings that cannot reach the top (block-max WAND), given
//! the score a match must beat. [`best_first`] keeps the best matches itself,
//! by (score, id), and gives tantivy as that bar the score just under the
//! worst one kept: a match that ties with it may still displace it by id,
//! and anything scoring less is skipped.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, Score, Searcher};

use crate::{Result, ID};

/// The best `limit` live matches of `query`, by score and then by id.
pub(crate) fn best_first(searcher: &Searcher, query: &dyn Query, limit: usize) -> Result<Vec<(Score, DocAddress)>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    // The worst match kept is on top, to be dropped first.
    let mut kept: BinaryHeap<Ranked> = BinaryHeap::with_capacity(limit + 1);
    let mut bar = Score::MIN;
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let ids = reader.fast_fields().i64(ID)?;
        let alive = reader.alive_bitset();
        let segment = u32::try_from(ord).unwrap_or(u32::MAX);
        // tantivy passes on only the matches that score above the bar.
        weight.for_each_pruning(bar, reader, &mut |doc, score| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                let candidate = Ranked {
                    score,
                    id: ids.first(doc).unwrap_or(i64::MAX),
                    address: DocAddress::new(segment, doc),
                };
                if kept.len() < limit {
                    kept.push(candidate);
                } else if kept.peek().is_some_and(|worst| candidate < *worst) {
                    kept.pop();
                    kept.push(candidate);
                }
                if kept.len() == limit {
                    bar = kept.peek().map_or(Score::MIN, |worst| just_under(worst.score));
                }
            }
            bar
        })?;
    }
    Ok(kept
        .into_sorted_vec()
        .into_iter()
        .map(|ranked| (ranked.score, ranked.address))
        .collect())
}

/// The greatest score below `score`: a bar that lets `score` itself through.
fn just_under(score: Score) -> Score {
    if score.is_finite() {
        score.next_down()
    } else {
        Score::MIN
    }
}

/// A match in ranking order: `a < b` when `a` ranks before `b`.
struct Ranked {
    score: Score,
    id: i64,
    address: DocAddress,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Ranked) -> Ordering {
        other.score.total_cmp(&self.score).then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}
