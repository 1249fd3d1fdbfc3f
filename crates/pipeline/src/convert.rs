//! Conversions between the stages' types: stored articles to what the story engine and the index take, verdicts to placements.

use index::IndexedArticle;
use model::{Article, Assignment, Document};
use store::{ArticleId, StoredArticle, StoryId, StoryPlacement};

pub(crate) fn placement_of(assignment: &Assignment) -> StoryPlacement {
    StoryPlacement {
        story_key: assignment.story_key.clone(),
        copy_of: assignment
            .copy_of
            .as_deref()
            .and_then(|s| s.parse().ok())
            .map(ArticleId),
        redated: assignment.redated,
    }
}

/// The URL that identifies a page in the store: its canonical URL in
/// normalised form, else a content address, so that a file imported twice
/// is recognised even when it names no URL.
pub(crate) fn identity_url(article: &Article, identity_hash: &str) -> String {
    article
        .canonical_url
        .as_deref()
        .or(article.url.as_deref())
        .and_then(stories::canonical_url)
        .unwrap_or_else(|| format!("urn:sha256:{identity_hash}"))
}

pub(crate) fn document_of(stored: &StoredArticle) -> Document {
    let a = &stored.article;
    Document {
        id: stored.id.to_string(),
        title: a.title.clone(),
        text: a.text.clone(),
        published: a.published,
        source: Some(stored.outlet.clone()),
        url: a.canonical_url.clone().or_else(|| a.url.clone()),
        language: a.language.clone(),
    }
}

pub(crate) fn indexed_of(stored: &StoredArticle, story: Option<StoryId>) -> IndexedArticle {
    let a = &stored.article;
    IndexedArticle {
        id: stored.id.0,
        title: a.title.clone().unwrap_or_default(),
        text: a.text.clone(),
        url: a.url.clone().unwrap_or_else(|| stored.canonical_url.clone()),
        source: stored.outlet.clone(),
        language: a.language.clone(),
        published: a.published.map(|t| t.unix()),
        story: story.map(|s| s.0),
    }
}
