//! Filters and orderings that narrow a search beyond its words: outlet,
//! language, story and a range of publication times, newest first or best
//! first.
//!
//! A filter is a query clause that must match and adds nothing to the
//! score, so a filtered search ranks its hits exactly as the unfiltered one
//! does, only fewer of them.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::Field;
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Searcher;
use tantivy::Term;

use crate::tokenizer::{joined_words, keyword_analyzer, text_analyzer};
use crate::Fields;

/// What a search is narrowed to; every filter that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// The outlet: its name's words, in order, within the hit's outlet name
    /// (case and accents aside), so `Valley Post` finds "Valley Post".
    pub source: Option<String>,
    /// The language code as stored (`en`, `pt-BR`), case aside.
    pub language: Option<String>,
    /// The story id.
    pub story: Option<i64>,
    /// Published at or after this time, in Unix seconds. An article without
    /// a publication date fails any date filter.
    pub published_from: Option<i64>,
    /// Published at or before this time, in Unix seconds.
    pub published_to: Option<i64>,
}

impl Filters {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self == &Filters::default()
    }
}

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first; equal scores by ascending id.
    #[default]
    Relevance,
    /// Newest publication first; undated articles last; then best match,
    /// then ascending id.
    Newest,
}

/// One filter: the query that must match, and what tells cheaply how much
/// of a segment it lets through.
pub(crate) struct Narrowing {
    pub(crate) query: Box<dyn Query>,
    pub(crate) breadth: Breadth,
}

/// How a filter's share of a segment is known.
pub(crate) enum Breadth {
    /// One term: its document frequency says how many pass.
    Term(Term),
    /// Published within these bounds (inclusive): the publication times'
    /// least and greatest values in a segment say whether all of it passes.
    Published { from: Option<i64>, to: Option<i64> },
    /// Only the filter's matches say: their size hint.
    Unknown,
}

/// `words` as the filter that finds them, in order, in `field`; `None`
/// when the analyzer finds no word in them.
fn phrase(field: tantivy::schema::Field, words: &str, mut analyzer: TextAnalyzer) -> Option<Narrowing> {
    let mut terms = Vec::new();
    let mut stream = analyzer.token_stream(words);
    let mut first = None;
    while let Some(token) = stream.next() {
        let start = *first.get_or_insert(token.position);
        terms.push((token.position - start, Term::from_field_text(field, &token.text)));
    }
    match terms.len() {
        0 => None,
        1 => {
            let term = terms.remove(0).1;
            Some(Narrowing {
                query: Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic)),
                breadth: Breadth::Term(term),
            })
        }
        _ => Some(Narrowing {
            query: Box::new(PhraseQuery::new_with_offset(terms)),
            breadth: Breadth::Unknown,
        }),
    }
}

/// Every outlet name in the index, read from the names' term lists once
/// for a given set of segments, then kept until the segments change (a
/// commit or a merge): reading them again for each search cost a third of
/// an outlet-filtered search's time.
#[derive(Default)]
pub(crate) struct OutletNames {
    kept: Mutex<Option<NamesRead>>,
}

/// The segments the names were read from, and the names.
type NamesRead = (Vec<SegmentId>, Arc<BTreeSet<String>>);

impl OutletNames {
    fn of(&self, field: Field, searcher: &Searcher) -> crate::Result<Arc<BTreeSet<String>>> {
        let segments: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|reader| reader.segment_id())
            .collect();
        let mut kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((read_from, names)) = kept.as_ref() {
            if *read_from == segments {
                return Ok(Arc::clone(names));
            }
        }
        let mut names = BTreeSet::new();
        for reader in searcher.segment_readers() {
            let inverted = reader.inverted_index(field)?;
            let mut stream = inverted.terms().stream().map_err(tantivy::TantivyError::from)?;
            while stream.advance() {
                if let Ok(name) = std::str::from_utf8(stream.key()) {
                    if !names.contains(name) {
                        names.insert(name.to_string());
                    }
                }
            }
        }
        let names = Arc::new(names);
        *kept = Some((segments, Arc::clone(&names)));
        Ok(names)
    }
}

