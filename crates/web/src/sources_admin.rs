//! The sources admin: `/sources` lists every source with its health and
//! adds, removes, imports (OPML) and exports (`/sources.opml`) them, behind
//! the login; `/api/v1/sources` does the same for API clients.
//!
//! A source added here is stored as `ravenwire add --force` stores it: a
//! sitemap when its path says "sitemap", a feed otherwise, unchecked. The
//! scheduler polls it at its next cycle, and its first poll records whether
//! it works. Web never fetches (nor calls the pipeline).

use askama::Template;
use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use chrono::{DateTime, Utc};
use model::opml::{parse_opml, write_opml, Outline};
use model::{Source, SourceKind};
use serde::{Deserialize, Serialize};
use store::{SourceId, StoredSource};
use utoipa::ToSchema;

use crate::auth::{self, Admin, ApiWriter};
use crate::csrf::{self, CsrfToken};
use crate::display::When;
use crate::openapi::ErrorBody;
use crate::params::QueryParams;
use crate::{AppState, Error};

/// The longest OPML text taken from the form, in bytes.
const MAX_OPML_BYTES: usize = 1 << 20;

/// A source with its health, as the API and `ravenwire sources --json`
/// give it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SourceHealth {
    id: i64,
    url: String,
    title: Option<String>,
    /// `feed`, `sitemap` or `site`.
    #[schema(value_type = String)]
    kind: &'static str,
    #[schema(value_type = String, format = DateTime)]
    added_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    last_poll: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    last_success: Option<DateTime<Utc>>,
    last_status: Option<u16>,
    last_error: Option<String>,
    error_count: u32,
    interval_secs: Option<i64>,
    /// `null`: due now.
    #[schema(value_type = Option<String>, format = DateTime)]
    next_poll: Option<DateTime<Utc>>,
    /// Not polled before this, even when forced (Retry-After or back-off).
    #[schema(value_type = Option<String>, format = DateTime)]
    wait_until: Option<DateTime<Utc>>,
    articles: u64,
    websub: Option<WebSubHealth>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
struct WebSubHealth {
    hub: String,
    topic: String,
    /// `requested`, `active` or `denied`.
    #[schema(value_type = String)]
    state: &'static str,
    #[schema(value_type = Option<String>, format = DateTime)]
    lease_until: Option<DateTime<Utc>>,
}

impl SourceHealth {
    fn of(source: &StoredSource, articles: u64) -> SourceHealth {
        let state = &source.state;
        SourceHealth {
            id: source.id.0,
            url: source.url.clone(),
            title: source.title.clone(),
            kind: source.kind.as_str(),
            added_at: source.added_at,
            last_poll: state.last_poll,
            last_success: state.last_success,
            last_status: state.last_status,
            last_error: state.last_error.clone(),
            error_count: state.error_count,
            interval_secs: state.interval_secs,
            next_poll: state.next_poll,
            wait_until: state.wait_until,
            articles,
            websub: source.websub.as_ref().map(|w| WebSubHealth {
                hub: w.hub.clone(),
                topic: w.topic.clone(),
                state: w.state.as_str(),
                lease_until: w.lease_until,
            }),
        }
    }
}

async fn all_sources(state: &AppState) -> Result<Vec<SourceHealth>, Error> {
    let sources = state.store.sources(None).await?;
    let mut rows = Vec::with_capacity(sources.len());
    for source in &sources {
        let articles = state.store.count_articles_of_source(source.id).await?;
        rows.push(SourceHealth::of(source, articles));
    }
    Ok(rows)
}

/// The source a URL makes without checking, as `ravenwire add --force`
/// makes it ([`model::unchecked_kind`]).
fn unchecked_source(url: &str) -> Result<Source, Error> {
    let url = url.trim();
    let kind =
        model::unchecked_kind(url).map_err(|reason| Error::BadRequest(format!("cannot add {url:?}: {reason}")))?;
    Ok(Source {
        kind,
        url: url.to_string(),
        title: None,
    })
}

/// Stores the source of `url`; true when it is new.
async fn add_url(state: &AppState, url: &str, title: Option<String>) -> Result<(SourceId, bool), Error> {
    let mut source = unchecked_source(url)?;
    source.title = title;
    let known = state.store.source_by_url(&source.url).await?.is_some();
    let id = state.store.add_source(&source).await?;
    Ok((id, !known))
}

