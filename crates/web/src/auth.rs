//! Who may do what: the admin's login session, API tokens, and private
//! reading.
//!
//! - The one admin password is stored as an argon2id hash (a PHC string);
//!   `ravenwire admin set-password` sets it with [`hash_password`].
//! - Logging in (`/login`) makes a random session token, kept in the
//!   `rw_session` cookie (`HttpOnly; SameSite=Strict; Path=/`, and `Secure`
//!   when the base URL is https) and in the store only as its SHA-256.
//! - API tokens (`ravenwire token create`) are `rw_` and 64 hex digits, also
//!   stored only as their SHA-256, and sent as `Authorization: Bearer`.
//! - Pages behind the login take the [`Admin`] extractor; API writes take
//!   [`ApiWriter`]. With [`AppState::private`] set, `private_gate` asks
//!   for a session or a token on every route but the login, the static
//!   files, the health check and WebSub.

mod limiter;
mod login;
#[cfg(test)]
mod tests;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::csrf;
use crate::{AppState, Error};

pub use limiter::LoginLimiter;
pub(crate) use login::{form, login, login_page, logout, CsrfForm};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rw_session";
/// How long a login lasts.
pub const SESSION_DAYS: i64 = 30;
/// What every API token starts with, so that one pasted in the wrong place
/// is recognisable (and findable by secret scanners).
pub const API_TOKEN_PREFIX: &str = "rw_";
/// The shortest admin password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The header a browser script sends the CSRF token in, for API writes
/// made with the session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Checks a new admin password's length; the message says what is wanted.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password is {chars} characters long; use at least {MIN_PASSWORD_CHARS}"
        ));
    }
    Ok(())
}

/// The argon2id hash of `password` with a fresh random salt, as a PHC
/// string (`$argon2id$v=19$...`).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| format!("no system randomness for the salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| format!("cannot encode the salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches the stored PHC string. A stored value that
/// is not one matches nothing.
pub fn verify_password(phc: &str, password: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default().verify_password(password.as_bytes(), &hash).is_ok(),
        Err(err) => {
            tracing::error!(error = %err, "the stored admin password hash is not a PHC string; set it again");
            false
        }
    }
}

/// A new API token: [`API_TOKEN_PREFIX`] and 32 random bytes in hex.
pub fn new_api_token() -> Result<String, String> {
    Ok(format!("{API_TOKEN_PREFIX}{}", random_hex()?))
}

/// The SHA-256 of a session or API token, in hex: all the store keeps.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random_hex() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| format!("no system randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Cookies get `Secure` when the site is reached over https.
pub(crate) fn secure_cookies(state: &AppState) -> bool {
    state.base_url.to_string().starts_with("https://")
}

/// Whether the request carries a valid session cookie: `None` when it
/// carries none.
async fn session(state: &AppState, headers: &HeaderMap) -> Result<Option<bool>, Error> {
    let Some(token) = csrf::cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    Ok(Some(state.store.session_valid(&token_hash(&token), Utc::now()).await?))
}

/// Whether the request's `Authorization: Bearer` token is valid: `None`
/// when it sends no `Authorization` header. Any other scheme is invalid.
async fn bearer(state: &AppState, headers: &HeaderMap) -> Result<Option<bool>, Error> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return Ok(Some(false));
    };
    Ok(Some(
        state
            .store
            .use_api_token(&token_hash(token), Utc::now())
            .await?
            .is_some(),
    ))
}

/// A 303 to the login page that comes back to `uri` afterwards.
pub(crate) fn login_redirect(uri: &Uri) -> Response {
    let back = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let next: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    see_other(&format!("/login?next={next}"))
}

/// A 303 See Other to a local path.
pub(crate) fn see_other(path: &str) -> Response {
    let location = HeaderValue::from_str(path).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

/// Appends a `Set-Cookie` header.
fn set_cookie(headers: &mut HeaderMap, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        headers.append(SET_COOKIE, value);
    }
}

/// The logged-in admin. A page that takes it is shown only with a valid
/// session; without one the visitor is sent (303) to the login page, which
/// brings them back.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match session(state, &parts.headers).await {
            Ok(Some(true)) => Ok(Admin),
            Ok(_) => Err(login_redirect(&parts.uri)),
            Err(err) => Err(err.into_response()),
        }
    }
}

/// A client allowed to write through the API: a valid `Authorization:
/// Bearer` token, or a valid session cookie together with an
/// `X-CSRF-Token` header equal to the CSRF cookie. No credentials at all
/// is [`Error::Unauthorized`] (401); credentials that do not hold are
/// [`Error::Forbidden`] (403).
#[derive(Debug, Clone, Copy)]
pub struct ApiWriter;

impl FromRequestParts<AppState> for ApiWriter {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        match bearer(state, headers).await? {
            Some(true) => return Ok(ApiWriter),
            Some(false) => {
                return Err(Error::Forbidden(
                    "the API token is not valid: mistyped, revoked, or not `Authorization: Bearer TOKEN`".to_string(),
                ))
            }
            None => {}
        }
        match session(state, headers).await? {
            Some(true) => {
                let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                csrf::verify(headers, sent)?;
                Ok(ApiWriter)
            }
            Some(false) => Err(Error::Forbidden(
                "the login session has expired or ended; log in again".to_string(),
            )),
            None => Err(Error::Unauthorized(
                "this needs credentials: an `Authorization: Bearer TOKEN` header \
                 (from `ravenwire token create NAME`) or a login session"
                    .to_string(),
            )),
        }
    }
}

/// Paths open to everyone even on a private site: the login itself, the
/// files it needs, the health check, and WebSub hubs (who prove themselves
/// by signature).
fn open_path(path: &str) -> bool {
    matches!(path, "/login" | "/logout" | "/healthz") || path.starts_with("/static/") || path.starts_with("/websub/")
}

/// On a private site ([`AppState::private`]), answers every request but the
/// open ones only for a valid session or API token: pages send the visitor
/// to the login, the API answers 401 (403 for bad credentials).
pub(crate) async fn private_gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.private || open_path(request.uri().path()) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let allowed = match bearer(&state, headers).await {
        Ok(Some(valid)) => Ok(valid),
        Ok(None) => session(&state, headers).await.map(|s| s.unwrap_or(false)),
        Err(err) => Err(err),
    };
    match allowed {
        Ok(true) => next.run(request).await,
        Err(err) => err.into_response(),
        Ok(false) if request.uri().path().starts_with("/api/") => {
            if headers.contains_key(AUTHORIZATION) {
                Error::Forbidden("the API token is not valid: mistyped or revoked".to_string()).into_response()
            } else {
                Error::Unauthorized("this site is private: send `Authorization: Bearer TOKEN` or log in".to_string())
                    .into_response()
            }
        }
        Ok(false) => login_redirect(request.uri()),
    }
}
