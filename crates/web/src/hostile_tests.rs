//! A hostile article, rendered on every page and in every feed, must come
//! out inert; and every response, errors and static files included, carries
//! the Content-Security-Policy.
//!
//! The checks read the markup tag by tag: escaped text never holds a raw
//! `<`, so what lies between `<` and `>` is markup the browser acts on,
//! while a script written out as text (`&#60;script&#62;`) is harmless.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use tower::ServiceExt;

use crate::test_support::Fixture;
use crate::CONTENT_SECURITY_POLICY;

/// The one script tag the layout may hold.
const KEYS_SCRIPT_TAG: &str = "<script src=\"/static/keys.js\" defer>";

/// One tag's name and attributes (names lowercased, values unquoted).
#[derive(Debug)]
struct Tag {
    raw: String,
    /// An end tag (`</p>`).
    closing: bool,
    name: String,
    attributes: Vec<(String, String)>,
}

/// Every start or end tag of `markup`, in order.
fn tags(markup: &str) -> Vec<Tag> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(start) = markup[at..].find('<') {
        let from = at + start + 1;
        let len = tag_end(&markup[from..]);
        let close = (from + len + 1).min(markup.len());
        found.push(parse_tag(&markup[at + start..close], &markup[from..from + len]));
        at = close;
    }
    found
}

/// Where the tag starting at `text` ends: the first `>` outside quotes.
fn tag_end(text: &str) -> usize {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    text.len()
}

fn parse_tag(raw: &str, inner: &str) -> Tag {
    let closing = inner.starts_with('/');
    let inner = inner.trim_start_matches('/');
    let name_end = inner
        .find(|c: char| c.is_whitespace() || c == '/')
        .unwrap_or(inner.len());
    let name = inner[..name_end].to_ascii_lowercase();
    let mut attributes = Vec::new();
    let mut chars = inner[name_end..].chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == '/') {
            chars.next();
        }
        let mut attribute = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '=' || c == '/' {
                break;
            }
            attribute.push(c.to_ascii_lowercase());
            chars.next();
        }
        if attribute.is_empty() {
            break;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            match chars.peek().copied() {
                Some(q @ ('"' | '\'')) => {
                    chars.next();
                    for c in chars.by_ref() {
                        if c == q {
                            break;
                        }
                        value.push(c);
                    }
                }
                _ => {
                    while let Some(&c) = chars.peek() {
                        if c.is_whitespace() {
                            break;
                        }
                        value.push(c);
                        chars.next();
                    }
                }
            }
        }
        attributes.push((attribute, value));
    }
    Tag {
        raw: raw.to_string(),
        closing,
        name,
        attributes,
    }
}

/// An attribute value as a browser reads it, near enough: entities for
/// the characters that spell a scheme decoded, blanks and controls gone.
fn normalized(value: &str) -> String {
    let mut out = value.to_ascii_lowercase();
    for (entity, c) in [
        ("&#58;", ":"),
        ("&colon;", ":"),
        ("&#x3a;", ":"),
        ("&#9;", ""),
        ("&#10;", ""),
        ("&#13;", ""),
    ] {
        out = out.replace(entity, c);
    }
    out.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect()
}

/// Panics, naming the page, at the first thing a browser could run.
fn assert_inert(what: &str, markup: &str) {
    let mut scripts = 0;
    for tag in tags(markup) {
        match tag.name.as_str() {
            "script" if tag.closing => {}
            "script" => {
                assert_eq!(tag.raw, KEYS_SCRIPT_TAG, "{what}: a script tag other than the layout's");
                scripts += 1;
            }
            "iframe" | "object" | "embed" | "base" | "svg" | "math" | "frame" | "frameset" | "applet" => {
                panic!("{what}: {} should not survive", tag.raw)
            }
            "meta" if tag.attributes.iter().any(|(name, _)| name == "http-equiv") => {
                panic!("{what}: {} should not survive", tag.raw)
            }
            _ => {}
        }
        for (name, value) in &tag.attributes {
            assert!(!name.starts_with("on"), "{what}: event handler in {}", tag.raw);
            assert_ne!(name, "style", "{what}: inline style in {}", tag.raw);
            let value = normalized(value);
            assert!(!value.contains("javascript:"), "{what}: javascript: in {}", tag.raw);
            assert!(!value.contains("vbscript:"), "{what}: vbscript: in {}", tag.raw);
            if matches!(
                name.as_str(),
                "href" | "src" | "srcset" | "action" | "formaction" | "data" | "poster" | "xlink:href" | "background"
            ) {
                assert!(!value.starts_with("data:"), "{what}: data: URL in {}", tag.raw);
            }
        }
    }
    // Only HTML pages have the layout and its one script.
    assert!(scripts <= 1, "{what}: {scripts} script tags");
}

/// The hostile title, site name and author show as text, escaped.
fn assert_markup_escaped(what: &str, text: &str) {
    for raw in ["<script>alert", "<img src=x", "<b>Outlet</b>", "<b>vote</b>"] {
        assert!(!text.contains(raw), "{what}: {raw:?} unescaped");
    }
}

