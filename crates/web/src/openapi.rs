//! The OpenAPI 3 document of the JSON API, generated from the code by
//! utoipa and served at `/api/openapi.json`.
//!
//! # Documenting a route
//!
//! Every route under `/api/`, and `/healthz` and `/metrics`, must be in the
//! document: the test `every_api_route_is_documented` reads the
//! `.route(...)` calls of `lib.rs` (path and methods) and fails on one that
//! is missing, or on a documented path or method that no route serves. To
//! add a route:
//!
//! 1. Declare it in [`crate::router`] in `lib.rs` with its full path,
//!    `.route("/api/v1/...", get(..).post(..))`: no `nest` or `merge` of a
//!    router built elsewhere, which the test would not see.
//! 2. Put `#[utoipa::path(...)]` on the handler, as on those in `api.rs`:
//!    ```text
//!    #[utoipa::path(
//!        delete, path = "/api/v1/sources/{id}", tag = "sources",
//!        params(("id" = i64, Path, description = "The source's id")),
//!        responses(
//!            (status = 200, description = "Removed", body = Removed),
//!            (status = 401, description = "No credentials", body = ErrorBody),
//!            (status = 404, description = "No such source", body = ErrorBody),
//!        ),
//!    )]
//!    ```
//!    One attribute per handler; a route with two methods has two handlers.
//!    List every status the handler can answer; each error body is an
//!    [`ErrorBody`]. A request body is `request_body = Type`.
//! 3. Derive `utoipa::ToSchema` next to `Serialize`/`Deserialize` on the
//!    request and response types. A field of a store or model type takes
//!    `#[schema(value_type = ...)]` naming its mirror in [`schemas`] (ids are
//!    `i64`, instants `String` with `format = DateTime`); write a mirror there
//!    for a store type that has none yet. The store and model crates stay
//!    free of utoipa.
//! 4. Add the handler to `paths(...)` of [`ApiDoc`] below; types reached
//!    from a documented handler are collected by themselves.
//!
//! The test `documented_get_routes_answer_as_documented` then requests every
//! documented GET on the test fixture and checks its status and its body
//! against the document's schema: a mirror that drifts from the type it
//! mirrors fails there. A path with a `{param}` needs a value from the
//! fixture in that test's table.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::{api, metrics};

/// Writes take `Authorization: Bearer TOKEN` (from `ravenwire token
/// create`), or a login session with an `X-CSRF-Token` header.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's document; see the module comment for how to add a route.
#[derive(OpenApi)]
#[openapi(
    modifiers(&BearerAuth),
    info(
        title = "ravenwire",
        description = "News stories from many outlets, with copies and re-dated reruns told apart from \
                       original reports. Reading is open; every error answers `{\"error\": \"...\"}`."
    ),
    paths(
        api::health,
        api::stories,
        api::story,
        api::article,
        api::search,
        crate::entity_page::api_entity,
        crate::sources_admin::api_list,
        crate::sources_admin::api_add,
        crate::sources_admin::api_remove,
        crate::saved::api_list,
        crate::saved::api_get,
        crate::saved::api_create,
        crate::saved::api_delete,
        metrics::scrape,
        openapi_json,
    ),
    tags(
        (name = "stories", description = "Stories and their articles"),
        (name = "search", description = "Full-text search"),
        (name = "operations", description = "Health, metrics and this document"),
    )
)]
pub(crate) struct ApiDoc;

/// Every failure of the API: a 4xx names what was wrong with the request; a
/// 5xx only says that the cause was logged.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// What went wrong.
    error: String,
}

/// Mirrors of the store's and model's types as the API writes them, for the
/// document only. They are never built: the API serializes the real types,
/// and the walking test checks that the two agree.
#[allow(dead_code)]
pub(crate) mod schemas {
    use utoipa::ToSchema;