/// The outlet filter: `words`, in order, within the outlet's name.
///
/// An index holds a few thousand outlet names at most, and each name is
/// also indexed whole, as one term. So the filter is settled per name, not
/// per article: every name in the index that holds the words in order is
/// picked from [`OutletNames`], and the filter is "one of these names".
/// A phrase over each article's name words read positions for every
/// article of every outlet that shared a word with the filter ("The",
/// "Daily", "News").
fn outlet(fields: &Fields, words: &str, known: &BTreeSet<String>) -> Narrowing {
    let wanted = joined_words(&mut text_analyzer(), words);
    let (head, tail, inner) = (format!("{wanted} "), format!(" {wanted}"), format!(" {wanted} "));
    let holds =
        |name: &str| name == wanted || name.starts_with(&head) || name.ends_with(&tail) || name.contains(&inner);
    let terms: Vec<Term> = if wanted.is_empty() {
        Vec::new()
    } else {
        known
            .iter()
            .filter(|name| holds(name))
            .map(|name| Term::from_field_text(fields.source_name, name))
            .collect()
    };
    match terms.as_slice() {
        [] => Narrowing {
            query: Box::new(EmptyQuery),
            breadth: Breadth::Unknown,
        },
        [term] => Narrowing {
            query: Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic)),
            breadth: Breadth::Term(term.clone()),
        },
        _ => Narrowing {
            query: Box::new(TermSetQuery::new(terms)),
            breadth: Breadth::Unknown,
        },
    }
}

/// Every filter that is set, each as a query that must match.
pub(crate) fn narrowings(
    fields: &Fields,
    filters: &Filters,
    searcher: &Searcher,
    outlet_names: &OutletNames,
) -> crate::Result<Vec<Narrowing>> {
    let nothing = || Narrowing {
        query: Box::new(EmptyQuery),
        breadth: Breadth::Unknown,
    };
    let mut out = Vec::new();
    if let Some(source) = &filters.source {
        // An outlet named with no word at all matches no outlet.
        let known = outlet_names.of(fields.source_name, searcher)?;
        out.push(outlet(fields, source, &known));
    }
    if let Some(language) = &filters.language {
        out.push(phrase(fields.language, language, keyword_analyzer()).unwrap_or_else(nothing));
    }
    if let Some(story) = filters.story {
        let term = Term::from_field_i64(fields.story, story);
        out.push(Narrowing {
            query: Box::new(TermQuery::new(term.clone(), IndexRecordOption::Basic)),
            breadth: Breadth::Term(term),
        });
    }
    if filters.published_from.is_some() || filters.published_to.is_some() {
        let bound = |value: Option<i64>| match value {
            Some(seconds) => Bound::Included(Term::from_field_i64(fields.published, seconds)),
            None => Bound::Unbounded,
        };
        out.push(Narrowing {
            query: Box::new(RangeQuery::new(
                bound(filters.published_from),
                bound(filters.published_to),
            )),
            breadth: Breadth::Published {
                from: filters.published_from,
                to: filters.published_to,
            },
        });
    }
    Ok(out)
}

