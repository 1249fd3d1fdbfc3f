//! Saved searches: kept with a name, each with its own results page
//! (`/saved/{id}`) and an Atom feed of its newest hits
//! (`/saved/{id}/feed.atom`), which any feed reader can follow as an alert.
//!
//! The pages' forms carry a CSRF token (see [`crate::csrf`]); creating and
//! deleting are admin actions, and the JSON API offers the same under
//! `/api/v1/saved-searches`.

use askama::Template;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use store::{NewSavedSearch, SavedSearch, SavedSearchId, SearchSort};

use crate::atom::{self, Entry, Feed, Link};
use crate::auth::{Admin, ApiWriter};
use crate::csrf::{self, CsrfToken};
use crate::display::{web_link, When};
use crate::openapi::{schemas, ErrorBody};
use crate::pages::Pager;
use crate::params::{path_id, QueryParams};
use crate::search_page::{self, results_page, with_csrf_cookie, SavedHeading, SearchPage, SearchSpec, MAX_SEARCH_PAGE};
use crate::{AppState, BaseUrl, Error};

/// Longer names would not fit a list or a feed reader's sidebar.
const MAX_NAME_CHARS: usize = 200;
/// Enough for a reader polling every few hours to miss nothing on a busy
/// day, as the other feeds.
const HITS_IN_FEED: usize = 50;

/// The "Save this search" form: a name, the search's parameters, and the
/// CSRF token.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SavedForm {
    pub csrf: Option<String>,
    pub name: Option<String>,
    pub q: Option<String>,
    pub source: Option<String>,
    pub language: Option<String>,
    pub story: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
}

impl SavedForm {
    fn value(&self, name: &str) -> Option<String> {
        let value = match name {
            "name" => &self.name,
            "q" => &self.q,
            "source" => &self.source,
            "language" => &self.language,
            "story" => &self.story,
            "from" => &self.from,
            "to" => &self.to,
            "sort" => &self.sort,
            _ => &None,
        };
        trimmed(value.as_deref())
    }
}

/// A form with nothing but its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeleteForm {
    pub csrf: Option<String>,
}

fn trimmed(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// A search to save, checked: a name, and a search the index can run.
async fn checked(state: &AppState, name: Option<String>, spec: SearchSpec) -> Result<NewSavedSearch, Error> {
    let name = name.ok_or_else(|| Error::BadRequest("name: a saved search needs a name".to_string()))?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::BadRequest(format!(
            "name must be at most {MAX_NAME_CHARS} characters long"
        )));
    }
    if !spec.is_search() {
        return Err(Error::BadRequest(
            "a saved search needs words to search for (q) or at least one filter".to_string(),
        ));
    }
    // A query the index refuses is refused now, not on every later visit.
    search_page::run(state, &spec, 1).await?;
    Ok(NewSavedSearch {
        name,
        query: spec.query,
        filters: spec.filters,
        sort: spec.sort,
    })
}

async fn saved_from_path(state: &AppState, id: Result<Path<String>, PathRejection>) -> Result<SavedSearch, Error> {
    let id = path_id(id, "saved search")?;
    state
        .store
        .saved_search(SavedSearchId(id))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no saved search with id {id}")))
}

/// `POST /saved`, from the search page's form: saves the search and goes
/// to its page.
pub(crate) async fn create_saved(
    _admin: Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<SavedForm>, FormRejection>,
) -> Result<Response, Error> {
    let Form(form) = form.map_err(|err| Error::BadRequest(format!("cannot read the form: {err}")))?;
    csrf::verify(&headers, form.csrf.as_deref())?;
    let spec = SearchSpec::read(|name| form.value(name))?;
    let new = checked(&state, form.value("name"), spec).await?;
    let id = state.store.save_search(&new).await?;
    Ok(Redirect::to(&format!("/saved/{id}")).into_response())
}

/// `POST /saved/{id}/delete`, from the list's form.
pub(crate) async fn delete_saved(
    _admin: Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    form: Result<Form<DeleteForm>, FormRejection>,
) -> Result<Response, Error> {
    let Form(form) = form.map_err(|err| Error::BadRequest(format!("cannot read the form: {err}")))?;
    csrf::verify(&headers, form.csrf.as_deref())?;
    let id = path_id(id, "saved search")?;
    if !state.store.delete_saved_search(SavedSearchId(id)).await? {
        return Err(Error::NotFound(format!("no saved search with id {id}")));
    }
    Ok(Redirect::to("/saved").into_response())
}

