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
mod atom;
mod base_url;
mod csrf;
mod display;
mod error;
mod feeds;
mod lookup;
mod pages;
mod params;
mod saved;
mod search_page;
mod server;
mod websub;

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

pub use base_url::BaseUrl;
pub use error::Error;
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
}

/// The pages need no script and load nothing but our stylesheet and the
/// images inside article bodies, so the policy can forbid everything else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src https: http: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Every route the server answers, in one table. A request that takes longer
/// than `request_timeout` is answered with [`Error::Timeout`].
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    Router::new()
        .route("/", get(pages::front_page))
        .route("/story/{id}", get(pages::story_page))
        .route("/story/{id}/feed.atom", get(feeds::story_feed))
        .route("/feed.atom", get(feeds::latest_feed))
        .route("/article/{id}", get(pages::article_page))
        .route("/search", get(search_page::search_page))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/healthz", get(api::health))
        .route("/api/v1/stories", get(api::stories))
        .route("/api/v1/stories/{id}", get(api::story))
        .route("/api/v1/articles/{id}", get(api::article))
        .route("/api/v1/search", get(api::search))
        .route("/saved", get(saved::saved_list))
        .route("/saved", post(saved::create_saved)) // AUTH: needs auth::Admin
        .route("/saved/{id}", get(saved::saved_page))
        .route("/saved/{id}/feed.atom", get(saved::saved_feed))
        .route("/saved/{id}/delete", post(saved::delete_saved)) // AUTH: needs auth::Admin
        .route("/api/v1/saved-searches", get(saved::api_list))
        .route("/api/v1/saved-searches", post(saved::api_create)) // AUTH: needs auth::ApiWriter
        .route("/api/v1/saved-searches/{id}", get(saved::api_get))
        .route("/api/v1/saved-searches/{id}", delete(saved::api_delete)) // AUTH: needs auth::ApiWriter
        .route(
            "/websub/{id}",
            get(websub::verify)
                .post(websub::push)
                .layer(axum::extract::DefaultBodyLimit::max(websub::MAX_PUSH_BYTES)),
        )
        .fallback(error::unknown_route)
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
        .with_state(state)
}
