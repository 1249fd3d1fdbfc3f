//! Full-text search over articles, with tantivy.
//!
//! The index is a derived copy of the store: it can always be rebuilt from it
//! (`ravenwire reindex`), so it holds only what search needs to match, rank,
//! filter and show a hit.
//!
//! Writes go through an [`IndexBatch`], which owns tantivy's single writer
//! and makes its changes visible with one commit. Queries use tantivy's
//! query language over the title (boosted) and text by default: phrases in
//! double quotes, `AND`/`OR`/`NOT`, `+`/`-`, and `field:value` for `title`,
//! `text`, `source`, `language` and `story`. Words are lowercased and
//! accent-folded but not stemmed, so that every language is treated alike.
//! Exact phrases are searched through an index of adjacent word pairs (see
//! the `pairs` module), which finds the same articles far faster.
//! Apostrophes belong to words (`O'Brien`), a double quote left open closes
//! at the end, and a query longer than [`MAX_QUERY_CHARS`] or nested deeper
//! than [`MAX_QUERY_DEPTH`] is refused with [`Error::Query`] (see the
//! `query` module for why). [`SearchIndex::search_filtered`] narrows a
//! search by outlet, language, story and publication time, and can order
//! hits newest first.

mod filter;
mod mark;
mod merge;
mod pairs;
mod query;
mod rank;
mod tokenizer;

use std::path::{Path, PathBuf};

use serde::Serialize;
use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::TopDocs;
use tantivy::directory::error::LockError;
use tantivy::directory::MmapDirectory;
use tantivy::indexer::IndexWriterOptions;
use tantivy::query::{Occur, QueryParser};
use tantivy::query_grammar::{self, UserInputAst};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value, STORED,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, TantivyDocument, TantivyError, Term,
};

pub use crate::filter::{Filters, Sort};
pub use crate::query::{shown_query, MAX_QUERY_CHARS, MAX_QUERY_DEPTH};
use crate::tokenizer::{
    keyword_analyzer, text_analyzer, NameTokenizer, KEYWORD_TOKENIZER, NAME_TOKENIZER, TEXT_TOKENIZER,
};

/// What can go wrong in the index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("cannot open the search index at {path}: {message}")]
    Open { path: String, message: String },
    /// The folder holds an index whose fields differ from this version's:
    /// it was written by another version. An index is derived from the
    /// store, so the caller may set it aside and build a new one.
    #[error(
        "the search index at {path} was written by another ravenwire version (its fields differ); \
         remove the folder and it is rebuilt from the store"
    )]
    OtherSchema { path: String },
    #[error("bad search query {}: {message}", shown_query(query))]
    Query { query: String, message: String },
    /// Another writer, in this process or another, holds the index.
    #[error(
        "the search index at {path} is being written by another process \
         (or another batch in this one); wait for it to finish and try again"
    )]
    Locked { path: String },
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

/// The writer's memory: tantivy writes a segment when its one indexing
/// thread holds this much, so a reindex of many thousands of articles makes
/// segments of a few thousand, without weighing on a small machine.
const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// Snippet length, and the length of the lead used when nothing in the text
/// matched (a hit on the title only, or a filter-only query).
const SNIPPET_CHARS: usize = 200;
/// The size of the pieces of text a snippet is looked for in, one at a time
/// (see [`pieces`]).
const SNIPPET_SCAN_BYTES: usize = 1_024;

/// The first `max` bytes of a text or fewer, cut after the last whitespace
/// within them so that no word is cut in two; all of it when it is shorter.
fn opening(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    match head.rfind(char::is_whitespace) {
        Some(at) if at > 0 => &head[..at],
        _ => head,
    }
}

/// The text in consecutive pieces of at most about `max` bytes, each an
/// [`opening`] of what the ones before it left: no word is cut in two, and
/// together they are the whole text.
fn pieces(text: &str, max: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut piece = opening(rest, max);
        if piece.is_empty() {
            // A first character wider than `max`: take it alone.
            piece = &rest[..rest.chars().next().map_or(rest.len(), char::len_utf8)];
        }
        rest = &rest[piece.len()..];
        Some(piece)
    })
}

/// A title match says more about what an article is about than a body match.
const TITLE_BOOST: Score = 2.0;

