//! The demo serves the built-in corpus offline.

use crate::common::Served;

#[test]
fn demo_serves_stories_from_the_built_in_corpus() {
    // The demo's temporary data goes into a folder of this test's own.
    let tmp = std::env::temp_dir().join(format!("ravenwire-demo-test-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let server = Served::start_with_env(None, &["demo", "--addr", "127.0.0.1:0"], &[("TMPDIR", &tmp)]);
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
    // The corpus holds eight stories. It is imported folder by folder, so
    // each outlet's files run through the whole year and back: the stories
    // must hold together however far the dates jump, in every language.
    assert_eq!(list.len(), 8, "{stories}");

    let (status, found) = server.get("/api/v1/search?q=Saltmere&limit=20");
    assert_eq!(status, 200);
    assert!(found.contains("Saltmere"));
    // The wire original sits in the last folder; the two republications
    // imported before it are revised to copies of it.
    let found: serde_json::Value = serde_json::from_str(&found).unwrap();
    let hits = found["hits"].as_array().expect("hits");
    let provenance_of = |host: &str| {
        let hit = hits
            .iter()
            .find(|h| {
                h["url"].as_str().unwrap_or("").contains(host) && h["title"].as_str().unwrap_or("").contains("Saltmere")
            })
            .unwrap_or_else(|| panic!("no Saltmere hit from {host}: {found}"));
        hit["provenance"].as_str().unwrap().to_string()
    };
    assert_eq!(provenance_of("wire.example.com"), "original");
    assert_eq!(provenance_of("metro-ledger"), "copy");
    assert_eq!(provenance_of("harbourline"), "copy");

    // Interrupted as by Ctrl-C, the demo removes its temporary data.
    let entries = || std::fs::read_dir(&tmp).unwrap().count();
    assert_eq!(entries(), 1, "the demo keeps its data in TMPDIR");
    drop(server);
    assert_eq!(entries(), 0, "the demo left its data behind in {}", tmp.display());
    std::fs::remove_dir(&tmp).unwrap();
}
