//! Filters and orderings that narrow a search beyond its words: outlet,
//! language, story and a range of publication times, newest first or best
//! first.
//!
//! A filter is a query clause that must match and adds nothing to the
//! score, so a filtered search ranks its hits exactly as the unfiltered one
//! does, only fewer of them.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use crate::tokenizer::{keyword_analyzer, text_analyzer};
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

/// `words` as the query clause that finds them, in order, in `field`;
/// `None` when the analyzer finds no word in them.
fn phrase(field: tantivy::schema::Field, words: &str, mut analyzer: TextAnalyzer) -> Option<Box<dyn Query>> {
    let mut terms = Vec::new();
    let mut stream = analyzer.token_stream(words);
    let mut first = None;
    while let Some(token) = stream.next() {
        let start = *first.get_or_insert(token.position);
        terms.push((token.position - start, Term::from_field_text(field, &token.text)));
    }
    match terms.len() {
        0 => None,
        1 => Some(Box::new(TermQuery::new(
            terms.remove(0).1,
            IndexRecordOption::WithFreqsAndPositions,
        ))),
        _ => Some(Box::new(PhraseQuery::new_with_offset(terms))),
    }
}

/// The user's query (or every document, for a filter-only search) with the
/// filters added as unscored clauses that must match.
pub(crate) fn apply(fields: &Fields, words: Option<Box<dyn Query>>, filters: &Filters) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    clauses.push((Occur::Must, words.unwrap_or_else(|| Box::new(AllQuery))));
    let mut must = |query: Box<dyn Query>| {
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(query, 0.0)) as Box<dyn Query>,
        ))
    };
    if let Some(source) = &filters.source {
        // An outlet named with no word at all matches no outlet.
        must(phrase(fields.source, source, text_analyzer()).unwrap_or_else(|| Box::new(EmptyQuery)));
    }
    if let Some(language) = &filters.language {
        must(phrase(fields.language, language, keyword_analyzer()).unwrap_or_else(|| Box::new(EmptyQuery)));
    }
    if let Some(story) = filters.story {
        must(Box::new(TermQuery::new(
            Term::from_field_i64(fields.story, story),
            IndexRecordOption::Basic,
        )));
    }
    if filters.published_from.is_some() || filters.published_to.is_some() {
        let bound = |value: Option<i64>| match value {
            Some(seconds) => Bound::Included(Term::from_field_i64(fields.published, seconds)),
            None => Bound::Unbounded,
        };
        must(Box::new(RangeQuery::new(
            bound(filters.published_from),
            bound(filters.published_to),
        )));
    }
    if clauses.len() == 1 {
        return clauses.remove(0).1;
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
}
