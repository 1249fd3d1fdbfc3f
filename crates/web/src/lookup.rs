//! Loading the story or article a path names, with the same errors for the
//! HTML pages, the JSON API and the feeds.

use std::collections::HashMap;

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use model::Provenance;
use store::{ArticleId, StoredArticle, StoryDetail, StoryId};

use crate::params::path_id;
use crate::{AppState, Error};

pub(crate) async fn story_from_path(
    state: &AppState,
    id: Result<Path<String>, PathRejection>,
) -> Result<StoryDetail, Error> {
    let id = path_id(id, "story")?;
    state
        .store
        .story(StoryId(id))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no story with id {id}")))
}

pub(crate) async fn article_from_path(
    state: &AppState,
    id: Result<Path<String>, PathRejection>,
) -> Result<StoredArticle, Error> {
    let id = path_id(id, "article")?;
    state
        .store
        .article(ArticleId(id))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no article with id {id}")))
}

/// The provenance of each article among `ids`, read from the store rather
/// than the search index: a copy stored before its original arrived is
/// revised in the store, and the index would still call it an original.
/// Articles in no story are left out.
pub(crate) async fn provenance_of(
    state: &AppState,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Provenance>, Error> {
    let ids: Vec<ArticleId> = ids.into_iter().map(ArticleId).collect();
    let found = state.store.provenance(&ids).await?;
    Ok(found.into_iter().map(|(id, p)| (id.0, p)).collect())
}
