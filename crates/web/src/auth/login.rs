//! `/login` and `/logout`.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use askama::Template;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use chrono::Utc;
use serde::Deserialize;

use super::{
    random_hex, secure_cookies, see_other, set_cookie, token_hash, verify_password, SESSION_COOKIE, SESSION_DAYS,
};
use crate::csrf::{self, CsrfToken};
use crate::params::QueryParams;
use crate::{AppState, Error};

/// What the login page says when nobody can log in yet.
pub(crate) const NO_PASSWORD: &str = "No admin password is set; run `ravenwire admin set-password`.";

/// The peer's address, when the server passes it on (as `ConnectInfo`).
pub(crate) struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

/// `next` when it is a path on this site, else `None`: it must start with
/// one `/` (not `//`, which browsers take for another host), and hold no
/// backslash (some browsers read `/\` as `//`) and no control character.
pub(crate) fn local_path(next: &str) -> Option<&str> {
    let local =
        next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(char::is_control);
    local.then_some(next)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    search_value: &'a str,
    csrf_field: &'static str,
    csrf: &'a str,
    next: &'a str,
    /// Why the last try failed, if it did.
    problem: Option<&'a str>,
    no_password: &'static str,
    password_set: bool,
}

fn render(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    problem: Option<&str>,
    password_set: bool,
) -> Result<Response, Error> {
    let token = CsrfToken::of(headers);
    let page = LoginPage {
        search_value: "",
        csrf_field: csrf::FIELD,
        csrf: &token.value,
        next,
        problem,
        no_password: NO_PASSWORD,
        password_set,
    };
    let mut response = (status, Html(page.render()?)).into_response();
    token.set_cookie(response.headers_mut(), secure_cookies(state));
    Ok(response)
}

/// GET `/login`: the form.
pub(crate) async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: QueryParams,
) -> Result<Response, Error> {
    let next = params.text("next").and_then(local_path).unwrap_or("/");
    let password_set = state.store.admin_password_hash().await?.is_some();
    render(&state, &headers, StatusCode::OK, next, None, password_set)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    csrf: Option<String>,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Reads a form body, keeping a bad one inside [`Error`].
pub(crate) fn form<T>(form: Result<Form<T>, FormRejection>) -> Result<T, Error> {
    form.map(|Form(value)| value)
        .map_err(|err| Error::BadRequest(format!("cannot read the form: {err}")))
}

/// POST `/login`: checks the password and starts a session.
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    submitted: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, Error> {
    let submitted = form(submitted)?;
    csrf::verify(&headers, submitted.csrf.as_deref())?;
    let next = submitted.next.as_deref().and_then(local_path).unwrap_or("/");
    if let Some(wait) = state.login_limiter.wait(client, Instant::now()) {
        return Err(Error::TooManyRequests(format!(
            "too many failed logins; try again in {} minutes",
            wait.as_secs().div_ceil(60).max(1)
        )));
    }
    let Some(phc) = state.store.admin_password_hash().await? else {
        return render(&state, &headers, StatusCode::FORBIDDEN, next, Some(NO_PASSWORD), false);
    };
    let password = submitted.password;
    let matches = tokio::task::spawn_blocking(move || verify_password(&phc, &password)).await?;
    if !matches {
        state.login_limiter.failed(client, Instant::now());
        tracing::warn!(client = ?client, "failed admin login");
        return render(
            &state,
            &headers,
            StatusCode::UNAUTHORIZED,
            next,
            Some("Wrong password."),
            true,
        );
    }
    state.login_limiter.succeeded(client);
    let token =
        random_hex().map_err(|e| Error::Serve(std::io::Error::other(format!("cannot start a session: {e}"))))?;
    let now = Utc::now();
    state
        .store
        .create_session(&token_hash(&token), now, now + chrono::Duration::days(SESSION_DAYS))
        .await?;
    let mut response = see_other(next);
    let secure = if secure_cookies(&state) { "; Secure" } else { "" };
    set_cookie(
        response.headers_mut(),
        &format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            SESSION_DAYS * 86_400
        ),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    pub(crate) csrf: Option<String>,
}

/// POST `/logout`: ends the session and clears its cookie.
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    submitted: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, Error> {
    let submitted = form(submitted)?;
    csrf::verify(&headers, submitted.csrf.as_deref())?;
    if let Some(token) = csrf::cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&token_hash(&token)).await?;
    }
    let mut response = see_other("/");
    let secure = if secure_cookies(&state) { "; Secure" } else { "" };
    set_cookie(
        response.headers_mut(),
        &format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    );
    Ok(response)
}