pub(crate) struct SavedRow {
    pub id: SavedSearchId,
    pub name: String,
    pub description: String,
    pub created: When,
}

#[derive(Template)]
#[template(path = "saved.html")]
struct SavedList {
    search_value: String,
    searches: Vec<SavedRow>,
    csrf_field: &'static str,
    csrf: String,
}

/// `GET /saved`: every saved search, newest first.
pub(crate) async fn saved_list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Error> {
    let searches = state.store.saved_searches().await?;
    let token = CsrfToken::of(&headers);
    let view = SavedList {
        search_value: String::new(),
        searches: searches
            .iter()
            .map(|saved| SavedRow {
                id: saved.id,
                name: saved.name.clone(),
                description: SearchSpec::of_saved(saved).describe(),
                created: When::utc(&saved.created_at),
            })
            .collect(),
        csrf_field: csrf::FIELD,
        csrf: token.value.clone(),
    };
    Ok(with_csrf_cookie(&state, &token, view.render()?))
}

/// `GET /saved/{id}`: the search's results, as the search page shows them.
pub(crate) async fn saved_page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    params: QueryParams,
) -> Result<Response, Error> {
    let saved = saved_from_path(&state, id).await?;
    let page = params.number("page", 1, 1, MAX_SEARCH_PAGE)?;
    let spec = SearchSpec::of_saved(&saved);
    let (hits, pager) = if spec.is_search() {
        let id = saved.id;
        results_page(&state, &spec, page, |n| format!("/saved/{id}?page={n}")).await?
    } else {
        (Vec::new(), Pager::new(1, false, |_| String::new(), ("", "")))
    };
    let view = SearchPage {
        search_value: spec.query.clone(),
        heading: saved.name.clone(),
        is_search: true,
        form: spec.form(),
        hits,
        pager,
        saved: Some(SavedHeading {
            name: saved.name.clone(),
            description: spec.describe(),
            feed_href: format!("/saved/{}/feed.atom", saved.id),
        }),
        save: None,
    };
    Ok(axum::response::Html(view.render()?).into_response())
}

/// `GET /saved/{id}/feed.atom`: the newest hits, newest first, whatever
/// order the search itself is saved with.
pub(crate) async fn saved_feed(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let saved = saved_from_path(&state, id).await?;
    let mut spec = SearchSpec::of_saved(&saved);
    spec.sort = SearchSort::Date;
    let hits = if spec.is_search() {
        search_page::run(&state, &spec, HITS_IN_FEED).await?
    } else {
        Vec::new()
    };
    let feed = saved_search_feed(&state.base_url, &saved, &spec, hits);
    Ok(([(header::CONTENT_TYPE, atom::MEDIA_TYPE)], feed.to_xml()).into_response())
}

fn saved_search_feed(site: &BaseUrl, saved: &SavedSearch, spec: &SearchSpec, hits: Vec<index::Hit>) -> Feed {
    let page = format!("/saved/{}", saved.id);
    // An undated article takes the search's own date rather than the
    // time of the request, so that readers do not see it as new each poll.
    let fallback = saved.created_at.fixed_offset();
    let entries = hits
        .into_iter()
        .map(|hit| {
            let published = hit
                .published
                .and_then(|secs| DateTime::from_timestamp(secs, 0))
                .map(|t| t.fixed_offset());
            let mut links = vec![Link {
                rel: "alternate",
                href: site.join(&format!("/article/{}", hit.id)),
                media_type: Some("text/html"),
                title: None,
            }];
            if let Some(href) = web_link(Some(&hit.url)) {
                links.push(Link {
                    rel: "related",
                    href,
                    media_type: Some("text/html"),
                    title: Some(format!("Original at {}", hit.source)),
                });
            }
            let snippet = hit.snippet.trim();
            Entry {
                id: format!("urn:ravenwire:article:{}", hit.id),
                title: if hit.title.trim().is_empty() {
                    "Untitled article".to_string()
                } else {
                    hit.title.clone()
                },
                updated: published.unwrap_or(fallback),
                published,
                author: (!hit.source.is_empty()).then(|| hit.source.clone()),
                links,
                categories: Vec::new(),
                summary: (!snippet.is_empty()).then(|| snippet.to_string()),
            }
        })
        .collect();
    Feed {
        id: format!("urn:ravenwire:feed:saved:{}", saved.id),
        title: format!("{} · ravenwire", saved.name),
        subtitle: Some(format!("The newest articles for the saved search {}.", spec.describe())),
        links: vec![
            Link {
                rel: "self",
                href: site.join(&format!("{page}/feed.atom")),
                media_type: Some("application/atom+xml"),
                title: None,
            },
            Link {
                rel: "alternate",
                href: site.join(&page),
                media_type: Some("text/html"),
                title: None,
            },
        ],
        author: "ravenwire".to_string(),
        entries,
    }
}

