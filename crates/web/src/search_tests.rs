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
