//! Request errors and the one mapping from each to an HTTP status and page.

use std::time::Duration;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;

/// Everything a request can fail with, and the one place that decides which
/// HTTP status each failure gets.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// Refused: a form without its security token, or credentials that do
    /// not allow the action.
    #[error("{0}")]
    Forbidden(String),
    /// No credentials where some are needed (an API write without a
    /// token or session).
    #[error("{0}")]
    Unauthorized(String),
    /// Too many tries (failed logins) in too short a time.
    #[error("{0}")]
    TooManyRequests(String),
    #[error("bad search query {}: {message}", index::shown_query(query))]
    BadQuery { query: String, message: String },
    #[error("store failure: {0}")]
    Store(#[from] store::Error),
    #[error("search index failure: {0}")]
    Index(index::Error),
    #[error("cannot render a page: {0}")]
    Render(#[from] askama::Error),
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("the web server failed: {0}")]
    Serve(std::io::Error),
    #[error("the request took longer than {} s and was stopped; try again later", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("bad base URL {value:?}: {reason}")]
    BadBaseUrl { value: String, reason: String },
    #[error("cannot listen for stop signals: {0}")]
    Signals(std::io::Error),
    #[error("cannot write the metrics: {0}")]
    Metrics(std::fmt::Error),
}

impl From<index::Error> for Error {
    fn from(err: index::Error) -> Self {
        match err {
            index::Error::Query { query, message } => Error::BadQuery { query, message },
            other => Error::Index(other),
        }
    }
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound(_) | Error::Store(store::Error::NotFound(_)) => StatusCode::NOT_FOUND,
            Error::BadRequest(_) | Error::BadQuery { .. } => StatusCode::BAD_REQUEST,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Metrics(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Error::Store(_)
            | Error::Index(_)
            | Error::Render(_)
            | Error::Task(_)
            | Error::Serve(_)
            | Error::BadBaseUrl { .. }
            | Error::Signals(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the visitor is told. Server-side causes stay in the log: they can
    /// name files and database details that are nobody else's business. A
    /// timeout names nothing private, and says when to come back.
    pub fn public_message(&self) -> String {
        if self.status().is_server_error() && !matches!(self, Error::Timeout(_)) {
            "Something went wrong on our side; the cause has been logged.".to_string()
        } else {
            self.to_string()
        }
    }
}

/// The message an error response carries, so that [`json_errors_for_api`]
/// can re-dress it without parsing the HTML.
#[derive(Debug, Clone)]
struct ErrorMessage(String);

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    search_value: &'a str,
    status: u16,
    reason: &'a str,
    message: &'a str,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, cause = ?self, "request failed");
        }
        let message = self.public_message();
        let search_value = match &self {
            Error::BadQuery { query, .. } => query.as_str(),
            _ => "",
        };
        let page = ErrorPage {
            search_value,
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            message: &message,
        };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(err) => {
                tracing::error!(error = %err, "cannot render the error page");
                (status, message.clone()).into_response()
            }
        };
        response.extensions_mut().insert(ErrorMessage(message));
        response
    }
}

/// Paths whose errors are answered in JSON rather than as a page.
fn wants_json(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz"
}

/// Turns error pages into `{"error": "..."}` for the API, keeping the status.
pub(crate) async fn json_errors_for_api(request: Request, next: Next) -> Response {
    let json = wants_json(request.uri().path());
    let response = next.run(request).await;
    if !json {
        return response;
    }
    match response.extensions().get::<ErrorMessage>() {
        Some(ErrorMessage(message)) => {
            let body = serde_json::json!({ "error": message });
            (response.status(), Json(body)).into_response()
        }
        None => response,
    }
}

/// Answers with [`Error::Timeout`] when the rest of the stack has not
/// answered within the time given; the work in progress is dropped.
pub(crate) async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Error::Timeout(limit).into_response(),
    }
}

/// The fallback for paths no route matches.
pub(crate) async fn unknown_route(request: Request) -> Error {
    Error::NotFound(format!("nothing here: {}", request.uri().path()))
}

/// A response's content type, for tests.
#[cfg(test)]
pub(crate) fn content_type(response: &Response) -> &str {
    response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_kind_of_failure() {
        assert_eq!(Error::NotFound("x".into()).status(), StatusCode::NOT_FOUND);
        assert_eq!(Error::BadRequest("x".into()).status(), StatusCode::BAD_REQUEST);
        let bad_query: Error = index::Error::Query {
            query: "a AND (".into(),
            message: "unbalanced".into(),
        }
        .into();
        assert_eq!(bad_query.status(), StatusCode::BAD_REQUEST);
        let corrupt = Error::Store(store::Error::Corrupt("row 7".into()));
        assert_eq!(corrupt.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn server_failures_hide_their_cause() {
        let err = Error::Store(store::Error::Corrupt("/var/lib/secret.db row 7".into()));
        assert!(!err.public_message().contains("secret"));
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(content_type(&response).starts_with("text/html"));
    }

    #[test]
    fn client_failures_explain_themselves() {
        let err = Error::BadRequest("not a story id: \"abc\"".into());
        assert_eq!(err.public_message(), "not a story id: \"abc\"");
    }

    #[tokio::test]
    async fn a_slow_request_is_a_503_through_the_one_error_mapping() {
        use axum::routing::get;
        let limit = Duration::from_millis(50);
        let app = axum::Router::new()
            .route("/slow", get(std::future::pending::<&'static str>))
            .route("/api/v1/slow", get(std::future::pending::<&'static str>))
            .layer(axum::middleware::from_fn_with_state(limit, time_limit))
            .layer(axum::middleware::from_fn(json_errors_for_api));
        let page = tower::ServiceExt::oneshot(
            app.clone(),
            Request::get("/slow").body(axum::body::Body::empty()).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(content_type(&page).starts_with("text/html"));
        let body = axum::body::to_bytes(page.into_body(), 1 << 20).await.unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("took longer than 0.05 s"), "{body}");

        let api = tower::ServiceExt::oneshot(
            app,
            Request::get("/api/v1/slow").body(axum::body::Body::empty()).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(content_type(&api).starts_with("application/json"));
    }

    #[test]
    fn only_api_paths_get_json() {
        assert!(wants_json("/api/v1/stories"));
        assert!(wants_json("/healthz"));
        assert!(!wants_json("/story/1"));
        assert!(!wants_json("/apiary"));
    }
}
