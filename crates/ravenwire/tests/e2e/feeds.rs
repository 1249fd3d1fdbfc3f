//! Feeds end to end: subscribe to RSS and Atom feeds served from 127.0.0.1,
//! fetch them, and fall back to the feed's content when a page fails.

use crate::common::{fixtures, on_both, ravenwire, stderr, stdout, FixtureServer};

fn serve_feed_folder() -> FixtureServer {
    FixtureServer::start(Box::new(|path: &str, port: u16| {
        // The third article's page is broken on purpose: its entry must come
        // from the feed's own content.
        if path == "/articles/three.html" {
            return (404, "text/plain", b"gone".to_vec());
        }
        let file = fixtures().join("feed").join(path.trim_start_matches('/'));
        match std::fs::read(&file) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).unwrap().replace("{PORT}", &port.to_string());
                let content_type = if path.ends_with(".xml") {
                    "application/xml"
                } else {
                    "text/html; charset=utf-8"
                };
                (200, content_type, text.into_bytes())
            }
            Err(_) => (404, "text/plain", b"not found".to_vec()),
        }
    }))
}

fn hits(data: &std::path::Path, query: &str) -> usize {
    stdout(&ravenwire(data, &["search", "--json", query])).lines().count()
}

fn feeds_are_fetched_with_fallback_and_polled_again_without_duplicates() {
    let server = serve_feed_folder();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let base = format!("http://127.0.0.1:{}", server.port);

    for feed in ["rss.xml", "atom.xml"] {
        let out = ravenwire(data, &["add", &format!("{base}/{feed}")]);
        assert!(out.status.success(), "add {feed}: {}", stderr(&out));
    }
    let bad = ravenwire(data, &["add", &format!("{base}/articles/one.html")]);
    assert!(!bad.status.success(), "a web page is not a feed");

    let out = ravenwire(data, &["fetch"]);
    let err = stderr(&out);
    assert!(out.status.success(), "fetch failed: {err}");
    assert!(
        err.contains("imported 2, from feed content 1, already known 0, failed 0"),
        "{err}"
    );
    assert!(
        err.contains("imported 2, from feed content 0, already known 0, failed 0"),
        "{err}"
    );

    // Words found only on the pages prove the pages were fetched.
    assert_eq!(hits(data, "thistlecombe AND grandfather"), 1);
    assert_eq!(hits(data, "marlowgate AND hospital"), 1);
    assert_eq!(hits(data, "quillsby AND founding"), 1);
    // The broken page's entry came from the feed's full content.
    assert_eq!(hits(data, "oakhollow AND greenhouse"), 1);

    let again = ravenwire(data, &["fetch", "--force"]);
    assert!(again.status.success());
    assert!(stderr(&again).contains("already known 3"), "{}", stderr(&again));
    assert_eq!(hits(data, "oakhollow"), 1);
}
on_both!(feeds_are_fetched_with_fallback_and_polled_again_without_duplicates);
