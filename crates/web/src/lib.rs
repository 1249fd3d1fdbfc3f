//! The web front end: HTML pages, the JSON API and Atom feeds, over the store
//! and index.
//!
//! Pages are rendered on the server with askama templates (from `templates/`)
//! and work without JavaScript; one embedded stylesheet makes them readable on
//! a phone and on a desktop. The same data is offered as JSON under
//! `/api/v1/`, and as Atom for feed readers: `/feed.atom` for the latest
//! stories, `/story/{id}/feed.atom` for the articles of one story. Every route
//! is listed in [`router`], and every failure goes through [`Error`], which
//! picks the status code; the response body is an HTML page, or
//! `{"error": "..."}` for the API.
//!
//! Nothing read from the store is trusted: article bodies and search snippets
//! are sanitised again with ammonia as they are rendered. Nor is the request:
//! absolute links start with the configured [`BaseUrl`], never the `Host`
//! header, and [`serve`] holds every client to the [`Limits`].

mod api;
mod assets;
mod atom;
pub mod auth;
mod base_url;
mod csrf;
mod display;
mod diversity;
mod entity_page;
mod error;
mod feeds;
mod front_page;
mod lookup;
mod metrics;
mod openapi;
mod pages;
mod params;
mod saved;
mod search_page;
mod server;
mod sources_admin;
mod story_page;
mod timeline;
mod websub;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod test_support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderValue};
use axum::routing::{delete, get, post};
use axum::Router;
use index::SearchIndex;
use store::Store;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use auth::LoginLimiter;
pub use base_url::BaseUrl;
pub use error::Error;
pub use search_page::SearchTurns;
pub use server::{serve, Limits, StopSignals};
pub use websub::{verify_signature, Inbox, Push};

/// What every handler needs: the store, the search index, and the public
/// base URL for absolute links.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub index: Arc<SearchIndex>,
    pub base_url: BaseUrl,
    /// Where checked WebSub pushes go; `None` when WebSub is off, and
    /// pushes are then refused.
    pub websub: Option<websub::Inbox>,
    /// Private reading: every page and API read needs a login session or
    /// an API token (see [`auth`]).
    pub private: bool,
    /// Failed logins, counted to slow down password guessing.
    pub login_limiter: LoginLimiter,
    /// How many searches run at once (two a core by default).
    pub searches: SearchTurns,
}

/// The pages load nothing but our stylesheet, our one keyboard script (from
/// its own address: no inline script, so no 'unsafe-inline'), our manifest
/// and icons, and the images inside article bodies, which ammonia has left
/// with http(s) addresses only; the policy forbids everything else. It is
/// set on every response: pages, errors, JSON, feeds and static files.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' https: http:; manifest-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Every route the server answers, in one table. A request that takes longer
/// than `request_timeout` is answered with [`Error::Timeout`].
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    Router::new()
        .route("/", get(front_page::front_page))
        .route("/story/{id}", get(pages::story_page))
        .route("/story/{id}/feed.atom", get(feeds::story_feed))
        .route("/feed.atom", get(feeds::latest_feed))
        .route("/article/{id}", get(pages::article_page))
        .route("/search", get(search_page::search_page))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/static/keys.js", get(assets::keys_script))
        .route("/static/icon.svg", get(assets::icon_svg))
        .route("/static/icon-192.png", get(assets::icon_192))
        .route("/static/icon-512.png", get(assets::icon_512))
        .route("/manifest.webmanifest", get(assets::manifest))
        .route("/healthz", get(api::health))
        .route("/api/v1/stories", get(api::stories))
        .route("/api/v1/stories/{id}", get(api::story))
        .route("/api/v1/articles/{id}", get(api::article))
        .route("/entity/{id}", get(entity_page::entity_page))
        .route("/api/v1/entities/{id}", get(entity_page::api_entity))
        .route("/api/v1/search", get(api::search))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/metrics", get(metrics::scrape))
        .route("/saved", get(saved::saved_list))
        .route("/saved", post(saved::create_saved))
        .route("/saved/{id}", get(saved::saved_page))
        .route("/saved/{id}/feed.atom", get(saved::saved_feed))
        .route("/saved/{id}/delete", post(saved::delete_saved))
        .route("/api/v1/saved-searches", get(saved::api_list))
        .route("/api/v1/saved-searches", post(saved::api_create))
        .route("/api/v1/saved-searches/{id}", get(saved::api_get))
        .route("/api/v1/saved-searches/{id}", delete(saved::api_delete))
        .route(
            "/websub/{id}",
            get(websub::verify)
                .post(websub::push)
                .layer(axum::extract::DefaultBodyLimit::max(websub::MAX_PUSH_BYTES)),
        )
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", axum::routing::post(auth::logout))
        .route("/sources", get(sources_admin::page).post(sources_admin::add))
        .route("/sources/{id}/remove", axum::routing::post(sources_admin::remove))
        .route("/sources/import", axum::routing::post(sources_admin::import))
        .route("/sources.opml", get(sources_admin::export))
        .route(
            "/api/v1/sources",
            get(sources_admin::api_list).post(sources_admin::api_add),
        )
        .route("/api/v1/sources/{id}", axum::routing::delete(sources_admin::api_remove))
        .fallback(error::unknown_route)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::private_gate))
        .layer(axum::middleware::from_fn_with_state(request_timeout, error::time_limit))
        .layer(axum::middleware::from_fn(error::json_errors_for_api))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn_with_state(
            metrics::Metrics::new(),
            metrics::record_latency,
        ))
        .with_state(state)
}
