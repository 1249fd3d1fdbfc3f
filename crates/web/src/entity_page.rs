//! Entities: the people, organisations and places a story's articles name
//! (listed on the story page and in its JSON), and each entity's own page,
//! `/entity/{id}`, with the stories that name it, newest first; its JSON
//! is `/api/v1/entities/{id}`.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::Json;
use serde::Serialize;
use store::{EntityId, EntityKind, StoredEntity, StoryId, StorySummary};
use utoipa::ToSchema;

use crate::display::count_label;
use crate::front_page::StoryCard;
use crate::openapi::ErrorBody;
use crate::pages::Pager;
use crate::params::{path_id, QueryParams};
use crate::{AppState, Error};

/// The most entities a story lists.
pub(crate) const STORY_ENTITIES: u32 = 45;
const STORIES_PER_PAGE: u32 = 20;
const MAX_PAGE: u32 = 1000;
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;
const MAX_OFFSET: u32 = 1_000_000;

/// One entity as a link on the story page.
pub(crate) struct EntityLink {
    pub href: String,
    pub name: String,
    /// "3 mentions".
    pub title: String,
}

/// A story's entities by kind, most mentioned first in each.
#[derive(Default)]
pub(crate) struct EntityGroups {
    pub people: Vec<EntityLink>,
    pub organisations: Vec<EntityLink>,
    pub places: Vec<EntityLink>,
}

impl EntityGroups {
    pub(crate) fn of(entities: &[StoredEntity]) -> Self {
        let mut groups = EntityGroups::default();
        for entity in entities {
            let link = EntityLink {
                href: format!("/entity/{}", entity.id),
                name: entity.name.clone(),
                title: format!(
                    "{} in {}",
                    count_label(clamp(entity.mentions), "mention", "mentions"),
                    count_label(clamp(entity.articles), "article", "articles")
                ),
            };
            match entity.kind {
                EntityKind::Person => groups.people.push(link),
                EntityKind::Organisation => groups.organisations.push(link),
                EntityKind::Place => groups.places.push(link),
            }
        }
        groups
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.people.is_empty() && self.organisations.is_empty() && self.places.is_empty()
    }
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn kind_label(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Person => "Person",
        EntityKind::Organisation => "Organisation",
        EntityKind::Place => "Place",
    }
}

/// The entities a story's articles name, for its page and its JSON.
pub(crate) async fn story_entities(state: &AppState, story: StoryId) -> Result<Vec<StoredEntity>, Error> {
    Ok(state.store.story_entities(story, STORY_ENTITIES).await?)
}

async fn entity_from_path(state: &AppState, id: Result<Path<String>, PathRejection>) -> Result<StoredEntity, Error> {
    let id = path_id(id, "entity")?;
    state
        .store
        .entity(EntityId(id))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no entity with id {id}")))
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage {
    search_value: String,
    name: String,
    kind: &'static str,
    counts: String,
    page: u32,
    stories: Vec<StoryCard>,
    pager: Pager,
}

/// `/entity/{id}`: the stories that name an entity, newest first.
pub(crate) async fn entity_page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    params: QueryParams,
) -> Result<Html<String>, Error> {
    let entity = entity_from_path(&state, id).await?;
    let page = params.number("page", 1, 1, MAX_PAGE)?;
    let offset = (page - 1) * STORIES_PER_PAGE;
    // One extra row tells whether an older page exists.
    let mut stories = state
        .store
        .entity_stories(entity.id, STORIES_PER_PAGE + 1, offset)
        .await?;
    let has_more = stories.len() > STORIES_PER_PAGE as usize;
    stories.truncate(STORIES_PER_PAGE as usize);
    let id = entity.id;
    let pager = Pager::new(page, has_more, |n| format!("/entity/{id}?page={n}"), ("Newer", "Older"));
    let view = EntityPage {
        search_value: String::new(),
        counts: format!(
            "Named {} in {}.",
            count_label(clamp(entity.mentions), "time", "times"),
            count_label(clamp(entity.articles), "article", "articles")
        ),
        name: entity.name,
        kind: kind_label(entity.kind),
        page,
        stories: stories.iter().map(StoryCard::from).collect(),
        pager,
    };
    Ok(Html(view.render()?))
}

/// An entity and a page of the stories that name it, newest first.
#[derive(Serialize, ToSchema)]
pub(crate) struct EntityJson {
    #[schema(value_type = crate::openapi::schemas::StoredEntity)]
    entity: StoredEntity,
    /// How many stories name it in all.
    total_stories: u64,
    limit: u32,
    offset: u32,
    #[schema(value_type = Vec<crate::openapi::schemas::StorySummary>)]
    stories: Vec<StorySummary>,
}

/// `/api/v1/entities/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/entities/{id}",
    tag = "stories",
    params(
        ("id" = i64, Path, description = "The entity's id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Stories per page (default 20)"),
        ("offset" = Option<u32>, Query, maximum = 1_000_000, description = "Stories to skip (default 0)"),
    ),
    responses(
        (status = 200, description = "The entity and the stories that name it, newest first", body = EntityJson),
        (status = 400, description = "Not an entity id, or a limit or offset out of range", body = ErrorBody),
        (status = 404, description = "No entity with this id", body = ErrorBody),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn api_entity(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    params: QueryParams,
) -> Result<Json<EntityJson>, Error> {
    let entity = entity_from_path(&state, id).await?;
    let limit = params.number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let offset = params.number("offset", 0, 0, MAX_OFFSET)?;
    let (stories, total_stories) = tokio::try_join!(
        state.store.entity_stories(entity.id, limit, offset),
        state.store.count_entity_stories(entity.id)
    )?;
    Ok(Json(EntityJson {
        entity,
        total_stories,
        limit,
        offset,
        stories,
    }))
}

#[cfg(test)]
#[path = "entity_page_tests.rs"]
mod tests;