pub(crate) const ID: &str = "id";
const TITLE: &str = "title";
const TEXT: &str = "text";
const URL: &str = "url";
const SOURCE: &str = "source";
const SOURCE_NAME: &str = "source_name";
const LANGUAGE: &str = "language";
pub(crate) const PUBLISHED: &str = "published";
const STORY: &str = "story";

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    text: Field,
    url: Field,
    source: Field,
    language: Field,
    published: Field,
    story: Field,
    /// The title's and the text's adjacent word pairs (see `pairs`).
    title_pairs: Field,
    text_pairs: Field,
    /// The outlet's whole name as one term, for the outlet filter.
    source_name: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let words = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let keyword = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(KEYWORD_TOKENIZER)
                .set_index_option(IndexRecordOption::Basic),
        )
        .set_stored();
    let pairs = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(pairs::PAIR_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let name = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(NAME_TOKENIZER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let filterable = NumericOptions::default().set_indexed().set_stored();
    let fields = Fields {
        id: builder.add_i64_field(ID, filterable.clone().set_fast()),
        title: builder.add_text_field(TITLE, words.clone()),
        text: builder.add_text_field(TEXT, words.clone()),
        url: builder.add_text_field(URL, STORED),
        source: builder.add_text_field(SOURCE, words),
        language: builder.add_text_field(LANGUAGE, keyword),
        published: builder.add_i64_field(PUBLISHED, filterable.clone().set_fast()),
        story: builder.add_i64_field(STORY, filterable),
        title_pairs: builder.add_text_field(pairs::TITLE_PAIRS, pairs.clone()),
        text_pairs: builder.add_text_field(pairs::TEXT_PAIRS, pairs.clone()),
        source_name: builder.add_text_field(SOURCE_NAME, name),
    };
    (builder.build(), fields)
}

/// The sort key of a newest-first search: publication time, score, id.
type NewestKey = (Option<i64>, Score, Option<i64>);

/// The search index in one folder.
pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    query_parser: QueryParser,
    /// Every outlet name in the index, for the outlet filter, kept for the
    /// segments it was read from (see `filter::OutletNames`).
    outlet_names: filter::OutletNames,
}