/// A saved search in the JSON API, with the absolute addresses of its page
/// and feed.
#[derive(Serialize)]
pub(crate) struct SavedJson {
    #[serde(flatten)]
    search: SavedSearch,
    page: String,
    feed: String,
}

impl SavedJson {
    fn new(site: &BaseUrl, search: SavedSearch) -> Self {
        SavedJson {
            page: site.join(&format!("/saved/{}", search.id)),
            feed: site.join(&format!("/saved/{}/feed.atom", search.id)),
            search,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct SavedListJson {
    saved_searches: Vec<SavedJson>,
}

/// `GET /api/v1/saved-searches`, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/saved-searches",
    tag = "saved searches",
    responses(
        (status = 200, description = "Every saved search, newest first", body = schemas::SavedList),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn api_list(State(state): State<AppState>) -> Result<Json<SavedListJson>, Error> {
    let searches = state.store.saved_searches().await?;
    Ok(Json(SavedListJson {
        saved_searches: searches
            .into_iter()
            .map(|s| SavedJson::new(&state.base_url, s))
            .collect(),
    }))
}

/// `GET /api/v1/saved-searches/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/saved-searches/{id}",
    tag = "saved searches",
    params(("id" = i64, Path, description = "The saved search's id")),
    responses(
        (status = 200, description = "The saved search", body = schemas::SavedJson),
        (status = 400, description = "Not a saved-search id", body = ErrorBody),
        (status = 404, description = "No saved search with this id", body = ErrorBody),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn api_get(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<SavedJson>, Error> {
    let saved = saved_from_path(&state, id).await?;
    Ok(Json(SavedJson::new(&state.base_url, saved)))
}

/// `POST /api/v1/saved-searches` with a JSON object: `name`, `q` (or
/// `query`), and the search's other parameters as the search API takes
/// them. Answers 201 with the saved search.
#[utoipa::path(
    post,
    path = "/api/v1/saved-searches",
    tag = "saved searches",
    request_body = schemas::NewSavedSearch,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Saved; `Location` names it", body = schemas::SavedJson),
        (status = 400, description = "A body that is not a search to save", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Credentials that do not allow it", body = ErrorBody),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn api_create(
    _writer: ApiWriter,
    State(state): State<AppState>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, Error> {
    let Json(body) = body.map_err(|err| Error::BadRequest(format!("cannot read the JSON body: {err}")))?;
    let serde_json::Value::Object(fields) = body else {
        return Err(Error::BadRequest(
            "the body must be a JSON object such as {\"name\": \"Ferries\", \"q\": \"ferry\"}".to_string(),
        ));
    };
    let value = |name: &str| {
        let found = match name {
            "q" => fields.get("q").or_else(|| fields.get("query")),
            other => fields.get(other),
        };
        match found? {
            serde_json::Value::Null => None,
            serde_json::Value::String(text) => trimmed(Some(text)),
            other => Some(other.to_string()),
        }
    };
    let spec = SearchSpec::read(value)?;
    let new = checked(&state, value("name"), spec).await?;
    let id = state.store.save_search(&new).await?;
    let saved = state
        .store
        .saved_search(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no saved search with id {id}")))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/saved-searches/{id}"))],
        Json(SavedJson::new(&state.base_url, saved)),
    )
        .into_response())
}

/// `DELETE /api/v1/saved-searches/{id}`: 204, or 404 when there is none.
#[utoipa::path(
    delete,
    path = "/api/v1/saved-searches/{id}",
    tag = "saved searches",
    params(("id" = i64, Path, description = "The saved search's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not a saved-search id", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Credentials that do not allow it", body = ErrorBody),
        (status = 404, description = "No saved search with this id", body = ErrorBody),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn api_delete(
    _writer: ApiWriter,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Error> {
    let id = path_id(id, "saved search")?;
    if state.store.delete_saved_search(SavedSearchId(id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound(format!("no saved search with id {id}")))
    }
}
