//! What the backend's tests share: a fresh database each, and articles.

use model::Article;
use tempfile::TempDir;

use super::SqliteStore;
use crate::{NewArticle, StoryPlacement};

/// A store on a new file in its own folder; keep the folder alive as long
/// as the store.
pub(super) async fn fresh_store() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("ravenwire.db"))
        .await
        .expect("open a fresh database");
    (dir, store)
}

/// An article whose content hash is derived from its URL, so that each URL
/// has a distinct body unless a test says otherwise.
pub(super) fn new_article(canonical_url: &str, title: &str, published: Option<&str>) -> NewArticle {
    NewArticle {
        article: Article {
            url: Some(canonical_url.to_string()),
            canonical_url: Some(canonical_url.to_string()),
            title: (!title.is_empty()).then(|| title.to_string()),
            text: format!("Body of {canonical_url}."),
            html: format!("<p>Body of {canonical_url}.</p>"),
            published: published.map(|p| p.parse().expect("test timestamp")),
            ..Article::default()
        },
        canonical_url: canonical_url.to_string(),
        content_hash: format!("hash of {canonical_url}"),
        source: None,
        fetch: None,
    }
}

/// An original report's placement in the story with this key.
pub(super) fn placement(key: &str) -> StoryPlacement {
    StoryPlacement {
        story_key: key.to_string(),
        copy_of: None,
        redated: false,
    }
}