fn source_id(path: Result<Path<String>, PathRejection>) -> Result<SourceId, Error> {
    let Path(raw) = path.map_err(|e| Error::BadRequest(format!("cannot read the source id: {e}")))?;
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(SourceId)
        .ok_or_else(|| Error::BadRequest(format!("not a source id: {raw:?}")))
}

/// One row of the sources page.
struct Row {
    health: SourceHealth,
    last_success: Option<When>,
    next_poll: Option<When>,
}

#[derive(Template)]
#[template(path = "sources.html")]
struct SourcesPage<'a> {
    search_value: &'a str,
    csrf_field: &'static str,
    csrf: &'a str,
    rows: Vec<Row>,
    /// What the last action did.
    done: Option<String>,
}

/// What a finished action says, from the redirect's query.
fn done_message(params: &QueryParams) -> Option<String> {
    let number = |name| params.text(name).and_then(|v| v.parse::<u64>().ok());
    if let Some(id) = number("added") {
        return Some(format!("Source {id} added; it is polled at the next scheduler cycle."));
    }
    if let Some(id) = number("removed") {
        return Some(format!("Source {id} removed; its articles are kept."));
    }
    number("imported").map(|added| {
        format!(
            "Imported {added} sources from OPML ({} already known, {} skipped).",
            number("known").unwrap_or(0),
            number("skipped").unwrap_or(0)
        )
    })
}

/// GET `/sources`.
pub(crate) async fn page(
    _admin: Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    params: QueryParams,
) -> Result<Response, Error> {
    let rows = all_sources(&state)
        .await?
        .into_iter()
        .map(|health| Row {
            last_success: health.last_success.as_ref().map(When::utc),
            next_poll: health.next_poll.as_ref().map(When::utc),
            health,
        })
        .collect();
    let token = CsrfToken::of(&headers);
    let page = SourcesPage {
        search_value: "",
        csrf_field: csrf::FIELD,
        csrf: &token.value,
        rows,
        done: done_message(&params),
    };
    let mut response = Html(page.render()?).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    token.set_cookie(response.headers_mut(), auth::secure_cookies(&state));
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct AddForm {
    csrf: Option<String>,
    #[serde(default)]
    url: String,
}

/// POST `/sources`: adds a feed or sitemap.
pub(crate) async fn add(
    _admin: Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    submitted: Result<Form<AddForm>, FormRejection>,
) -> Result<Response, Error> {
    let submitted = auth::form(submitted)?;
    csrf::verify(&headers, submitted.csrf.as_deref())?;
    let (id, _) = add_url(&state, &submitted.url, None).await?;
    Ok(auth::see_other(&format!("/sources?added={id}")))
}

/// POST `/sources/{id}/remove`: removes a source, keeping its articles.
pub(crate) async fn remove(
    _admin: Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    submitted: Result<Form<auth::CsrfForm>, FormRejection>,
) -> Result<Response, Error> {
    let submitted = auth::form(submitted)?;
    csrf::verify(&headers, submitted.csrf.as_deref())?;
    let id = source_id(path)?;
    if !state.store.remove_source(id).await? {
        return Err(Error::NotFound(format!("no source {id}")));
    }
    Ok(auth::see_other(&format!("/sources?removed={id}")))
}

#[derive(Deserialize)]
pub(crate) struct ImportForm {
    csrf: Option<String>,
    #[serde(default)]
    opml: String,
}

/// POST `/sources/import`: subscribes to every feed of an OPML document.
pub(crate) async fn import(
    _admin: Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    submitted: Result<Form<ImportForm>, FormRejection>,
) -> Result<Response, Error> {
    let submitted = auth::form(submitted)?;
    csrf::verify(&headers, submitted.csrf.as_deref())?;
    if submitted.opml.len() > MAX_OPML_BYTES {
        return Err(Error::BadRequest(format!(
            "the OPML text is {} bytes; at most {MAX_OPML_BYTES} are taken",
            submitted.opml.len()
        )));
    }
    let outlines = parse_opml(&submitted.opml, "the OPML text").map_err(|e| Error::BadRequest(e.to_string()))?;
    let (mut added, mut known, mut skipped) = (0u64, 0u64, 0u64);
    for outline in outlines {
        match add_url(&state, &outline.url, outline.title).await {
            Ok((id, is_new)) => {
                if is_new {
                    added += 1;
                } else {
                    known += 1;
                }
                // A country the list names is set when the source has none.
                if let Some(country) = &outline.country {
                    if state.store.source_country(id).await?.is_none() {
                        state.store.set_source_country(id, Some(country)).await?;
                    }
                }
            }
            Err(Error::BadRequest(reason)) => {
                skipped += 1;
                tracing::info!(%reason, "OPML outline skipped");
            }
            Err(other) => return Err(other),
        }
    }
    Ok(auth::see_other(&format!(
        "/sources?imported={added}&known={known}&skipped={skipped}"
    )))
}

/// GET `/sources.opml`: every feed and sitemap, as a download.
pub(crate) async fn export(_admin: Admin, State(state): State<AppState>) -> Result<Response, Error> {
    let mut outlines: Vec<Outline> = Vec::new();
    for source in state.store.sources(None).await? {
        if !matches!(source.kind, SourceKind::Feed | SourceKind::Sitemap) {
            continue;
        }
        outlines.push(Outline {
            country: state.store.source_country(source.id).await?,
            url: source.url,
            title: source.title,
            site_url: None,
        });
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/x-opml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"ravenwire-sources.opml\"",
            ),
        ],
        write_opml("ravenwire subscriptions", &outlines),
    )
        .into_response())
}