    /// Where an article stands in its story.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub(crate) enum Provenance {
        /// Not known to copy anything seen before.
        Original,
        /// Repeats an earlier article's text (wire copy, scrape, syndication).
        Copy,
        /// A copy, or a report of old events, presented as new well after
        /// the story first appeared.
        Redated,
    }

    /// What the store holds.
    #[derive(ToSchema)]
    pub(crate) struct StoreStats {
        sources: u64,
        fetches: u64,
        articles: u64,
        stories: u64,
    }

    /// A story as listed on the front page.
    #[derive(ToSchema)]
    pub(crate) struct StorySummary {
        id: i64,
        /// The story engine's key.
        key: String,
        /// The headline of the story's first report.
        title: String,
        article_count: u32,
        /// Distinct outlets, first reporter first.
        outlets: Vec<String>,
        /// Earliest credible publication time among its articles: an RFC
        /// 3339 instant, or a `YYYY-MM-DD` day when only the day is known.
        first_published: Option<String>,
        /// Latest publication (or arrival) time: what the list sorts by.
        #[schema(format = DateTime)]
        updated: String,
    }

    /// A story as the front page ranks it: its summary's fields, flattened,
    /// with what the ranking used.
    #[derive(ToSchema)]
    pub(crate) struct RankedStory {
        id: i64,
        key: String,
        title: String,
        article_count: u32,
        outlets: Vec<String>,
        first_published: Option<String>,
        #[schema(format = DateTime)]
        updated: String,
        /// Distinct outlets of its original reports (copies do not count).
        independent_outlets: u32,
        /// The ranking key: higher ranks first.
        rank: i64,
        /// Copies (not re-dated) among its articles.
        copies: u32,
        /// Re-dated copies among its articles.
        redated: u32,
        /// The article shown as its first report.
        first_report: Option<i64>,
        /// The beginning of the first report's text.
        opening: Option<String>,
    }

    /// The front page's filters in force.
    #[derive(ToSchema)]
    pub(crate) struct StoryFilter {
        /// A language code; regional variants included.
        language: Option<String>,
        /// An outlet's display name.
        outlet: Option<String>,
    }

    /// An article of a story, without its body.
    #[derive(ToSchema)]
    pub(crate) struct ArticleSummary {
        id: i64,
        title: Option<String>,
        url: Option<String>,
        outlet: String,
        language: Option<String>,
        /// An RFC 3339 instant, or a `YYYY-MM-DD` day.
        published: Option<String>,
        /// The article this one copies.
        copy_of: Option<i64>,
        redated: bool,
        description: Option<String>,
    }

    /// A saved search in the JSON API, with the absolute addresses of its
    /// page and its Atom feed.
    #[derive(ToSchema)]
    pub(crate) struct SavedJson {
        id: i64,
        name: String,
        /// In the search's query language; blank for a filter-only search.
        query: String,
        filters: SearchFilters,
        sort: SearchSort,
        #[schema(format = DateTime)]
        created_at: String,
        /// Its results page.
        page: String,
        /// Its Atom feed: an alert any feed reader can follow.
        feed: String,
    }

    /// Every saved search, newest first.
    #[derive(ToSchema)]
    pub(crate) struct SavedList {
        saved_searches: Vec<SavedJson>,
    }

    /// A search to save: `name` and at least a query or a filter.
    #[derive(ToSchema)]
    pub(crate) struct NewSavedSearch {
        name: String,
        q: Option<String>,
        source: Option<String>,
        language: Option<String>,
        story: Option<i64>,
        #[schema(format = Date)]
        from: Option<String>,
        #[schema(format = Date)]
        to: Option<String>,
        /// `relevance` or `date`.
        sort: Option<String>,
    }

    /// What a search is narrowed to besides its words.
    #[derive(ToSchema)]
    pub(crate) struct SearchFilters {
        /// The outlet's name.
        source: Option<String>,
        /// A language code such as `en`.
        language: Option<String>,
        story: Option<i64>,
        /// First day of publication, inclusive.
        #[schema(format = Date)]
        from: Option<String>,
        /// Last day of publication, inclusive.
        #[schema(format = Date)]
        to: Option<String>,
    }

    /// The order of a search's hits.
    #[derive(ToSchema)]
    #[schema(rename_all = "lowercase")]
    pub(crate) enum SearchSort {
        Relevance,
        Date,
    }

    /// A date an article cites, resolved against its publication day.
    #[derive(ToSchema)]
    pub(crate) struct CitedDate {
        article: i64,
        /// First day the expression can mean.
        #[schema(format = Date)]
        start: String,
        /// Last day it can mean (inclusive).
        #[schema(format = Date)]
        end: String,
        /// `day`, `week`, `month` or `year`.
        precision: String,
        /// The sentence that cites the date.
        sentence: String,
        /// The date expression as written.
        expression: String,
        /// The article's publication day.
        #[schema(format = Date)]
        published: String,
        /// Days from the end of the cited range to publication; negative
        /// when the date lies after it.
        days_before_publication: i64,
    }

    /// A language or country with the outlets that cover the story in it.
    #[derive(ToSchema)]
    pub(crate) struct Group {
        code: String,
        outlets: Vec<String>,
    }

    /// Who covers a story: outlets, languages and countries.
    #[derive(ToSchema)]
    pub(crate) struct Diversity {
        outlets: Vec<String>,
        languages: Vec<Group>,
        countries: Vec<Group>,
        unknown_country: Vec<String>,
        unknown_language: Vec<String>,
    }

    /// A story as `/api/v1/stories/{id}` gives it: its detail, the dates
    /// its articles cite (earliest first) and who covers it.
    #[derive(ToSchema)]
    pub(crate) struct StoryJson {
        summary: StorySummary,
        articles: Vec<ArticleSummary>,
        related: Vec<StorySummary>,
        timeline: Vec<CitedDate>,
        diversity: Diversity,
        /// The people, organisations and places its articles name, most
        /// mentioned first.
        entities: Vec<StoredEntity>,
    }

    /// A person, organisation or place named in articles.
    #[derive(ToSchema)]
    pub(crate) struct StoredEntity {
        id: i64,
        /// The canonical key, the same in every language
        /// (`place:germany` for "Deutschland" and "Allemagne").
        key: String,
        /// The name shown.
        name: String,
        kind: EntityKind,
        /// Mentions summed over the articles counted (the story's, or all).
        mentions: u64,
        /// How many of those articles name it.
        articles: u64,
    }

    /// What an entity is.
    #[derive(ToSchema)]
    #[schema(rename_all = "lowercase")]
    pub(crate) enum EntityKind {
        Person,
        Organisation,
        Place,
    }

    /// A story with its articles (oldest first) and related stories.
    #[derive(ToSchema)]
    pub(crate) struct StoryDetail {
        summary: StorySummary,
        articles: Vec<ArticleSummary>,
        related: Vec<StorySummary>,
    }
}

/// The document as JSON, built once.
pub(crate) fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // Serializing a document of strings and maps cannot fail; the
        // fallback still keeps the route answering JSON.
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"cannot write the document: {e}\"}}"))
    })
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3 document of this API", content_type = "application/json", body = Object)),
)]
pub(crate) async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document_json())
}

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;
