//! Loading the story or article a path names, with the same errors for the
//! HTML pages, the JSON API and the feeds.

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
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
