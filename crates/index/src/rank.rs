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

//!
//! A filtered search (an outlet, a language, a stretch of dates) is the
//! words and the filters, all required. tantivy scores such an intersection
//! without skipping, so a common word with a filter that nearly every
//! article passes (`language=en`, or dates that span the whole index) cost
//! what scoring every match of the word costs. [`best_first`] decides per
//! segment: a filter that every document of the segment passes is dropped
//! there; when each remaining one passes at least half of the segment, the
//! words are ranked best first as without filters and each match is checked
//! against the filters as it comes (a filter halves the work at most, while
//! skipping blocks cuts far more); a narrower filter leads the intersection,
//! as before. The same matches get the same scores either way, since a
//! filter adds nothing to the score.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::columnar::Cardinality;
use tantivy::query::{EnableScoring, Query, Scorer, Weight};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader};

use crate::filter::{Breadth, Narrowing};
use crate::{Result, ID, PUBLISHED};

/// What a search ranks: the whole query, and its words and filters apart.
pub(crate) struct Plan<'a> {
    /// The words with the filters.
    pub(crate) combined: &'a dyn Query,
    /// The words alone; `None` for a filter-only search.
    pub(crate) words: Option<&'a dyn Query>,
    pub(crate) narrowings: &'a [Narrowing],
}

/// The best `limit` live matches of the plan's query, by score and then by
/// id.
pub(crate) fn best_first(searcher: &Searcher, plan: &Plan<'_>, limit: usize) -> Result<Vec<(Score, DocAddress)>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let scoring = EnableScoring::enabled_from_searcher(searcher);
    let combined = plan.combined.weight(scoring)?;
    // Words ranked alone and filters checked one match at a time, when the
    // search has both.
    let apart = match plan.words {
        Some(words) if !plan.narrowings.is_empty() => {
            let filters = plan
                .narrowings
                .iter()
                .map(|narrowing| narrowing.query.weight(EnableScoring::disabled_from_searcher(searcher)))
                .collect::<tantivy::Result<Vec<_>>>()?;
            Some((words.weight(scoring)?, filters))
        }
        _ => None,
    };
    let mut top = Top::new(limit);
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let ids = reader.fast_fields().i64(ID)?;
        let alive = reader.alive_bitset();
        let segment = u32::try_from(ord).unwrap_or(u32::MAX);
        let offer = |top: &mut Top, doc: DocId, score: Score| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                top.offer(Ranked {
                    score,
                    id: ids.first(doc).unwrap_or(i64::MAX),
                    address: DocAddress::new(segment, doc),
                });
            }
            top.bar
        };
        let checks = match &apart {
            Some((_, filters)) => broad_filters(reader, plan.narrowings, filters)?,
            None => None,
        };
        match (&apart, checks) {
            (Some((words, _)), Some(mut checks)) => {
                // tantivy passes on only the matches that score above the bar.
                words.for_each_pruning(top.bar, reader, &mut |doc, score| {
                    if checks.iter_mut().all(|check| passes(check.as_mut(), doc)) {
                        offer(&mut top, doc, score)
                    } else {
                        top.bar
                    }
                })?;
            }
            _ => combined.for_each_pruning(top.bar, reader, &mut |doc, score| offer(&mut top, doc, score))?,
        }
    }
    Ok(top
        .kept
        .into_sorted_vec()
        .into_iter()
        .map(|ranked| (ranked.score, ranked.address))
        .collect())
}

/// The filters to check one match at a time in this segment, leaving out
/// those that every document passes; `None` when one of them passes fewer
/// than half of the segment's documents, and so should lead.
fn broad_filters(
    reader: &SegmentReader,
    narrowings: &[Narrowing],
    filters: &[Box<dyn Weight>],
) -> Result<Option<Vec<Box<dyn Scorer>>>> {
    let max_doc = reader.max_doc();
    let mut checks = Vec::new();
    if max_doc == 0 {
        return Ok(Some(checks));
    }
    for (narrowing, filter) in narrowings.iter().zip(filters) {
        let known = match &narrowing.breadth {
            Breadth::Term(term) => {
                let holding = reader
                    .inverted_index(term.field())?
                    .doc_freq(term)
                    .map_err(tantivy::TantivyError::from)?;
                Some(f64::from(holding) / f64::from(max_doc))
            }
            Breadth::Published { from, to } => {
                let published = reader.fast_fields().i64(PUBLISHED)?;
                let dated_all = published.get_cardinality() == Cardinality::Full;
                let (least, greatest) = (published.min_value(), published.max_value());
                if dated_all && from.is_none_or(|from| from <= least) && to.is_none_or(|to| greatest <= to) {
                    Some(1.0)
                } else {
                    None
                }
            }
            Breadth::Unknown => None,
        };
        let narrow = |share: f64| share < 0.5;
        match known {
            Some(share) if share >= 1.0 => continue,
            Some(share) if narrow(share) => return Ok(None),
            _ => {}
        }
        let scorer = filter.scorer(reader, 1.0)?;
        if known.is_none() && narrow(f64::from(scorer.size_hint()) / f64::from(max_doc)) {
            return Ok(None);
        }
        checks.push(scorer);
    }
    Ok(Some(checks))
}

/// Whether `filter` holds for `doc`; the documents asked about come in
/// ascending order.
fn passes(filter: &mut dyn Scorer, doc: DocId) -> bool {
    if filter.doc() < doc {
        filter.seek(doc);
    }
    filter.doc() == doc
}

/// The best matches so far, the worst on top to be dropped first, and the
/// score a match must beat to enter.
struct Top {
    kept: BinaryHeap<Ranked>,
    limit: usize,
    bar: Score,
}

impl Top {
    fn new(limit: usize) -> Self {
        Top {
            kept: BinaryHeap::with_capacity(limit + 1),
            limit,
            bar: Score::MIN,
        }
    }

    fn offer(&mut self, candidate: Ranked) {
        if self.kept.len() < self.limit {
            self.kept.push(candidate);
        } else if self.kept.peek().is_some_and(|worst| candidate < *worst) {
            self.kept.pop();
            self.kept.push(candidate);
        }
        if self.kept.len() == self.limit {
            // A match that ties with the worst kept may still displace it
            // by id; anything scoring less is skipped.
            self.bar = self.kept.peek().map_or(Score::MIN, |worst| just_under(worst.score));
        }
    }
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
