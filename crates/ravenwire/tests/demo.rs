//! The demo serves the built-in corpus offline.

mod common;

use common::Served;

#[test]
fn demo_serves_stories_from_the_built_in_corpus() {
    let server = Served::start(None, &["demo", "--addr", "127.0.0.1:0"]);
    let (status, front) = server.get("/");
    assert_eq!(status, 200);
    assert!(front.contains("/story/"), "no stories on the demo front page");

    let (status, stories) = server.get("/api/v1/stories?limit=50");
    assert_eq!(status, 200);
    let stories: serde_json::Value = serde_json::from_str(&stories).unwrap();
    let list = stories
        .as_array()
        .or_else(|| stories["stories"].as_array())
        .expect("a list of stories");
    assert!(list.len() >= 6, "only {} demo stories", list.len());

    let (status, found) = server.get("/api/v1/search?q=Saltmere");
    assert_eq!(status, 200);
    assert!(found.contains("Saltmere"));
}
