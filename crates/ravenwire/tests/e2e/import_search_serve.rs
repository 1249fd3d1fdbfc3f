//! End to end: import the fixture pages with the real binary, search them,
//! then read the web pages and the API over real HTTP.

use crate::common::{fixtures, on_both, ravenwire, stderr, stdout, Served};
use serde_json::Value;

fn search_json(data: &std::path::Path, query: &str) -> Vec<Value> {
    let out = ravenwire(data, &["search", "--json", "--limit", "20", query]);
    assert!(out.status.success(), "search failed: {}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each search line is JSON"))
        .collect()
}

fn import_search_and_serve_the_fixture_pages() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let out = ravenwire(&data, &["import", fixtures().join("pages").to_str().unwrap()]);
    assert!(out.status.success(), "import failed: {}", stderr(&out));
    assert!(
        stderr(&out).contains("imported 6, already known 0, failed 0"),
        "{}",
        stderr(&out)
    );

    // The same input again adds nothing.
    let again = ravenwire(&data, &["import", fixtures().join("pages").to_str().unwrap()]);
    assert!(again.status.success());
    assert!(
        stderr(&again).contains("imported 0, already known 6, failed 0"),
        "{}",
        stderr(&again)
    );

    // Search: every hit carries the contract's fields; a story's words find
    // exactly its pages, including the gzipped one found by recursion.
    let velmora = search_json(&data, "velmora");
    assert_eq!(velmora.len(), 3, "{velmora:?}");
    for hit in &velmora {
        for field in ["title", "url", "source", "published", "story", "snippet"] {
            assert!(hit.get(field).is_some(), "hit lacks {field}: {hit}");
        }
    }
    let ashgrove = search_json(&data, "ashgrove");
    assert_eq!(ashgrove.len(), 3);
    assert!(ashgrove
        .iter()
        .any(|h| h["url"].as_str().unwrap().contains("valley-sentinel")));

    // Each story's pages share one story; the two stories differ.
    let story_of = |hits: &[Value]| {
        let mut stories: Vec<i64> = hits.iter().map(|h| h["story"].as_i64().unwrap()).collect();
        stories.sort();
        stories.dedup();
        stories
    };
    assert_eq!(story_of(&velmora).len(), 1, "velmora pages split: {velmora:?}");
    // Clustering is promised within one language; the German report of the
    // comet may stand apart.
    let english: Vec<Value> = ashgrove.iter().filter(|h| h["language"] == "en").cloned().collect();
    assert_eq!(story_of(&english).len(), 1, "ashgrove pages split: {ashgrove:?}");
    assert!(!story_of(&ashgrove).contains(&story_of(&velmora)[0]));

    // The query language: a phrase, NOT and a field.
    assert_eq!(search_json(&data, "\"harbour cranes\"").len(), 3);
    assert_eq!(search_json(&data, "ashgrove NOT perihelion").len(), 1);
    assert_eq!(search_json(&data, "ashgrove AND language:de").len(), 1);
    // Boilerplate did not reach the index.
    assert!(search_json(&data, "cookies").is_empty());

    // Text output for people.
    let text = ravenwire(&data, &["search", "kelderwick"]);
    assert!(stdout(&text).contains("https://"), "{}", stdout(&text));

    let server = Served::start(Some(&data), &["serve", "--addr", "127.0.0.1:0"]);

    let (status, health) = server.get("/healthz");
    assert_eq!(status, 200);
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "ok");

    let (status, front) = server.get("/");
    assert_eq!(status, 200);
    assert!(front.contains("Velmora"), "front page lacks the Velmora story");
    assert!(front.contains("Ashgrove"), "front page lacks the Ashgrove story");
    assert!(front.contains("Coastline Courier"), "front page lacks the outlets");

    let (status, stories) = server.get("/api/v1/stories");
    assert_eq!(status, 200);
    let stories: Value = serde_json::from_str(&stories).unwrap();
    let list = stories
        .as_array()
        .or_else(|| stories["stories"].as_array())
        .expect("a list of stories");
    assert!((2..=3).contains(&list.len()), "{stories}");

    let story_id = story_of(&velmora)[0];
    let (status, story_page) = server.get(&format!("/story/{story_id}"));
    assert_eq!(status, 200);
    for outlet in ["Coastline Courier", "Bayside Bulletin", "Newsflow Hub"] {
        assert!(story_page.contains(outlet), "story page lacks {outlet}");
    }
    // The content farm's copy, 14 months later, is shown as a re-dated copy.
    assert!(story_page.contains("copy of"), "no copy notice on the story page");
    assert!(story_page.contains("Re-dated"), "no re-dated notice on the story page");
    let farm = velmora
        .iter()
        .find(|h| h["url"].as_str().unwrap().contains("newsflow-hub"))
        .unwrap();
    let (status, farm_json) = server.get(&format!("/api/v1/articles/{}", farm["id"]));
    assert_eq!(status, 200);
    let farm_json: Value = serde_json::from_str(&farm_json).unwrap();
    assert_eq!(farm_json["redated"], true, "{farm_json}");

    let original = velmora
        .iter()
        .find(|h| h["url"].as_str().unwrap().contains("coastline-courier"))
        .unwrap();
    let article_id = original["id"].as_i64().unwrap();
    assert_eq!(farm_json["copy_of"], article_id, "{farm_json}");
    // Files are imported in name order, so the Bayside Bulletin copy is
    // stored before the Coastline Courier original it copies; the original's
    // arrival revises it.
    let bayside = velmora
        .iter()
        .find(|h| h["url"].as_str().unwrap().contains("bayside-bulletin"))
        .unwrap();
    assert!(bayside["id"].as_i64().unwrap() < article_id, "fixture order changed");
    let (status, bayside_json) = server.get(&format!("/api/v1/articles/{}", bayside["id"]));
    assert_eq!(status, 200);
    let bayside_json: Value = serde_json::from_str(&bayside_json).unwrap();
    assert_eq!(bayside_json["copy_of"], article_id, "{bayside_json}");
    assert_eq!(bayside_json["redated"], false, "{bayside_json}");
    let (status, reader) = server.get(&format!("/article/{article_id}"));
    assert_eq!(status, 200);
    assert!(
        reader.contains("coastline-courier.example.com"),
        "no link to the original"
    );
    // The layout's keyboard script is the only one; nothing from the page.
    assert_eq!(
        reader.matches("<script").count(),
        1,
        "reader view carries a script besides the layout's keys.js"
    );
    assert!(
        reader.contains("<script src=\"/static/keys.js\""),
        "the keyboard script is missing"
    );

    let (status, api_article) = server.get(&format!("/api/v1/articles/{article_id}"));
    assert_eq!(status, 200);
    let api_article: Value = serde_json::from_str(&api_article).unwrap();
    let body = api_article["text"]
        .as_str()
        .or_else(|| api_article["article"]["text"].as_str())
        .expect("article text in the API");
    assert!(body.contains("Velmora"));
    assert!(
        !body.to_lowercase().contains("newsletter"),
        "boilerplate in body: {body}"
    );

    let (status, results) = server.get("/search?q=velmora");
    assert_eq!(status, 200);
    assert!(results.contains("<b>"), "search results are not highlighted");

    let (status, api_search) = server.get("/api/v1/search?q=gantry");
    assert_eq!(status, 200);
    assert!(api_search.contains("velmora"), "{api_search}");

    let (status, _) = server.get("/story/999999");
    assert_eq!(status, 404);
    let (status, missing) = server.get("/api/v1/articles/999999");
    assert_eq!(status, 404);
    assert!(missing.contains("error"));
}
on_both!(import_search_and_serve_the_fixture_pages);