/// A batch of changes, made visible together on [`IndexBatch::commit`].
///
/// Dropping a batch without committing discards its changes.
pub struct IndexBatch<'a> {
    index: &'a SearchIndex,
    writer: IndexWriter<TantivyDocument>,
    mark: mark::MarkUpdate,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if missing.
    pub fn open(dir: &Path) -> Result<Self> {
        let open_error = |message: String| Error::Open {
            path: dir.display().to_string(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|err| open_error(err.to_string()))?;
        let directory = MmapDirectory::open(dir).map_err(|err| open_error(err.to_string()))?;
        let (schema, fields) = schema();
        let index = Index::open_or_create(directory, schema).map_err(|err| match err {
            TantivyError::SchemaError(_) => Error::OtherSchema {
                path: dir.display().to_string(),
            },
            err => open_error(format!(
                "{err} (an index written by another ravenwire version can be rebuilt \
                 with `ravenwire reindex` after removing the folder)"
            )),
        })?;
        // Analyzers are code, not data: they must be registered on every open.
        index.tokenizers().register(TEXT_TOKENIZER, text_analyzer());
        index.tokenizers().register(KEYWORD_TOKENIZER, keyword_analyzer());
        index
            .tokenizers()
            .register(pairs::PAIR_TOKENIZER, pairs::PairTokenizer::default());
        index.tokenizers().register(NAME_TOKENIZER, NameTokenizer::default());
        // Our own commits reload explicitly; the policy covers commits made
        // by another process, such as a CLI reindex under a running server.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|err| open_error(err.to_string()))?;
        let mut query_parser = QueryParser::for_index(&index, vec![fields.title, fields.text]);
        query_parser.set_field_boost(fields.title, TITLE_BOOST);
        query_parser.set_field_boost(fields.title_pairs, TITLE_BOOST);
        // Several words narrow a news search rather than widen it.
        query_parser.set_conjunction_by_default();
        Ok(Self {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            query_parser,
            outlet_names: filter::OutletNames::default(),
        })
    }

    /// Starts a batch of writes. Only one batch may be open at a time, across
    /// all processes: otherwise this fails at once with [`Error::Locked`].
    pub fn batch(&self) -> Result<IndexBatch<'_>> {
        // One indexing thread: tantivy gives each thread a segment of its
        // own, so two threads made two half-size segments per commit, and
        // twice the merges. A commit runs beside the pipeline, which keeps
        // the other cores busy; on two cores one thread indexed 20,000
        // articles with 12% less CPU, and rebuilt their index in 70% of the
        // time. One merge at a time (tantivy runs four by default). A merge
        // maps its inputs, and every page it reads counts in the process's
        // resident memory until it ends: merges side by side add those up,
        // and on two cores they only take turns with the pipeline anyway.
        let options = IndexWriterOptions::builder()
            .num_worker_threads(1)
            .memory_budget_per_thread(WRITER_MEMORY_BYTES)
            .num_merge_threads(1)
            .build();
        let writer = self.index.writer_with_options(options).map_err(|err| match err {
            TantivyError::LockFailure(LockError::LockBusy, _) => Error::Locked {
                path: self.dir.display().to_string(),
            },
            other => Error::Tantivy(other),
        })?;
        writer.set_merge_policy(Box::new(merge::BoundedMerges::new(merge::MAX_MERGED_DOCS)));
        // A writer killed inside a commit leaves the files it wrote for
        // that commit, which `meta.json` never came to name. Tantivy removes
        // such files only after a commit of its own, but a delete file's
        // name (segment and operation stamp) comes back when the next
        // process repeats the same operations from the last saved stamp,
        // and tantivy will not write over it. Nothing is in flight yet, so
        // every file the saved `meta.json` does not name is a leftover.
        writer.garbage_collect_files().wait()?;
        Ok(IndexBatch {
            index: self,
            writer,
            mark: mark::MarkUpdate::default(),
        })
    }

    /// Searches with the query language: phrases, AND/OR/NOT, field:value.
    ///
    /// Hits come best first; equal scores are ordered by ascending id. A
    /// blank query matches nothing. Every query this cannot run, whatever
    /// its shape or size, is an [`Error::Query`] naming the problem; none
    /// recurses deeper than [`MAX_QUERY_DEPTH`] levels.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>> {
        self.search_filtered(query, &Filters::default(), Sort::Relevance, limit)
    }

    /// [`SearchIndex::search`], narrowed by `filters` and ordered by `sort`.
    ///
    /// A blank query with at least one filter matches every article that
    /// passes the filters (a search for "everything from this outlet");
    /// with no filter it matches nothing.
    pub fn search_filtered(&self, query: &str, filters: &Filters, sort: Sort, limit: usize) -> Result<Vec<Hit>> {
        let blank = query.trim().is_empty();
        if limit == 0 || (blank && filters.is_empty()) {
            return Ok(Vec::new());
        }
        let (words, written) = if blank {
            (None, None)
        } else {
            let (search, written) = self.parse(query)?;
            (Some(search), Some(written))
        };
        let searcher = self.reader.searcher();
        let narrowings = filter::narrowings(&self.fields, filters, &searcher, &self.outlet_names)?;
        let parsed = filter::apply(words.as_ref().map(|words| words.box_clone()), &narrowings);
        let found: Vec<(Score, DocAddress)> = match sort {
            Sort::Relevance => {
                let plan = rank::Plan {
                    combined: &*parsed,
                    words: words.as_deref(),
                    narrowings: &narrowings,
                };
                rank::best_first(&searcher, &plan, limit)?
            }
            Sort::Newest => {
                let ranking = TopDocs::with_limit(limit).order_by((
                    (SortByStaticFastValue::<i64>::for_field(PUBLISHED), Order::Desc),
                    (SortBySimilarityScore, Order::Desc),
                    (SortByStaticFastValue::<i64>::for_field(ID), Order::Asc),
                ));
                let top: Vec<(NewestKey, DocAddress)> = searcher.search(&parsed, &ranking)?;
                top.into_iter()
                    .map(|((_, score, _), address)| (score, address))
                    .collect()
            }
        };
        // Snippets mark the query's words as written: the pairs searched for
        // a phrase are not in the stored text.
        let marked = written.as_deref().unwrap_or(&*parsed);
        let mut snippets = SnippetGenerator::create(&searcher, marked, self.fields.text)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        found
            .into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(self.hit(&doc, score, &snippets))
            })
            .collect()
    }

    /// The query language read into the query searched, with its exact
    /// phrases through the word pairs, and the query as written, whose
    /// words snippets mark; or an [`Error::Query`] naming the problem.
    fn parse(&self, query: &str) -> Result<(Box<dyn tantivy::query::Query>, Box<dyn tantivy::query::Query>)> {
        let query_error = |message: String| Error::Query {
            query: query.to_string(),
            message,
        };
        let mended = query::prepare(query).map_err(query_error)?;
        let syntax = query_grammar::parse_query(&mended).map_err(|_| query_error(query::SYNTAX_HINT.to_string()))?;
        query::check_supported(&syntax).map_err(query_error)?;
        let syntax = hoist_negations(syntax);
        let build = |ast: UserInputAst| {
            self.query_parser
                .build_query_from_user_input_ast(ast)
                .map_err(|err| query_error(err.to_string()))
        };
        let written = build(syntax.clone())?;
        let searched = build(pairs::through_pairs(syntax, &mut text_analyzer()))?;
        Ok((searched, written))
    }

    fn hit(&self, doc: &TantivyDocument, score: Score, snippets: &SnippetGenerator) -> Hit {
        let f = &self.fields;
        let text = stored_str(doc, f.text).unwrap_or_default();
        // The snippet is looked for a piece of the text at a time, from the
        // opening on, where a news report says what matters: building one
        // tokenizes all the text it is given, and whole bodies made most of
        // a search's work. The first piece with a match gives the snippet,
        // so a match deep in the text is still found, at the cost of one
        // pass over the text.
        let snippet = pieces(&text, SNIPPET_SCAN_BYTES)
            .map(|piece| snippets.snippet(piece))
            .find(|snippet| !snippet.is_empty());
        let (plain, html) = match snippet {
            Some(snippet) => (snippet.fragment().to_string(), snippet.to_html()),
            None => {
                let lead = lead(&text, SNIPPET_CHARS);
                let html = model::html::escape(&lead);
                (lead, html)
            }
        };
        Hit {
            id: stored_i64(doc, f.id).unwrap_or_default(),
            score,
            title: stored_str(doc, f.title).unwrap_or_default(),
            url: stored_str(doc, f.url).unwrap_or_default(),
            source: stored_str(doc, f.source).unwrap_or_default(),
            language: stored_str(doc, f.language),
            published: stored_i64(doc, f.published),
            story: stored_i64(doc, f.story),
            snippet: plain,
            snippet_html: html,
        }
    }

    /// Number of indexed articles.
    pub fn len(&self) -> Result<u64> {
        Ok(self.reader.searcher().num_docs())
    }

    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