/// Every source with its health.
#[derive(Serialize, ToSchema)]
pub(crate) struct SourceList {
    sources: Vec<SourceHealth>,
}

/// GET `/api/v1/sources`.
#[utoipa::path(
    get,
    path = "/api/v1/sources",
    tag = "sources",
    responses(
        (status = 200, description = "Every source with its health", body = SourceList),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn api_list(State(state): State<AppState>) -> Result<Json<SourceList>, Error> {
    Ok(Json(SourceList {
        sources: all_sources(&state).await?,
    }))
}

/// A feed, sitemap or site to subscribe to.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewSource {
    url: String,
}

/// POST `/api/v1/sources` with `{"url": "..."}`: 201 and the new source,
/// or 200 and the one already subscribed.
#[utoipa::path(
    post,
    path = "/api/v1/sources",
    tag = "sources",
    request_body = NewSource,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Subscribed; the scheduler checks it at its first poll", body = SourceHealth),
        (status = 200, description = "Already subscribed", body = SourceHealth),
        (status = 400, description = "Not an http(s) URL, or not a JSON body", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Credentials that do not allow it", body = ErrorBody),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn api_add(
    _writer: ApiWriter,
    State(state): State<AppState>,
    body: Result<Json<NewSource>, JsonRejection>,
) -> Result<Response, Error> {
    let Json(body) = body.map_err(|e| Error::BadRequest(format!("cannot read the JSON body: {}", e.body_text())))?;
    let (id, new) = add_url(&state, &body.url, None).await?;
    let stored = state
        .store
        .source(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("source {id} was removed meanwhile")))?;
    let articles = state.store.count_articles_of_source(id).await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    let location = header::HeaderValue::from_str(&format!("/api/v1/sources/{id}"))
        .unwrap_or(header::HeaderValue::from_static("/api/v1/sources"));
    Ok((
        status,
        [(header::LOCATION, location)],
        Json(SourceHealth::of(&stored, articles)),
    )
        .into_response())
}

/// DELETE `/api/v1/sources/{id}`: 204; the articles are kept.
#[utoipa::path(
    delete,
    path = "/api/v1/sources/{id}",
    tag = "sources",
    params(("id" = i64, Path, description = "The source's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Unsubscribed; its articles are kept"),
        (status = 400, description = "Not a source id", body = ErrorBody),
        (status = 401, description = "No credentials", body = ErrorBody),
        (status = 403, description = "Credentials that do not allow it", body = ErrorBody),
        (status = 404, description = "No such source", body = ErrorBody),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn api_remove(
    _writer: ApiWriter,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Error> {
    let id = source_id(path)?;
    if !state.store.remove_source(id).await? {
        return Err(Error::NotFound(format!("no source {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}