/// The user's query (or every document, for a filter-only search) with the
/// filters added as unscored clauses that must match.
pub(crate) fn apply(words: Option<Box<dyn Query>>, narrowings: &[Narrowing]) -> Box<dyn Query> {
    let words = words.unwrap_or_else(|| Box::new(AllQuery));
    if narrowings.is_empty() {
        return words;
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, words)];
    for narrowing in narrowings {
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(narrowing.query.box_clone(), 0.0)),
        ));
    }
    Box::new(BooleanQuery::new(clauses))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IndexedArticle, SearchIndex};

    fn article(id: i64, source: &str, language: &str, story: i64, published: Option<i64>) -> IndexedArticle {
        IndexedArticle {
            id,
            title: format!("Ferry news {id}"),
            text: format!("The ferry to Isla Verde sailed, report {id}."),
            url: format!("https://news.example/{id}"),
            source: source.to_string(),
            language: Some(language.to_string()),
            published,
            story: Some(story),
        }
    }

    const DAY: i64 = 86_400;

    fn index(dir: &std::path::Path) -> SearchIndex {
        let index = SearchIndex::open(dir).unwrap();
        let mut batch = index.batch().unwrap();
        for a in [
            article(1, "Harbour Gazette", "en", 10, Some(100 * DAY)),
            article(2, "Gazette", "en", 10, Some(103 * DAY)),
            article(3, "Diário da Ilha", "pt-BR", 11, Some(101 * DAY + 3600)),
            article(4, "Harbour Gazette", "en", 11, None),
            article(5, "Island Radio", "en", 12, Some(102 * DAY)),
        ] {
            batch.upsert(&a).unwrap();
        }
        batch.commit().unwrap();
        index
    }

    fn ids(index: &SearchIndex, query: &str, filters: &Filters, sort: Sort) -> Vec<i64> {
        index
            .search_filtered(query, filters, sort, 50)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect()
    }

    #[test]
    fn each_filter_narrows_the_search() {
        let dir = tempfile::tempdir().unwrap();
        let index = index(dir.path());
        let by = |filters: Filters| {
            let mut found = ids(&index, "ferry", &filters, Sort::Relevance);
            found.sort_unstable();
            found
        };
        assert_eq!(by(Filters::default()), [1, 2, 3, 4, 5]);
        let source = |s: &str| Filters {
            source: Some(s.to_string()),
            ..Filters::default()
        };
        assert_eq!(by(source("harbour gazette")), [1, 4]);
        assert_eq!(by(source("Gazette")), [1, 2, 4], "the words, not the whole name");
        assert_eq!(by(source("diario da ilha")), [3], "accents fold");
        assert_eq!(by(source("gazette harbour")), Vec::<i64>::new(), "in order");
        assert_eq!(by(source("--")), Vec::<i64>::new(), "no word matches nothing");

        let language = Filters {
            language: Some("PT-br".to_string()),
            ..Filters::default()
        };
        assert_eq!(by(language), [3]);
        let story = Filters {
            story: Some(11),
            ..Filters::default()
        };
        assert_eq!(by(story), [3, 4]);
        let from = Filters {
            published_from: Some(101 * DAY),
            ..Filters::default()
        };
        assert_eq!(by(from), [2, 3, 5], "undated articles fail a date filter");
        let between = Filters {
            published_from: Some(101 * DAY),
            published_to: Some(102 * DAY),
            ..Filters::default()
        };
        assert_eq!(by(between), [3, 5], "both ends inclusive");
        let combined = Filters {
            source: Some("gazette".to_string()),
            language: Some("en".to_string()),
            published_to: Some(101 * DAY),
            ..Filters::default()
        };
        assert_eq!(by(combined), [1]);
    }

    #[test]
    fn an_outlet_with_every_pair_of_the_words_but_not_in_order_is_not_a_match() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        let mut batch = index.batch().unwrap();
        batch
            .upsert(&article(1, "Bay City Times Gazette Bay", "en", 1, None))
            .unwrap();
        batch.commit().unwrap();
        let by = |name: &str| {
            let filters = Filters {
                source: Some(name.to_string()),
                ..Filters::default()
            };
            ids(&index, "ferry", &filters, Sort::Relevance)
        };
        // "gazette bay" and "bay city" are both in the name, apart.
        assert_eq!(by("gazette bay city"), Vec::<i64>::new());
        assert_eq!(by("city times gazette"), [1]);
        assert_eq!(by("gazette bay"), [1]);
        assert_eq!(by("bay"), [1]);
    }

    #[test]
    fn an_outlet_first_seen_in_a_later_commit_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let index = index(dir.path());
        let from = |name: &str| Filters {
            source: Some(name.to_string()),
            ..Filters::default()
        };
        assert_eq!(ids(&index, "ferry", &from("island radio"), Sort::Relevance), [5]);
        assert!(ids(&index, "ferry", &from("coast courier"), Sort::Relevance).is_empty());
        let mut batch = index.batch().unwrap();
        batch
            .upsert(&article(6, "Coast Courier", "en", 13, Some(104 * DAY)))
            .unwrap();
        batch.commit().unwrap();
        assert_eq!(ids(&index, "ferry", &from("coast courier"), Sort::Relevance), [6]);
        assert_eq!(ids(&index, "ferry", &from("island radio"), Sort::Relevance), [5]);
    }

    #[test]
    fn filters_do_not_change_scores() {
        let dir = tempfile::tempdir().unwrap();
        let index = index(dir.path());
        let plain = index.search("ferry 3", 10).unwrap();
        let filtered = index
            .search_filtered(
                "ferry 3",
                &Filters {
                    story: Some(11),
                    ..Filters::default()
                },
                Sort::Relevance,
                10,
            )
            .unwrap();
        assert_eq!(filtered[0].id, 3);
        assert_eq!(filtered[0].score, plain[0].score);
    }

    #[test]
    fn newest_first_puts_undated_articles_last() {
        let dir = tempfile::tempdir().unwrap();
        let index = index(dir.path());
        assert_eq!(ids(&index, "ferry", &Filters::default(), Sort::Newest), [2, 5, 3, 1, 4]);
        let hits = index
            .search_filtered("ferry", &Filters::default(), Sort::Newest, 2)
            .unwrap();
        assert_eq!(hits.len(), 2);
        assert!(hits[0].score > 0.0);
    }

    #[test]
    fn a_blank_query_with_filters_lists_what_passes_them() {
        let dir = tempfile::tempdir().unwrap();
        let index = index(dir.path());
        let gazette = Filters {
            source: Some("harbour gazette".to_string()),
            ..Filters::default()
        };
        assert_eq!(ids(&index, "  ", &gazette, Sort::Newest), [1, 4]);
        let hit = &index.search_filtered("", &gazette, Sort::Newest, 1).unwrap()[0];
        assert!(hit.snippet.starts_with("The ferry"), "{}", hit.snippet);
        assert!(ids(&index, "", &Filters::default(), Sort::Newest).is_empty());
    }

    #[test]
    fn a_bad_query_is_still_refused_with_filters() {
        let dir = tempfile::tempdir().unwrap();
        let index = index(dir.path());
        let story = Filters {
            story: Some(10),
            ..Filters::default()
        };
        assert!(matches!(
            index.search_filtered("nosuchfield:x", &story, Sort::Newest, 5),
            Err(crate::Error::Query { .. })
        ));
    }

    /// Filters that most articles pass are checked match by match beside
    /// the words' best-first ranking; narrow ones lead an intersection;
    /// those every article of a segment passes are dropped there. Each way
    /// must give what filtering the unfiltered ranking gives.
    #[test]
    fn broad_and_narrow_filters_give_the_unfiltered_ranking_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        let make = |id: i64| {
            let mut a = article(
                id,
                if id % 13 == 0 {
                    "Harbour Gazette"
                } else {
                    "Island Radio"
                },
                "en",
                1,
                None,
            );
            a.language = Some(if id % 4 == 0 { "fr" } else { "en" }.to_string());
            a.published = Some((100 + id) * DAY);
            a.text = format!(
                "{} The ferry sailed late. {}",
                "ferry ".repeat((id % 5) as usize),
                "calm ".repeat((id % 7) as usize)
            );
            a
        };
        // Two segments, each its own commit.
        for ids in [1..=30, 31..=60] {
            let mut batch = index.batch().unwrap();
            for id in ids {
                batch.upsert(&make(id)).unwrap();
            }
            batch.commit().unwrap();
        }
        let all = index
            .search_filtered("ferry", &Filters::default(), Sort::Relevance, 100)
            .unwrap();
        assert_eq!(all.len(), 60);
        type Passes = Box<dyn Fn(i64) -> bool>;
        let cases: Vec<(Filters, Passes)> = vec![
            (
                Filters {
                    language: Some("en".into()),
                    ..Filters::default()
                },
                Box::new(|id| id % 4 != 0),
            ),
            (
                Filters {
                    language: Some("fr".into()),
                    ..Filters::default()
                },
                Box::new(|id| id % 4 == 0),
            ),
            (
                Filters {
                    source: Some("gazette".into()),
                    ..Filters::default()
                },
                Box::new(|id| id % 13 == 0),
            ),
            (
                Filters {
                    published_from: Some(DAY),
                    published_to: Some(1_000 * DAY),
                    ..Filters::default()
                },
                Box::new(|_| true),
            ),
            (
                Filters {
                    published_from: Some(120 * DAY),
                    ..Filters::default()
                },
                Box::new(|id| id >= 20),
            ),
            (
                Filters {
                    language: Some("en".into()),
                    source: Some("island radio".into()),
                    published_to: Some(1_000 * DAY),
                    ..Filters::default()
                },
                Box::new(|id| id % 4 != 0 && id % 13 != 0),
            ),
        ];
        for (filters, passes) in cases {
            for limit in [1, 3, 10, 100] {
                let expected: Vec<(i64, f32)> = all
                    .iter()
                    .filter(|hit| passes(hit.id))
                    .take(limit)
                    .map(|hit| (hit.id, hit.score))
                    .collect();
                let found: Vec<(i64, f32)> = index
                    .search_filtered("ferry", &filters, Sort::Relevance, limit)
                    .unwrap()
                    .iter()
                    .map(|hit| (hit.id, hit.score))
                    .collect();
                assert_eq!(found, expected, "{filters:?}, limit {limit}");
            }
        }
    }
}
