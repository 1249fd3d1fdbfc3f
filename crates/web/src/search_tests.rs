//! Hostile and awkward search queries over HTTP, on the page and the API: each is answered, never a crash or a 500.

use axum::http::StatusCode;

use crate::test_support::Fixture;

/// `q` for a query string: everything but letters and digits percent-encoded.
fn encoded(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Issue 10's query: 3,000 '(' around one word, 6 KB, which overflowed a
/// worker thread's stack and aborted the server.
fn nested_6kb_query() -> String {
    format!("{}apples{}", "(".repeat(3000), ")".repeat(3000))
}

#[tokio::test]
async fn a_deeply_nested_query_is_a_400_not_a_crash() {
    let fx = Fixture::new().await;
    let nested = encoded(&nested_6kb_query());
    let reply = fx.get(&format!("/search?q={nested}")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.content_type.starts_with("text/html"));
    let deep = format!("more than {} levels deep", index::MAX_QUERY_DEPTH);
    assert!(reply.body.contains(&deep), "{}", reply.body);
    // The message quotes the query cut short, not all 6 KB of it.
    assert!(reply.body.contains("(6006 characters)"), "{}", reply.body);

    let reply = fx.get(&format!("/api/v1/search?q={nested}")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let error = reply.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains(&deep), "{error}");

    // The server is still there.
    let after = fx.get("/search?q=apples").await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(after.body.contains("<b>apples</b>"));
    let after = fx.get("/api/v1/search?q=apples").await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.json()["hits"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_apostrophe_query_finds_the_article_with_it() {
    let fx = Fixture::new().await;
    let title = "Mayor O'Brien reopens the harbour bridge";
    let url = "https://city.example/obrien";
    let (id, story) = fx.add_story_with_title(title, url).await;
    let mut batch = fx.state.index.batch().unwrap();
    batch
        .upsert(&index::IndexedArticle {
            id: id.0,
            title: title.to_string(),
            text: "Traffic is flowing again, O'Brien said.".to_string(),
            url: url.to_string(),
            source: "Odd Outlet".to_string(),
            language: Some("en".to_string()),
            published: None,
            story: Some(story.0),
        })
        .unwrap();
    batch.commit().unwrap();
    // Issue 10: `O'Brien` and `don't` answered 400.
    for query in ["O'Brien", "o'brien bridge", "\"O'Brien said", "don't OR O'Brien"] {
        let reply = fx.get(&format!("/search?q={}", encoded(query))).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
        assert_eq!(reply.body.matches("class=\"hit\"").count(), 1, "{query}");
        assert!(reply.body.contains(&format!("href=\"/article/{id}\"")), "{query}");
        let json = fx.get(&format!("/api/v1/search?q={}", encoded(query))).await.json();
        assert_eq!(json["hits"][0]["id"], id.0, "{query}");
    }
}

#[tokio::test]
async fn title_star_is_a_400_not_a_500() {
    let fx = Fixture::new().await;
    // Issue 10: `title:*` failed inside the index ("not a fast field"), a 500.
    for query in ["title:*", "source:*", "apples AND language:*"] {
        let reply = fx.get(&format!("/search?q={}", encoded(query))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(reply.body.contains(":*` (any value in"), "{query}: {}", reply.body);
        let reply = fx.get(&format!("/api/v1/search?q={}", encoded(query))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        let error = reply.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(error.contains(":*` (any value in"), "{query}: {error}");
    }
}

#[tokio::test]
async fn every_bad_query_is_a_400_naming_the_problem() {
    let fx = Fixture::new().await;
    for (query, problem) in [
        ("published:foo", "integer"),
        ("story:abc", "integer"),
        ("nosuchfield:x", "nosuchfield"),
        ("AND", "the query language cannot read it"),
        ("-", "the query language cannot read it"),
        ("(apples", "never closed"),
        ("apples)", "closes no"),
    ] {
        let reply = fx.get(&format!("/search?q={}", encoded(query))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(reply.body.contains("bad search query"), "{query}: {}", reply.body);
        assert!(reply.body.contains(problem), "{query}: {}", reply.body);
        let reply = fx.get(&format!("/api/v1/search?q={}", encoded(query))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        let error = reply.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(error.contains(problem), "{query}: {error}");
    }
}

// Filters, order and saved searches.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request};
use store::StoryId;

/// A reply with its headers, for cookies and redirects.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

async fn send(fx: &Fixture, request: Request<Body>) -> Answer {
    let response = tower::ServiceExt::oneshot(
        crate::router(fx.state.clone(), crate::Limits::DEFAULT.request_timeout),
        request,
    )
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

/// A form body from name/value pairs.
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", encoded(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A logged-in admin's session token (saving and deleting need one).
async fn admin_session(fx: &Fixture) -> String {
    let token = crate::auth::new_api_token().expect("randomness");
    let now = chrono::Utc::now();
    fx.state
        .store
        .create_session(&crate::auth::token_hash(&token), now, now + chrono::Duration::days(1))
        .await
        .expect("session");
    token
}

/// An API token that may write.
async fn api_token(fx: &Fixture) -> String {
    let token = crate::auth::new_api_token().expect("randomness");
    fx.state
        .store
        .create_api_token("search tests", &crate::auth::token_hash(&token), chrono::Utc::now())
        .await
        .expect("token");
    token
}

/// POSTs a form as the logged-in admin, with `cookie` as the CSRF cookie.
async fn post_form(fx: &Fixture, uri: &str, cookie: Option<&str>, body: String) -> Answer {
    let session = format!("{}={}", crate::auth::SESSION_COOKIE, admin_session(fx).await);
    let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    match cookie {
        Some(token) => request = request.header(header::COOKIE, format!("rw_csrf={token}; {session}")),
        None => request = request.header(header::COOKIE, session),
    }
    send(fx, request.body(Body::from(body)).expect("request")).await
}

/// The CSRF token a page's form carries, checked against the cookie it set.
async fn csrf_token_from(fx: &Fixture, uri: &str) -> String {
    let page = send(fx, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
    let cookie = page.header(header::SET_COOKIE).to_string();
    let token = cookie
        .strip_prefix("rw_csrf=")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no CSRF cookie: {cookie:?}"))
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        page.body.contains(&format!("name=\"csrf\" value=\"{token}\"")),
        "{}",
        page.body
    );
    token
}

/// Hit ids in page order.
fn hit_ids(body: &str) -> Vec<i64> {
    body.split("<li class=\"hit\">")
        .skip(1)
        .filter_map(|hit| {
            let start = hit.find("href=\"/article/")? + "href=\"/article/".len();
            let end = start + hit[start..].find('"')?;
            hit[start..end].parse().ok()
        })
        .collect()
}

fn json_ids(json: &serde_json::Value) -> Vec<i64> {
    json["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("no hits: {json}"))
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect()
}

/// One more article, in Spanish, on the bridge story.
async fn add_spanish_bridge(fx: &Fixture) -> i64 {
    let url = "https://puerto.example/puente";
    let (id, _) = fx.add_story_with_title("Harbour bridge: el puente reabre", url).await;
    let mut batch = fx.state.index.batch().unwrap();
    batch
        .upsert(&index::IndexedArticle {
            id: id.0,
            title: "Harbour bridge: el puente reabre".to_string(),
            text: "El puente del puerto (harbour bridge) reabre tras la tormenta.".to_string(),
            url: url.to_string(),
            source: "Diario del Puerto".to_string(),
            language: Some("es".to_string()),
            published: Some(1_719_835_200),
            story: Some(fx.bridge_story.0),
        })
        .unwrap();
    batch.commit().unwrap();
    id.0
}

#[tokio::test]
async fn each_filter_narrows_the_page_and_the_api_alike() {
    let fx = Fixture::new().await;
    let spanish = add_spanish_bridge(&fx).await;
    let (bridge, echo, rerun, orchard) = (fx.bridge.0, fx.echo.0, fx.rerun.0, fx.orchard.0);
    let sorted = |mut ids: Vec<i64>| {
        ids.sort_unstable();
        ids
    };
    let cases: Vec<(String, Vec<i64>)> = vec![
        ("q=harbour+bridge".into(), vec![bridge, echo, rerun, spanish]),
        ("q=harbour+bridge&source=Wire+Echo".into(), vec![echo]),
        ("q=harbour+bridge&source=old+news+DAILY".into(), vec![rerun]),
        ("q=harbour+bridge&language=es".into(), vec![spanish]),
        ("q=harbour+bridge&language=EN".into(), vec![bridge, echo, rerun]),
        (
            format!("q=harbour+bridge&story={}", fx.bridge_story),
            vec![bridge, echo, rerun, spanish],
        ),
        (format!("q=harbour+bridge&story={}", fx.orchard_story), vec![]),
        (format!("q=apples&story={}", fx.orchard_story), vec![orchard]),
        ("q=harbour+bridge&from=2024-03-02".into(), vec![rerun, spanish]),
        ("q=harbour+bridge&to=2024-03-01".into(), vec![bridge, echo]),
        // Both ends are inclusive, whole days in UTC: the re-run is dated 10 June.
        ("q=harbour+bridge&from=2024-06-10&to=2024-06-10".into(), vec![rerun]),
        (
            "q=bridge&from=2024-03-01&to=2024-06-30&source=old+news+daily&language=en".into(),
            vec![rerun],
        ),
        // Filters alone list what passes them.
        ("source=Valley+Post".into(), vec![orchard]),
    ];
    for (params, expected) in cases {
        let expected = sorted(expected);
        let page = fx.get(&format!("/search?{params}")).await;
        assert_eq!(page.status, StatusCode::OK, "{params}: {}", page.body);
        assert_eq!(sorted(hit_ids(&page.body)), expected, "{params}");
        if expected.is_empty() {
            assert!(page.body.contains("No articles match."), "{params}");
        }
        let api = fx.get(&format!("/api/v1/search?{params}")).await;
        assert_eq!(api.status, StatusCode::OK, "{params}: {}", api.body);
        assert_eq!(sorted(json_ids(&api.json())), expected, "api {params}");
    }
}

#[tokio::test]
async fn the_form_shows_every_filter_with_its_value() {
    let fx = Fixture::new().await;
    let body = fx
        .get(&format!(
            "/search?q=bridge&source=Wire+Echo&language=en&story={}&from=2024-03-01&to=2024-03-31&sort=date",
            fx.bridge_story
        ))
        .await
        .body;
    for field in [
        "name=\"q\" value=\"bridge\"".to_string(),
        "name=\"source\" value=\"Wire Echo\"".to_string(),
        "name=\"language\" value=\"en\"".to_string(),
        format!("name=\"story\" value=\"{}\"", fx.bridge_story),
        "type=\"date\" name=\"from\" value=\"2024-03-01\"".to_string(),
        "type=\"date\" name=\"to\" value=\"2024-03-31\"".to_string(),
        "<option value=\"date\" selected>".to_string(),
    ] {
        assert!(body.contains(&field), "{field}: {body}");
    }
    // Every field has a label.
    for id in [
        "filter-q",
        "filter-source",
        "filter-language",
        "filter-story",
        "filter-from",
        "filter-to",
        "filter-sort",
    ] {
        assert!(body.contains(&format!("<label for=\"{id}\">")), "{id}");
    }
    // The empty page shows the form too.
    let empty = fx.get("/search").await.body;
    assert!(empty.contains("class=\"search-filters\""));
    assert!(empty.contains("<option value=\"relevance\" selected>"));
    assert!(!empty.contains("Save this search"));
}

#[tokio::test]
async fn date_order_is_newest_first_and_pages_keep_the_filters() {
    let fx = Fixture::new().await;
    // Relevance puts the title matches first; date order follows the calendar.
    let by_date = fx.get("/search?q=harbour+bridge&sort=date").await.body;
    assert_eq!(hit_ids(&by_date), [fx.rerun.0, fx.echo.0, fx.bridge.0], "{by_date}");
    let api = fx.get("/api/v1/search?q=harbour+bridge&sort=date").await.json();
    assert_eq!(json_ids(&api), [fx.rerun.0, fx.echo.0, fx.bridge.0]);
    assert_eq!(api["sort"], "date");
    let filtered = fx
        .get("/api/v1/search?q=bridge&source=Wire+Echo&from=2024-03-01")
        .await
        .json();
    assert_eq!(filtered["filters"]["source"], "Wire Echo");
    assert_eq!(filtered["filters"]["from"], "2024-03-01");
    assert_eq!(filtered["sort"], "relevance");
    // Pages work as on the page, `limit` hits each.
    let second = fx
        .get("/api/v1/search?q=harbour+bridge&sort=date&limit=2&page=2")
        .await
        .json();
    assert_eq!(json_ids(&second), [fx.bridge.0]);
    assert_eq!(second["page"], 2);

    let second = fx
        .get("/search?q=harbour+bridge&source=Wire+Echo&sort=date&page=2")
        .await
        .body;
    assert!(second.contains("No more results."));
    assert!(
        second.contains("href=\"/search?q=harbour+bridge&#38;source=Wire+Echo&#38;sort=date&#38;page=1\""),
        "{second}"
    );
}

#[tokio::test]
async fn bad_filter_values_are_400s_naming_the_parameter() {
    let fx = Fixture::new().await;
    for (params, says) in [
        ("q=bridge&from=1709251200", "from must be a day written as 2026-11-01"),
        ("q=bridge&to=2024-02-30", "to must be a day written as 2026-11-01"),
        ("q=bridge&from=03%2F01%2F2024", "from must be a day"),
        ("q=bridge&story=latest", "story must be a story id"),
        ("q=bridge&story=-4", "story must be a story id"),
        ("q=bridge&language=english%21", "language must be a language code"),
        ("q=bridge&source=%2A%2A", "source must be an outlet"),
        ("q=bridge&sort=newest", "sort must be relevance or date"),
        (
            "q=bridge&from=2024-03-05&to=2024-03-01",
            "from (2024-03-05) is after to (2024-03-01)",
        ),
        ("q=bridge&page=0", "page must be a whole number"),
    ] {
        let page = fx.get(&format!("/search?{params}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{params}");
        assert!(page.content_type.starts_with("text/html"));
        assert!(page.body.contains(says), "{params}: {}", page.body);
        let api = fx.get(&format!("/api/v1/search?{params}")).await;
        assert_eq!(api.status, StatusCode::BAD_REQUEST, "api {params}");
        let error = api.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(error.contains(says), "api {params}: {error}");
    }
}

#[tokio::test]
async fn a_saved_search_round_trip_page_feed_api_and_delete() {
    let fx = Fixture::new().await;
    let token = csrf_token_from(&fx, "/search?q=harbour+bridge&sort=date").await;
    let saved = post_form(
        &fx,
        "/saved",
        Some(&token),
        form(&[
            ("csrf", &token),
            ("name", "Bridge watch"),
            ("q", "harbour bridge"),
            ("source", ""),
            ("from", "2024-03-01"),
            ("sort", "date"),
        ]),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let location = saved.header(header::LOCATION).to_string();
    let id: i64 = location
        .strip_prefix("/saved/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("{location}"));

    let list = fx.get("/saved").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(&format!("<a href=\"/saved/{id}\">Bridge watch</a>")),
        "{}",
        list.body
    );
    assert!(list.body.contains(&format!("href=\"/saved/{id}/feed.atom\"")));
    assert!(list.body.contains("from 2024-03-01 · newest first"), "{}", list.body);

    let page = fx.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Bridge watch</h1>"), "{}", page.body);
    assert_eq!(hit_ids(&page.body), [fx.rerun.0, fx.echo.0, fx.bridge.0]);
    assert!(page.body.contains(&format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Bridge watch · ravenwire\" href=\"/saved/{id}/feed.atom\">"
    )));
    assert!(!page.body.contains("Save this search"));

    let feed = fx.get(&format!("/saved/{id}/feed.atom")).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.content_type.starts_with("application/atom+xml"));
    let parsed = feed_rs::parser::parse(feed.body.as_bytes()).expect("Atom parses");
    assert_eq!(parsed.title.unwrap().content, "Bridge watch · ravenwire");
    let links: Vec<&str> = parsed.entries.iter().map(|e| e.links[0].href.as_str()).collect();
    let site = "http://news.local:8080";
    assert_eq!(
        links,
        [
            format!("{site}/article/{}", fx.rerun),
            format!("{site}/article/{}", fx.echo),
            format!("{site}/article/{}", fx.bridge)
        ]
    );
    assert_eq!(
        parsed.entries[2].title.as_ref().unwrap().content,
        "Harbour bridge closes after storm"
    );
    assert!(feed.body.contains(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{site}/saved/{id}/feed.atom\"/>"
    )));

    let all = fx.get("/api/v1/saved-searches").await.json();
    let first = &all["saved_searches"][0];
    assert_eq!(first["id"], id);
    assert_eq!(first["name"], "Bridge watch");
    assert_eq!(first["query"], "harbour bridge");
    assert_eq!(first["filters"]["from"], "2024-03-01");
    assert_eq!(first["sort"], "date");
    assert_eq!(first["feed"], format!("{site}/saved/{id}/feed.atom"));
    let one = fx.get(&format!("/api/v1/saved-searches/{id}")).await.json();
    assert_eq!(one["page"], format!("{site}/saved/{id}"));

    let token = csrf_token_from(&fx, "/saved").await;
    let deleted = post_form(
        &fx,
        &format!("/saved/{id}/delete"),
        Some(&token),
        form(&[("csrf", &token)]),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.header(header::LOCATION), "/saved");
    assert_eq!(fx.get(&location).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        fx.get(&format!("/saved/{id}/feed.atom")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(fx.get("/saved").await.body.contains("No saved searches yet."));
}

#[tokio::test]
async fn saving_or_deleting_without_the_csrf_pair_is_a_403() {
    let fx = Fixture::new().await;
    let token = "ab".repeat(32);
    let other = "cd".repeat(32);
    let fields = |csrf: Option<&str>| {
        let mut pairs = vec![("name", "Forged"), ("q", "apples")];
        if let Some(csrf) = csrf {
            pairs.push(("csrf", csrf));
        }
        form(&pairs)
    };
    for (cookie, field) in [
        (None, Some(token.as_str())),
        (Some(token.as_str()), None),
        (Some(token.as_str()), Some(other.as_str())),
    ] {
        let reply = post_form(&fx, "/saved", cookie, fields(field)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{cookie:?} {field:?}");
        assert!(reply.body.contains("security token"), "{}", reply.body);
    }
    assert!(fx.state.store.saved_searches().await.unwrap().is_empty());

    let id = fx
        .state
        .store
        .save_search(&store::NewSavedSearch {
            name: "Kept".to_string(),
            query: "apples".to_string(),
            filters: store::SearchFilters::default(),
            sort: store::SearchSort::Relevance,
        })
        .await
        .unwrap();
    let reply = post_form(&fx, &format!("/saved/{id}/delete"), Some(&token), String::new()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(fx.state.store.saved_searches().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_form_with_bad_values_is_a_400_naming_them() {
    let fx = Fixture::new().await;
    let token = "ab".repeat(32);
    for (pairs, says) in [
        (vec![("q", "apples")], "needs a name"),
        (
            vec![("name", "Nothing")],
            "needs words to search for (q) or at least one filter",
        ),
        (
            vec![("name", "Bad day"), ("q", "apples"), ("to", "1709251200")],
            "to must be a day",
        ),
        (vec![("name", "Bad query"), ("q", "nosuchfield:x")], "bad search query"),
    ] {
        let mut pairs = pairs;
        pairs.push(("csrf", &token));
        let reply = post_form(&fx, "/saved", Some(&token), form(&pairs)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{says}");
        assert!(reply.body.contains(says), "{says}: {}", reply.body);
    }
    assert!(fx.state.store.saved_searches().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_hostile_saved_search_name_is_inert_on_the_pages_and_in_the_feed() {
    let fx = Fixture::new().await;
    let name = "<script>alert('x')</script> & \"apples\"";
    let token = "ab".repeat(32);
    let saved = post_form(
        &fx,
        "/saved",
        Some(&token),
        form(&[("csrf", &token), ("name", name), ("q", "apples")]),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let location = saved.header(header::LOCATION).to_string();
    for uri in ["/saved", location.as_str()] {
        let body = fx.get(uri).await.body;
        assert!(!body.contains("<script>"), "{uri}: {body}");
        assert!(body.contains("&#60;script&#62;alert"), "{uri}: {body}");
    }
    let feed = fx.get(&format!("{location}/feed.atom")).await.body;
    assert!(!feed.contains("<script>"), "{feed}");
    assert!(
        feed.contains("<title>&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"apples\" · ravenwire</title>"),
        "{feed}"
    );
    let parsed = feed_rs::parser::parse(feed.as_bytes()).expect("Atom parses");
    assert_eq!(parsed.title.unwrap().content, format!("{name} · ravenwire"));
    assert_eq!(parsed.entries.len(), 1);
    let json = fx.get("/api/v1/saved-searches").await.json();
    assert_eq!(json["saved_searches"][0]["name"], name);
}

#[tokio::test]
async fn the_api_creates_and_deletes_saved_searches() {
    let fx = Fixture::new().await;
    let bearer = format!("Bearer {}", api_token(&fx).await);
    let post = |body: &str| {
        Request::post("/api/v1/saved-searches")
            .header(header::AUTHORIZATION, bearer.as_str())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let created = send(
        &fx,
        post(&format!(
            r#"{{"name": "Orchard", "q": "apples", "story": {}, "to": "2024-12-31", "sort": "date"}}"#,
            fx.orchard_story
        )),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let json: serde_json::Value = serde_json::from_str(&created.body).unwrap();
    let id = json["id"].as_i64().unwrap();
    assert_eq!(created.header(header::LOCATION), format!("/api/v1/saved-searches/{id}"));
    assert_eq!(json["filters"]["story"], fx.orchard_story.0);
    assert_eq!(json["filters"]["to"], "2024-12-31");
    let saved = fx
        .state
        .store
        .saved_search(store::SavedSearchId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.filters.story, Some(StoryId(fx.orchard_story.0)));
    assert_eq!(hit_ids(&fx.get(&format!("/saved/{id}")).await.body), [fx.orchard.0]);

    for (body, says) in [
        (r#"{"q": "apples"}"#, "needs a name"),
        (
            r#"{"name": "x", "q": "apples", "from": 1709251200}"#,
            "from must be a day",
        ),
        (r#"{"name": "x", "query": "nosuchfield:x"}"#, "bad search query"),
        (r#"["apples"]"#, "must be a JSON object"),
        ("{", "cannot read the JSON body"),
    ] {
        let reply = send(&fx, post(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(reply.body.contains(says), "{body}: {}", reply.body);
    }

    let delete = |id: i64| {
        Request::delete(format!("/api/v1/saved-searches/{id}"))
            .header(header::AUTHORIZATION, bearer.as_str())
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&fx, delete(id)).await.status, StatusCode::NO_CONTENT);
    let again = send(&fx, delete(id)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(
        again.body.contains(&format!("no saved search with id {id}")),
        "{}",
        again.body
    );
    assert_eq!(
        fx.get(&format!("/api/v1/saved-searches/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Searches take turns (`SearchTurns`): with one turn, many searches sent at
/// once are all answered, in turn, and a search that fails hands its turn
/// on like one that succeeds.
#[tokio::test]
async fn searches_that_wait_their_turn_are_all_answered() {
    let mut fx = Fixture::new().await;
    fx.state.searches = crate::SearchTurns::new(1);
    let fx = std::sync::Arc::new(fx);
    let paths = [
        "/api/v1/search?q=harbour",
        "/api/v1/search?q=nosuchfield:x",
        "/search?q=apples",
        "/api/v1/search?q=%22harbour+bridge%22",
    ];
    let requests: Vec<_> = (0..24)
        .map(|i| {
            let fx = std::sync::Arc::clone(&fx);
            let path = paths[i % paths.len()];
            tokio::spawn(async move { (path, fx.get(path).await.status) })
        })
        .collect();
    let answers = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        let mut answers = Vec::new();
        for request in requests {
            answers.push(request.await.expect("request task"));
        }
        answers
    })
    .await
    .expect("every search is answered: none waits forever for a turn");
    for (path, status) in answers {
        let expected = if path.contains("nosuchfield") {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{path}");
    }
}
