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
//! are sanitised again with ammonia as they are rendered.

mod api;
mod atom;
mod display;
mod error;
mod feeds;
mod lookup;
mod pages;
mod params;

#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod test_support;

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use index::SearchIndex;
use store::Store;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use error::Error;

/// What every handler needs: the store and the search index.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub index: Arc<SearchIndex>,
}

/// The pages need no script and load nothing but our stylesheet and the
/// images inside article bodies, so the policy can forbid everything else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src https: http: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Every route the server answers, in one table.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::front_page))
        .route("/story/{id}", get(pages::story_page))
        .route("/story/{id}/feed.atom", get(feeds::story_feed))
        .route("/feed.atom", get(feeds::latest_feed))
        .route("/article/{id}", get(pages::article_page))
        .route("/search", get(pages::search_page))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/healthz", get(api::health))
        .route("/api/v1/stories", get(api::stories))
        .route("/api/v1/stories/{id}", get(api::story))
        .route("/api/v1/articles/{id}", get(api::article))
        .route("/api/v1/search", get(api::search))
        .fallback(error::unknown_route)
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

/// Serves [`router`] on `listener` until ctrl-c, then lets requests in flight
/// finish before returning.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> Result<(), Error> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving the web front end");
    }
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(Error::Serve)
}

async fn shutdown_signal() {
    match tokio::signal::ctrl_c().await {
        Ok(()) => tracing::info!("ctrl-c received, shutting down the web server"),
        Err(err) => {
            // Without a signal handler there is no way to be asked to stop, so
            // keep serving rather than quitting at once.
            tracing::warn!(error = %err, "cannot listen for ctrl-c; serving until killed");
            std::future::pending::<()>().await
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::test_support::Fixture;

    #[tokio::test]
    async fn serve_answers_http_on_a_real_socket() {
        let fx = Fixture::new().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, fx.state.clone()));

        let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
        socket
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut reply = String::new();
        socket.read_to_string(&mut reply).await.unwrap();
        assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
        assert!(reply.contains("\"status\":\"ok\""), "{reply}");
        assert!(!server.is_finished());
        server.abort();
    }
}
