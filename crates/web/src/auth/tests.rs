//! The login, the API's credentials, private reading and the sources admin,
//! through the router.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{Request, StatusCode};
use chrono::Utc;
use tower::ServiceExt;

use super::*;
use crate::test_support::Fixture;
use crate::{router, BaseUrl, Limits};

const PASSWORD: &str = "harbour-lights-at-dusk";
/// A CSRF token, as the cookie and the hidden field carry it.
fn csrf_value() -> String {
    "5e".repeat(32)
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    fn session_cookie(&self) -> Option<String> {
        self.cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
    }

    /// The session token that the login set.
    fn session_token(&self) -> String {
        let cookie = self.session_cookie().expect("a session cookie");
        cookie[SESSION_COOKIE.len() + 1..]
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn send(state: &AppState, request: Request<Body>) -> Answer {
    let response = router(state.clone(), Limits::DEFAULT.request_timeout)
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 4 << 20).await.expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
    }
}

fn form_post(uri: &str, cookies: &str, body: &str) -> Request<Body> {
    let mut request = Request::post(uri).header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookies.is_empty() {
        request = request.header(COOKIE, cookies);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

fn login_form(password: &str, next: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "csrf={}&password={}&next={}",
        csrf_value(),
        encode(password),
        encode(next)
    )
}

async fn with_password() -> Fixture {
    let fx = Fixture::new().await;
    let phc = hash_password(PASSWORD).unwrap();
    fx.state.store.set_admin_password_hash(&phc, Utc::now()).await.unwrap();
    fx
}

/// Logs in and returns the `Cookie` header of the session (with the CSRF
/// cookie).
async fn logged_in(state: &AppState) -> String {
    let answer = send(
        state,
        form_post(
            "/login",
            &format!("rw_csrf={}", csrf_value()),
            &login_form(PASSWORD, "/"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    format!("rw_csrf={}; {SESSION_COOKIE}={}", csrf_value(), answer.session_token())
}

async fn new_token(state: &AppState, name: &str) -> String {
    let token = new_api_token().unwrap();
    state
        .store
        .create_api_token(name, &token_hash(&token), Utc::now())
        .await
        .unwrap();
    token
}

#[test]
fn passwords_hash_with_argon2_and_tokens_look_alike() {
    let phc = hash_password(PASSWORD).unwrap();
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    assert_ne!(phc, hash_password(PASSWORD).unwrap(), "a fresh salt each time");
    assert!(verify_password(&phc, PASSWORD));
    assert!(!verify_password(&phc, "harbour-lights-at-dawn"));
    assert!(!verify_password("not a hash", PASSWORD));
    assert!(check_new_password("short").unwrap_err().contains("at least 10"));
    assert!(check_new_password("ten chars!").is_ok());
    let token = new_api_token().unwrap();
    assert!(token.starts_with("rw_") && token.len() == 67, "{token}");
    assert_eq!(token_hash(&token).len(), 64);
    assert_ne!(token_hash(&token), token_hash(&new_api_token().unwrap()));
}

#[test]
fn next_is_only_ever_a_local_path() {
    for good in ["/", "/sources", "/search?q=bridge&page=2", "/story/3#top"] {
        assert_eq!(login::local_path(good), Some(good));
    }
    for bad in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/ok\r\nSet-Cookie: x=y",
        "",
    ] {
        assert_eq!(login::local_path(bad), None, "{bad:?}");
    }
}

#[tokio::test]
async fn the_login_form_carries_a_csrf_token_and_says_when_no_password_is_set() {
    let fx = Fixture::new().await;
    let answer = send(
        &fx.state,
        Request::get("/login?next=/sources").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body.contains("run `ravenwire admin set-password`"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains(r#"name="next" value="/sources""#),
        "{}",
        answer.body
    );
    let csrf_cookie = answer
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("rw_csrf="))
        .unwrap();
    let token = &csrf_cookie[8..72];
    assert!(answer.body.contains(&format!(r#"name="csrf" value="{token}""#)));

    // Nobody can log in before a password is set.
    let answer = send(
        &fx.state,
        form_post(
            "/login",
            &format!("rw_csrf={}", csrf_value()),
            &login_form(PASSWORD, "/"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.session_cookie().is_none());
}

#[tokio::test]
async fn a_good_password_starts_a_strict_http_only_session_and_goes_to_next() {
    let fx = with_password().await;
    let answer = send(
        &fx.state,
        form_post(
            "/login",
            &format!("rw_csrf={}", csrf_value()),
            &login_form(PASSWORD, "/sources"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), "/sources");
    let cookie = answer.session_cookie().unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=2592000"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let token = answer.session_token();
    assert_eq!(token.len(), 64);
    // Only the hash is stored.
    assert!(fx
        .state
        .store
        .session_valid(&token_hash(&token), Utc::now())
        .await
        .unwrap());
    assert!(!fx.state.store.session_valid(&token, Utc::now()).await.unwrap());

    // Behind TLS the cookies are Secure.
    let mut tls = fx.state.clone();
    tls.base_url = BaseUrl::parse("https://news.example").unwrap();
    let answer = send(
        &tls,
        form_post(
            "/login",
            &format!("rw_csrf={}", csrf_value()),
            &login_form(PASSWORD, "/"),
        ),
    )
    .await;
    assert!(answer.session_cookie().unwrap().contains("; Secure"));
    let fresh = send(&tls, Request::get("/login").body(Body::empty()).unwrap()).await;
    assert!(fresh
        .cookies()
        .iter()
        .any(|c| c.starts_with("rw_csrf=") && c.contains("Secure")));
}

#[tokio::test]
async fn next_never_leads_off_the_site() {
    let fx = with_password().await;
    for next in ["https://evil.example/", "//evil.example/", "/\\evil.example"] {
        let answer = send(
            &fx.state,
            form_post(
                "/login",
                &format!("rw_csrf={}", csrf_value()),
                &login_form(PASSWORD, next),
            ),
        )
        .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert_eq!(answer.location(), "/", "{next}");
    }
    let page = send(
        &fx.state,
        Request::get("/login?next=https%3A%2F%2Fevil.example%2F")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(!page.body.contains("evil.example"), "{}", page.body);
}

#[tokio::test]
async fn a_wrong_password_or_a_missing_csrf_token_starts_nothing() {
    let fx = with_password().await;
    let wrong = send(
        &fx.state,
        form_post(
            "/login",
            &format!("rw_csrf={}", csrf_value()),
            &login_form("guess-guess-guess", "/"),
        ),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong password."));
    assert!(wrong.session_cookie().is_none());

    let no_csrf = send(&fx.state, form_post("/login", "", &login_form(PASSWORD, "/"))).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert!(no_csrf.session_cookie().is_none());
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_client_address() {
    let fx = with_password().await;
    let from = |addr: [u8; 4], password: &str| {
        let mut request = form_post(
            "/login",
            &format!("rw_csrf={}", csrf_value()),
            &login_form(password, "/"),
        );
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((addr, 40_000))));
        request
    };
    let guesser = [203, 0, 113, 9];
    for _ in 0..limiter::MAX_FAILURES {
        assert_eq!(
            send(&fx.state, from(guesser, "wrong-wrong-wrong")).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password waits now.
    let held = send(&fx.state, from(guesser, PASSWORD)).await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(held.body.contains("too many failed logins"), "{}", held.body);
    assert!(held.session_cookie().is_none());
    // Another address is not held off.
    let other = send(&fx.state, from([198, 51, 100, 4], PASSWORD)).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn without_a_peer_address_the_limit_is_global() {
    let fx = with_password().await;
    let cookie = format!("rw_csrf={}", csrf_value());
    for _ in 0..limiter::MAX_FAILURES {
        send(
            &fx.state,
            form_post("/login", &cookie, &login_form("nope-nope-nope", "/")),
        )
        .await;
    }
    let held = send(&fx.state, form_post("/login", &cookie, &login_form(PASSWORD, "/"))).await;
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn admin_pages_send_a_visitor_to_the_login_and_back() {
    let fx = with_password().await;
    let answer = send(&fx.state, Request::get("/sources?added=1").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/login?next=%2Fsources%3Fadded%3D1");
    // A stale session is no login either.
    let stale = send(
        &fx.state,
        Request::get("/sources")
            .header(COOKIE, format!("{SESSION_COOKIE}={}", "ab".repeat(32)))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER);

    let cookies = logged_in(&fx.state).await;
    let page = send(
        &fx.state,
        Request::get("/sources")
            .header(COOKIE, &cookies)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<h1>Sources</h1>"));
}

#[tokio::test]
async fn logout_ends_the_session_and_needs_its_csrf_token() {
    let fx = with_password().await;
    let cookies = logged_in(&fx.state).await;
    let refused = send(&fx.state, form_post("/logout", &cookies, "csrf=wrong")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let out = send(
        &fx.state,
        form_post("/logout", &cookies, &format!("csrf={}", csrf_value())),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.session_cookie().unwrap().contains("Max-Age=0"));
    let after = send(
        &fx.state,
        Request::get("/sources")
            .header(COOKIE, &cookies)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the old cookie no longer logs in");
}

fn api_post() -> axum::http::request::Builder {
    Request::post("/api/v1/sources").header(CONTENT_TYPE, "application/json")
}

#[tokio::test]
async fn api_writes_need_credentials_401_and_refuse_bad_ones_403() {
    let fx = with_password().await;
    let body = r#"{"url": "https://lighthouse.example/feed.xml"}"#;
    let none = send(&fx.state, api_post().body(Body::from(body)).unwrap()).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(
        none.json()["error"].as_str().unwrap().contains("Bearer"),
        "{}",
        none.body
    );

    let bad = send(
        &fx.state,
        api_post()
            .header(AUTHORIZATION, format!("Bearer rw_{}", "0".repeat(64)))
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    assert!(bad.json()["error"].is_string());
    let basic = send(
        &fx.state,
        api_post()
            .header(AUTHORIZATION, "Basic YWRtaW46YWRtaW4=")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(basic.status, StatusCode::FORBIDDEN);

    let delete = send(
        &fx.state,
        Request::delete("/api/v1/sources/1").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(delete.status, StatusCode::UNAUTHORIZED);

    // A session without the CSRF header is refused; with it, accepted.
    let cookies = logged_in(&fx.state).await;
    let no_header = send(
        &fx.state,
        api_post().header(COOKIE, &cookies).body(Body::from(body)).unwrap(),
    )
    .await;
    assert_eq!(no_header.status, StatusCode::FORBIDDEN);
    let with_header = send(
        &fx.state,
        api_post()
            .header(COOKIE, &cookies)
            .header(CSRF_HEADER, csrf_value())
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(with_header.status, StatusCode::CREATED, "{}", with_header.body);
}

#[tokio::test]
async fn a_good_token_adds_201_and_removes_204_a_source() {
    let fx = Fixture::new().await;
    let token = new_token(&fx.state, "ci").await;
    let bearer = format!("Bearer {token}");
    let body = r#"{"url": "https://lighthouse.example/news-sitemap.xml"}"#;
    let added = send(
        &fx.state,
        api_post()
            .header(AUTHORIZATION, &bearer)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let source = added.json();
    assert_eq!(source["kind"], "sitemap");
    assert_eq!(source["url"], "https://lighthouse.example/news-sitemap.xml");
    assert_eq!(source["articles"], 0);
    let id = source["id"].as_i64().unwrap();
    assert_eq!(added.location(), format!("/api/v1/sources/{id}"));
    let used = fx.state.store.api_tokens().await.unwrap();
    assert!(used[0].last_used_at.is_some(), "the token's use is recorded");

    let again = send(
        &fx.state,
        api_post()
            .header(AUTHORIZATION, &bearer)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "already subscribed");

    let listed = send(&fx.state, Request::get("/api/v1/sources").body(Body::empty()).unwrap()).await;
    assert_eq!(listed.status, StatusCode::OK);
    let sources = listed.json()["sources"].as_array().unwrap().clone();
    assert_eq!(sources.len(), 1);
    for field in [
        "last_success",
        "last_error",
        "error_count",
        "next_poll",
        "articles",
        "kind",
        "websub",
    ] {
        assert!(sources[0].get(field).is_some(), "{field} missing: {}", listed.body);
    }

    let ftp = r#"{"url": "ftp://lighthouse.example/feed"}"#;
    let refused = send(
        &fx.state,
        api_post().header(AUTHORIZATION, &bearer).body(Body::from(ftp)).unwrap(),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.json()["error"]
        .as_str()
        .unwrap()
        .contains("ftp://lighthouse.example/feed"));
    let junk = send(
        &fx.state,
        api_post().header(AUTHORIZATION, &bearer).body(Body::from("{")).unwrap(),
    )
    .await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);

    let delete = |id: i64| {
        Request::delete(format!("/api/v1/sources/{id}"))
            .header(AUTHORIZATION, &bearer)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&fx.state, delete(id)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(send(&fx.state, delete(id)).await.status, StatusCode::NOT_FOUND);

    // A revoked token no longer writes.
    fx.state.store.revoke_api_token(used[0].id).await.unwrap();
    assert_eq!(send(&fx.state, delete(id)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_sources_page_adds_lists_removes_imports_and_exports() {
    let fx = with_password().await;
    let cookies = logged_in(&fx.state).await;
    let csrf = format!("csrf={}", csrf_value());
    let added = send(
        &fx.state,
        form_post(
            "/sources",
            &cookies,
            &format!("{csrf}&url=https%3A%2F%2Fferry.example%2Frss.xml"),
        ),
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert!(added.location().starts_with("/sources?added="));
    let page = send(
        &fx.state,
        Request::get(added.location())
            .header(COOKIE, &cookies)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(page.body.contains("https://ferry.example/rss.xml"), "{}", page.body);
    assert!(page.body.contains("added; it is polled"), "{}", page.body);
    assert!(page.body.contains(">never<") && page.body.contains(">now<"));

    let no_csrf = send(
        &fx.state,
        form_post("/sources", &cookies, "url=https%3A%2F%2Fx.example%2Frss"),
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let logged_out = send(
        &fx.state,
        form_post("/sources", &format!("rw_csrf={}", csrf_value()), &csrf),
    )
    .await;
    assert_eq!(logged_out.status, StatusCode::SEE_OTHER);
    assert!(logged_out.location().starts_with("/login"));
    let bad = send(
        &fx.state,
        form_post(
            "/sources",
            &cookies,
            &format!("{csrf}&url=file%3A%2F%2F%2Fetc%2Fpasswd"),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("http or https"), "{}", bad.body);

    let opml = r#"<opml version="2.0"><head/><body>
        <outline text="Isle Courier" xmlUrl="https://isle.example/feed"/>
        <outline text="Ferry" xmlUrl="https://ferry.example/rss.xml"/>
    </body></opml>"#;
    let encoded: String = url::form_urlencoded::byte_serialize(opml.as_bytes()).collect();
    let imported = send(
        &fx.state,
        form_post("/sources/import", &cookies, &format!("{csrf}&opml={encoded}")),
    )
    .await;
    assert_eq!(imported.location(), "/sources?imported=1&known=1&skipped=0");
    let junk = send(
        &fx.state,
        form_post("/sources/import", &cookies, &format!("{csrf}&opml=hello")),
    )
    .await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);

    let export = send(
        &fx.state,
        Request::get("/sources.opml")
            .header(COOKIE, &cookies)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("attachment"));
    let outlines = model::opml::parse_opml(&export.body, "export").unwrap();
    assert_eq!(outlines.len(), 2);
    assert_eq!(outlines[1].title.as_deref(), Some("Isle Courier"));

    let ferry = fx
        .state
        .store
        .source_by_url("https://ferry.example/rss.xml")
        .await
        .unwrap()
        .unwrap();
    let removed = send(
        &fx.state,
        form_post(&format!("/sources/{}/remove", ferry.id), &cookies, &csrf),
    )
    .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(fx.state.store.source(ferry.id).await.unwrap().is_none());
    let unknown = send(&fx.state, form_post("/sources/abc/remove", &cookies, &csrf)).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_private_site_shows_nothing_without_a_session_or_token() {
    let mut fx = with_password().await;
    fx.state.private = true;
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    for page in [
        "/",
        "/search?q=bridge",
        &format!("/story/{}", fx.bridge_story),
        "/feed.atom",
    ] {
        let answer = send(&fx.state, get(page)).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{page}");
        assert!(answer.location().starts_with("/login?next="), "{page}");
    }
    let api = send(&fx.state, get("/api/v1/stories")).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(api.json()["error"].is_string());
    let bad_token = send(
        &fx.state,
        Request::get("/api/v1/stories")
            .header(AUTHORIZATION, "Bearer nope")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(bad_token.status, StatusCode::FORBIDDEN);
    for open in ["/login", "/healthz", "/static/style.css"] {
        assert_eq!(send(&fx.state, get(open)).await.status, StatusCode::OK, "{open}");
    }

    let token = new_token(&fx.state, "reader").await;
    let with_token = send(
        &fx.state,
        Request::get("/api/v1/stories")
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(with_token.status, StatusCode::OK);
    let cookies = logged_in(&fx.state).await;
    let front = send(
        &fx.state,
        Request::get("/").header(COOKIE, &cookies).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(front.status, StatusCode::OK);
    assert!(front.body.contains("Harbour bridge closes after storm"));

    // A public site shows the same without credentials.
    fx.state.private = false;
    assert_eq!(send(&fx.state, get("/")).await.status, StatusCode::OK);
    assert_eq!(send(&fx.state, get("/api/v1/sources")).await.status, StatusCode::OK);
}
