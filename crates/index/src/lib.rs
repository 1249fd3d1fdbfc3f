//! Full-text search over articles, with tantivy.
//!
//! The index is a derived copy of the store: it can always be rebuilt from it
//! (`ravenwire reindex`), so it holds only what search needs to match, rank,
//! filter and show a hit.

use std::path::Path;

use serde::Serialize;

/// What can go wrong in the index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("cannot open the search index at {path}: {message}")]
    Open { path: String, message: String },
    #[error("bad search query {query:?}: {message}")]
    Query { query: String, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One article as the index sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedArticle {
    pub id: i64,
    pub title: String,
    pub text: String,
    pub url: String,
    /// The outlet's name.
    pub source: String,
    pub language: Option<String>,
    /// Unix seconds.
    pub published: Option<i64>,
    pub story: Option<i64>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
    pub title: String,
    pub url: String,
    pub source: String,
    pub language: Option<String>,
    pub published: Option<i64>,
    pub story: Option<i64>,
    /// Plain-text snippet.
    pub snippet: String,
    /// The same snippet as HTML: escaped text with `<b>` around matches.
    pub snippet_html: String,
}

/// The search index in one folder.
pub struct SearchIndex {}

/// A batch of changes, made visible together on [`IndexBatch::commit`].
pub struct IndexBatch<'a> {
    _index: &'a SearchIndex,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if missing.
    pub fn open(_dir: &Path) -> Result<Self> {
        todo!()
    }
    /// Starts a batch of writes. Only one batch may be open at a time.
    pub fn batch(&self) -> Result<IndexBatch<'_>> {
        todo!()
    }
    /// Searches with the query language: phrases, AND/OR/NOT, field:value.
    pub fn search(&self, _query: &str, _limit: usize) -> Result<Vec<Hit>> {
        todo!()
    }
    /// Number of indexed articles.
    pub fn len(&self) -> Result<u64> {
        todo!()
    }
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

impl IndexBatch<'_> {
    /// Adds an article, replacing any earlier version with the same id.
    pub fn upsert(&mut self, _article: &IndexedArticle) -> Result<()> {
        todo!()
    }
    /// Removes everything (for a rebuild).
    pub fn clear(&mut self) -> Result<()> {
        todo!()
    }
    pub fn commit(self) -> Result<()> {
        todo!()
    }
}
