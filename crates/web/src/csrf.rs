//! Cross-site request forgery tokens for the pages' forms, by the
//! double-submit rule: a page with a form sets a random token in a cookie
//! (`HttpOnly`, `SameSite=Strict`) and writes the same token in a hidden
//! field; a form POST counts only when the two are present and equal. A
//! page on another site can neither read the cookie nor make the browser
//! send it (SameSite=Strict), so it cannot forge the pair.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};

use crate::Error;

/// The cookie's name, and the hidden field's.
pub const COOKIE_NAME: &str = "rw_csrf";
pub const FIELD: &str = "csrf";

/// The token of a request: the one its cookie carries, or a fresh one that
/// [`CsrfToken::set_cookie`] must then send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken {
    pub value: String,
    fresh: bool,
}

impl CsrfToken {
    /// The request's token, or a new one.
    pub fn of(headers: &HeaderMap) -> CsrfToken {
        match cookie(headers, COOKIE_NAME).filter(|v| is_token(v)) {
            Some(value) => CsrfToken { value, fresh: false },
            None => CsrfToken {
                value: random_token(),
                fresh: true,
            },
        }
    }

    /// Adds the `Set-Cookie` header when the token is new. `secure` adds
    /// the `Secure` attribute (behind TLS).
    pub fn set_cookie(&self, headers: &mut HeaderMap, secure: bool) {
        if !self.fresh {
            return;
        }
        let secure = if secure { "; Secure" } else { "" };
        let value = format!(
            "{COOKIE_NAME}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
            self.value
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(SET_COOKIE, value);
        }
    }
}

/// Checks a form's token against the request's cookie; a mismatch is a
/// 403 naming nothing secret.
pub fn verify(headers: &HeaderMap, submitted: Option<&str>) -> Result<(), Error> {
    let cookie = cookie(headers, COOKIE_NAME);
    match (cookie.as_deref(), submitted) {
        (Some(a), Some(b)) if is_token(a) && constant_time_eq(a.as_bytes(), b.as_bytes()) => Ok(()),
        _ => Err(Error::Forbidden(
            "the form's security token is missing or out of date; reload the page and try again".to_string(),
        )),
    }
}

/// The value of cookie `name` in the request, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// 32 random bytes, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::getrandom(&mut bytes).is_err() {
        // Without system randomness no token can be trusted; one that can
        // never match (not hex) makes every form fail safe.
        return "unavailable".to_string();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_token(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("theme=dark; {COOKIE_NAME}={value}")).unwrap(),
        );
        headers
    }

    #[test]
    fn a_new_visitor_gets_a_fresh_token_in_an_http_only_strict_cookie() {
        let token = CsrfToken::of(&HeaderMap::new());
        assert!(is_token(&token.value));
        let mut out = HeaderMap::new();
        token.set_cookie(&mut out, true);
        let cookie = out.get(SET_COOKIE).unwrap().to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"));
        assert_ne!(CsrfToken::of(&HeaderMap::new()).value, token.value);
    }

    #[test]
    fn a_known_token_is_kept_and_only_the_same_one_passes() {
        let value = "ab".repeat(32);
        let headers = with_cookie(&value);
        let token = CsrfToken::of(&headers);
        assert_eq!(token.value, value);
        let mut out = HeaderMap::new();
        token.set_cookie(&mut out, false);
        assert!(out.is_empty(), "a known token is not set again");
        assert!(verify(&headers, Some(&value)).is_ok());
        assert!(verify(&headers, Some(&"cd".repeat(32))).is_err());
        assert!(verify(&headers, None).is_err());
        assert!(verify(&HeaderMap::new(), Some(&value)).is_err());
        assert!(verify(&with_cookie("short"), Some("short")).is_err());
    }
}