#[tokio::test]
async fn a_hostile_article_renders_inert_everywhere() {
    let fx = Fixture::new().await;
    let (article, story) = fx.add_hostile_article().await;
    // Each address, and whether it must show the hostile story.
    for (uri, shows_it) in [
        ("/".to_string(), true),
        (
            "/?outlet=Evil+%3Cb%3EOutlet%3C%2Fb%3E%3Cscript%3Ealert('site')%3C%2Fscript%3E".to_string(),
            true,
        ),
        (format!("/story/{story}"), true),
        (format!("/article/{article}"), true),
        ("/search?q=Grimwold".to_string(), true),
        ("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_string(), false),
        ("/?lang=%22%3E%3Cscript%3E".to_string(), false),
        ("/feed.atom".to_string(), true),
        (format!("/story/{story}/feed.atom"), true),
        ("/api/v1/stories".to_string(), true),
        (format!("/api/v1/articles/{article}"), true),
    ] {
        let reply = fx.get(&uri).await;
        assert!(
            reply.status == StatusCode::OK || (!shows_it && reply.status == StatusCode::BAD_REQUEST),
            "{uri}: {}",
            reply.status
        );
        assert!(!shows_it || reply.body.contains("Grimwold"), "{uri}: {}", reply.body);
        if reply.content_type.starts_with("application/json") {
            // JSON is data, not markup; its article body is sanitised.
            if let Some(html) = reply.json()["html"].as_str() {
                assert_inert(&uri, html);
            }
            continue;
        }
        assert_inert(&uri, &reply.body);
        assert_markup_escaped(&uri, &reply.body);
    }

    // The pages show the hostile text, escaped rather than dropped.
    let front = fx.get("/").await.body;
    assert!(
        front.contains("&#60;script&#62;alert(&#39;title&#39;)&#60;/script&#62;Grimwold"),
        "{front}"
    );
    assert!(front.contains("Evil &#60;b&#62;Outlet&#60;/b&#62;"), "{front}");
    assert!(
        front.contains("<p class=\"lead\">&#60;b&#62;Grimwold&#60;/b&#62; council met"),
        "{front}"
    );
    let page = fx.get(&format!("/article/{article}")).await.body;
    assert!(page.contains("Grimwold council met."), "{page}");
    assert!(page.contains("By &#60;script&#62;"), "{page}");
    // The javascript: address gives way to the canonical one.
    assert!(page.contains("href=\"https://hostile.example/grimwold\""), "{page}");
    let feed = fx.get("/feed.atom").await.body;
    assert!(
        feed.contains("&lt;script&gt;alert(&apos;title&apos;)") || feed.contains("&lt;script&gt;alert('title')"),
        "{feed}"
    );
}

#[test]
fn the_checker_catches_what_it_looks_for() {
    let caught = |markup: &str| std::panic::catch_unwind(|| assert_inert("test", markup)).is_err();
    assert!(caught("<p><script>alert(1)</script></p>"));
    assert!(caught("<img src=x onerror=alert(1)>"));
    assert!(caught("<a href=' JavaScript&#58;alert(1)'>x</a>"));
    assert!(caught("<img src=\"data:image/png;base64,AA\">"));
    assert!(caught("<iframe src=\"https://a.example\"></iframe>"));
    assert!(caught("<p style=\"x\">"));
    assert!(!caught(
        "<p title=\"a onerror=x data:y\">&#60;script&#62; onerror= javascript:</p>"
    ));
    assert!(!caught(KEYS_SCRIPT_TAG));
}

#[tokio::test]
async fn every_response_carries_the_content_security_policy() {
    let fx = Fixture::new().await;
    for uri in [
        "/",
        "/?page=0",
        "/story/1",
        "/story/9999",
        "/story/abc",
        "/no/such/page",
        "/search?q=nosuchfield%3Ax",
        "/feed.atom",
        "/api/v1/stories",
        "/api/v1/stories?limit=0",
        "/api/v1/nothing",
        "/healthz",
        "/static/style.css",
        "/static/keys.js",
        "/static/icon.svg",
        "/static/icon-192.png",
        "/manifest.webmanifest",
    ] {
        let request = Request::get(uri).body(Body::empty()).expect("request");
        let response = crate::router(fx.state.clone(), crate::Limits::DEFAULT.request_timeout)
            .oneshot(request)
            .await
            .expect("infallible");
        let policy = response
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap_or_else(|| panic!("{uri}: no CSP"));
        assert_eq!(policy, CONTENT_SECURITY_POLICY, "{uri}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff", "{uri}");
    }
    // Scripts only from this site, never inline; nothing else runs.
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
    assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'none';"));
    for weak in ["unsafe-inline", "unsafe-eval", "data:", "*"] {
        assert!(!CONTENT_SECURITY_POLICY.contains(weak), "{weak}");
    }
}

#[tokio::test]
async fn pages_hold_no_inline_script_or_handler() {
    let fx = Fixture::new().await;
    for uri in ["/", "/search", "/search?q=apples", "/story/1", "/article/1", "/nothing"] {
        let body = fx.get(uri).await.body;
        assert_inert(uri, &body);
        assert_eq!(body.matches("<script").count(), 1, "{uri}");
        assert!(body.contains(KEYS_SCRIPT_TAG), "{uri}");
    }
}