impl IndexBatch<'_> {
    /// Adds an article, replacing any earlier version with the same id.
    pub fn upsert(&mut self, article: &IndexedArticle) -> Result<()> {
        let f = &self.index.fields;
        self.writer.delete_term(Term::from_field_i64(f.id, article.id));
        let mut doc = TantivyDocument::new();
        doc.add_i64(f.id, article.id);
        doc.add_text(f.title, &article.title);
        doc.add_text(f.text, &article.text);
        doc.add_text(f.title_pairs, &article.title);
        doc.add_text(f.text_pairs, &article.text);
        doc.add_text(f.source_name, &article.source);
        doc.add_text(f.url, &article.url);
        doc.add_text(f.source, &article.source);
        if let Some(language) = &article.language {
            doc.add_text(f.language, language);
        }
        if let Some(published) = article.published {
            doc.add_i64(f.published, published);
        }
        if let Some(story) = article.story {
            doc.add_i64(f.story, story);
        }
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// Removes everything (for a rebuild).
    pub fn clear(&mut self) -> Result<()> {
        self.writer.delete_all_documents()?;
        self.mark = mark::MarkUpdate {
            cleared: true,
            set: None,
            log_seq: None,
        };
        Ok(())
    }

    /// Makes the batch visible to searches, including ones on this
    /// [`SearchIndex`] right after this returns, with its mark (see
    /// [`SearchIndex::mark`]) in the same commit.
    pub fn commit(mut self) -> Result<()> {
        mark::commit(self.index, &mut self.writer, self.mark)?;
        // Finishing merges here, rather than in threads that outlive the
        // writer, hands the next batch (maybe another process) a quiet index.
        self.writer.wait_merging_threads()?;
        self.index.reader.reload()?;
        Ok(())
    }
}

/// Turns `a AND NOT b`, which the grammar reads as "a, and a clause that
/// only excludes b", into "a, excluding b". Left alone, the inner clause has
/// nothing positive to match, so the whole query would match nothing.
fn hoist_negations(ast: UserInputAst) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, child)| match hoist_negations(child) {
                    UserInputAst::Clause(mut inner)
                        if occur == Some(Occur::Must) && inner.len() == 1 && inner[0].0 == Some(Occur::MustNot) =>
                    {
                        let (_, excluded) = inner.remove(0);
                        (Some(Occur::MustNot), excluded)
                    }
                    child => (occur, child),
                })
                .collect(),
        ),
        UserInputAst::Boost(inner, boost) => UserInputAst::Boost(Box::new(hoist_negations(*inner)), boost),
        leaf @ UserInputAst::Leaf(_) => leaf,
    }
}

fn stored_str(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|value| value.as_str())
        .map(str::to_string)
}

fn stored_i64(doc: &TantivyDocument, field: Field) -> Option<i64> {
    doc.get_first(field).and_then(|value| value.as_i64())
}

/// The first `max_chars` characters of `text`, cut at a word boundary when
/// one is near, with an ellipsis when something was cut.
fn lead(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    let Some((cut, _)) = text.char_indices().nth(max_chars) else {
        return text.to_string();
    };
    let head = &text[..cut];
    let at_word = match head.rfind(char::is_whitespace) {
        Some(space) if space >= cut / 2 => &head[..space],
        _ => head,
    };
    format!("{}…", at_word.trim_end())
}

#[cfg(test)]
mod tests;
