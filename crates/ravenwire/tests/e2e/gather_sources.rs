//! Sources end to end: `sources --json`, `remove`, OPML import and export
//! (and the bundled starter list), feed discovery from an HTML page,
//! sitemaps (also named by robots.txt), and every feed format fetched from
//! a server on 127.0.0.1.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::hostile::{hits, source, sources_json, Canned, HostileServer, PAGES};
use crate::common::{fixtures, on_both, ravenwire, stderr, stdout};
use serde_json::Value;

fn context(what: &str, out: &Output) -> String {
    format!(
        "{what}: exit {}\n--- stdout:\n{}\n--- stderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    )
}

/// Runs the command and panics with its output unless it exits 0.
fn ok(data: &Path, args: &[&str]) -> Output {
    let out = ravenwire(data, args);
    assert!(out.status.success(), "{}", context(&args.join(" "), &out));
    out
}

/// Serves `fixtures/gather/FILE` at `path`, with `{PORT}` filled in.
fn put_fixture(server: &HostileServer, path: &str, file: &str, content_type: &str) {
    let text = std::fs::read_to_string(fixtures().join("gather").join(file))
        .unwrap_or_else(|e| panic!("fixture gather/{file}: {e}"))
        .replace("{PORT}", &server.port.to_string());
    server.put(path, Canned::new(200, content_type, text));
}

/// What the command said on either stream (the contract names the words,
/// not the stream, for `remove` and `opml import`).
fn said(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

fn is_time_or_null(value: &Value) -> bool {
    value.is_null()
        || value
            .as_str()
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
}

fn sources_json_has_every_contract_field() {
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let good = server.url("/ok.xml");
    let bad = server.url("/404.xml");
    ok(data, &["add", "--force", &good]);
    ok(data, &["add", "--force", &bad]);
    let before = sources_json(data);
    assert_eq!(before.len(), 2, "{before:#?}");
    for s in &before {
        assert!(
            s["last_poll"].is_null() && s["last_success"].is_null(),
            "never polled yet: {s}"
        );
    }
    let out = ravenwire(data, &["fetch"]);
    assert_eq!(out.status.code(), Some(2), "{}", context("fetch", &out));

    let sources = sources_json(data);
    assert_eq!(sources.len(), 2, "{sources:#?}");
    for s in &sources {
        assert!(s["id"].is_u64(), "id must be a number: {s}");
        assert!(s["url"].is_string(), "url: {s}");
        assert!(s["title"].is_string() || s["title"].is_null(), "title: {s}");
        assert_eq!(s["kind"], "feed", "{s}");
        for field in ["last_success", "next_poll", "last_poll", "wait_until"] {
            assert!(s.get(field).is_some(), "{field} missing: {s}");
            assert!(is_time_or_null(&s[field]), "{field} is neither RFC 3339 nor null: {s}");
        }
        assert!(
            s["last_error"].is_string() || s["last_error"].is_null(),
            "last_error: {s}"
        );
        assert!(s["error_count"].is_u64(), "error_count: {s}");
        assert!(
            s["last_status"].is_u64() || s["last_status"].is_null(),
            "last_status: {s}"
        );
        assert!(
            s["interval_secs"].is_i64() || s["interval_secs"].is_null(),
            "interval_secs: {s}"
        );
        assert!(s["articles"].is_u64(), "articles: {s}");
        assert!(s["last_poll"].is_string(), "polled once: {s}");
    }
    let g = source(&sources, &good);
    assert_eq!(g["title"], "Fenwater Gazette", "the title comes from the feed: {g}");
    assert_eq!(g["last_status"], 200, "{g}");
    assert_eq!(g["articles"], 2, "{g}");
    assert!(g["last_success"].is_string() && g["last_error"].is_null(), "{g}");
    assert!(
        g["next_poll"].is_string(),
        "a polled feed has its next poll planned: {g}"
    );
    let b = source(&sources, &bad);
    assert_eq!(b["last_status"], 404, "{b}");
    assert_eq!(b["error_count"], 1, "{b}");
    assert!(b["last_error"].as_str().is_some_and(|e| e.contains("404")), "{b}");
    assert_eq!(b["articles"], 0, "{b}");

    // The text form: one line per source, naming its URL.
    let text = stdout(&ok(data, &["sources"]));
    for url in [&good, &bad] {
        assert_eq!(
            text.lines().filter(|l| l.contains(url.as_str())).count(),
            1,
            "`sources` should give {url} one line:\n{text}"
        );
    }
}
on_both!(sources_json_has_every_contract_field);

fn remove_by_url_and_by_id_keeps_the_articles() {
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let first = server.url("/ok.xml");
    let second = server.url("/charset.xml");
    ok(data, &["add", "--force", &first]);
    ok(data, &["add", "--force", &second]);
    ok(data, &["fetch"]);
    let sources = sources_json(data);
    let second_id = source(&sources, &second)["id"].to_string();
    let first_id = source(&sources, &first)["id"].to_string();

    let out = ok(data, &["remove", &first]);
    let expected = format!("removed source {first_id} ({first}); its 2 articles are kept");
    assert!(
        said(&out).contains(&expected),
        "expected {expected:?}\n{}",
        context("remove", &out)
    );
    let left = sources_json(data);
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0]["url"], second.as_str(), "{left:#?}");

    let out = ok(data, &["remove", &second_id]);
    let expected = format!("removed source {second_id} ({second}); its 2 articles are kept");
    assert!(
        said(&out).contains(&expected),
        "expected {expected:?}\n{}",
        context("remove", &out)
    );
    assert!(sources_json(data).is_empty());

    for page in &PAGES[..4] {
        assert_eq!(
            hits(data, page.word),
            1,
            "the article {:?} went with its source",
            page.headline
        );
    }

    for unknown in [first.as_str(), "4242", "https://never-subscribed.test/feed.xml"] {
        let out = ravenwire(data, &["remove", unknown]);
        let ctx = context(&format!("remove {unknown}"), &out);
        assert_eq!(out.status.code(), Some(1), "{ctx}");
        assert!(stderr(&out).contains("error: no source"), "{ctx}");
    }
}
on_both!(remove_by_url_and_by_id_keeps_the_articles);

fn opml_import_and_export_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = fixtures().join("gather/subscriptions.opml");
    let file = file.to_str().unwrap();
    let urls = [
        "https://fenwater-gazette.test/feeds/all.rss",
        "https://littoral-daily.test/feed.json",
        "https://northmarch-herald.test/rss1.rdf",
    ];

    let out = ok(&data, &["opml", "import", file]);
    assert!(
        said(&out).contains("imported 3 sources (0 already known)"),
        "{}",
        context("opml import", &out)
    );
    let sources = sources_json(&data);
    assert_eq!(sources.len(), 3, "{sources:#?}");
    for url in urls {
        let s = source(&sources, url);
        assert_eq!(s["kind"], "feed", "{s}");
        assert!(s["last_poll"].is_null(), "import must not fetch: {s}");
    }
    assert_eq!(source(&sources, urls[1])["title"], "Littoral Daily", "{sources:#?}");

    let out = ok(&data, &["opml", "import", file]);
    assert!(
        said(&out).contains("imported 0 sources (3 already known)"),
        "{}",
        context("opml import again", &out)
    );

    let exported = stdout(&ok(&data, &["opml", "export"]));
    assert!(exported.contains("<opml"), "not OPML: {exported}");
    for url in urls {
        assert!(
            exported.contains(&format!("xmlUrl=\"{url}\"")),
            "export lacks {url}: {exported}"
        );
    }
    let copy = dir.path().join("export.opml");
    std::fs::write(&copy, &exported).unwrap();
    let other = dir.path().join("other");
    let out = ok(&other, &["opml", "import", copy.to_str().unwrap()]);
    assert!(
        said(&out).contains("imported 3 sources"),
        "{}",
        context("re-import", &out)
    );
    let got: BTreeSet<String> = sources_json(&other)
        .iter()
        .map(|s| s["url"].as_str().unwrap_or_default().to_string())
        .collect();
    let want: BTreeSet<String> = urls.iter().map(|u| u.to_string()).collect();
    assert_eq!(got, want, "the exported OPML does not round-trip");
}
on_both!(opml_import_and_export_round_trip);

fn the_starter_opml_is_bundled() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let started = Instant::now();
    let out = ok(&data, &["opml", "import", "--starter"]);
    // Nothing is fetched: a network wait would show here.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{}",
        context("starter", &out)
    );
    let sources = sources_json(&data);
    assert!(
        (25..=40).contains(&sources.len()),
        "the starter list has {} feeds: {sources:#?}",
        sources.len()
    );
    assert!(
        said(&out).contains(&format!("imported {} sources", sources.len())),
        "{}",
        context("starter", &out)
    );
    let mut urls = BTreeSet::new();
    for s in &sources {
        let url = s["url"].as_str().unwrap_or_default();
        assert!(url.starts_with("https://") || url.starts_with("http://"), "{s}");
        assert!(!url.contains("example."), "a placeholder in the starter list: {s}");
        assert!(s["last_poll"].is_null(), "the starter import fetched {url}");
        assert!(urls.insert(url.to_string()), "{url} is listed twice");
    }
}
on_both!(the_starter_opml_is_bundled);

fn add_discovers_the_feed_of_an_html_page() {
    let server = HostileServer::start();
    put_fixture(&server, "/index.html", "index.html", "text/html; charset=utf-8");
    put_fixture(&server, "/atom.xml", "atom.xml", "application/atom+xml");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let page = server.url("/index.html");
    let feed = server.url("/atom.xml");

    let out = ravenwire(data, &["add", &page]);
    let ctx = format!("{}\n--- requests:\n{}", context("add", &out), server.log());
    assert!(out.status.success(), "{ctx}");
    assert!(said(&out).contains(&format!("found feed {feed} on {page}")), "{ctx}");
    assert!(stdout(&out).contains(&format!("subscribed to {feed}")), "{ctx}");
    let sources = sources_json(data);
    assert_eq!(sources.len(), 1, "only the feed is subscribed: {sources:#?}");
    assert_eq!(source(&sources, &feed)["kind"], "feed");

    let out = ravenwire(data, &["fetch"]);
    assert_eq!(out.status.code(), Some(0), "{}", context("fetch", &out));
    assert_eq!(hits(data, PAGES[0].word), 1);
    assert_eq!(hits(data, PAGES[1].word), 1);
}
on_both!(add_discovers_the_feed_of_an_html_page);

fn assert_sitemap_pages_arrive(server: &HostileServer, data: &Path) {
    let out = ravenwire(data, &["fetch"]);
    let ctx = format!("{}\n--- requests:\n{}", context("fetch", &out), server.log());
    assert_eq!(out.status.code(), Some(0), "{ctx}");
    for page in &PAGES[6..8] {
        assert_eq!(hits(data, page.word), 1, "{:?} was not imported\n{ctx}", page.headline);
    }
    let sources = sources_json(data);
    let sitemap = sources.iter().find(|s| s["kind"] == "sitemap").unwrap();
    assert_eq!(sitemap["articles"], 2, "{sitemap}");
}

fn a_google_news_sitemap_is_subscribed_and_its_pages_imported() {
    let server = HostileServer::start();
    put_fixture(&server, "/news-sitemap.xml", "news-sitemap.xml", "application/xml");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let url = server.url("/news-sitemap.xml");
    let out = ravenwire(data, &["add", &url]);
    assert!(out.status.success(), "{}", context("add", &out));
    assert!(
        stdout(&out).contains(&format!("subscribed to {url}")),
        "{}",
        context("add", &out)
    );
    let sources = sources_json(data);
    assert_eq!(sources.len(), 1, "{sources:#?}");
    assert_eq!(source(&sources, &url)["kind"], "sitemap", "{sources:#?}");
    assert_sitemap_pages_arrive(&server, data);
}
on_both!(a_google_news_sitemap_is_subscribed_and_its_pages_imported);

fn a_sitemap_named_by_robots_txt_is_subscribed() {
    let server = HostileServer::start();
    put_fixture(&server, "/robots.txt", "robots.txt", "text/plain");
    put_fixture(&server, "/news-sitemap.xml", "news-sitemap.xml", "application/xml");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let out = ravenwire(data, &["add", &server.url("/robots.txt")]);
    assert!(out.status.success(), "{}", context("add robots.txt", &out));
    let sources = sources_json(data);
    assert_eq!(sources.len(), 1, "{sources:#?}");
    assert_eq!(sources[0]["kind"], "sitemap", "{sources:#?}");
    assert_sitemap_pages_arrive(&server, data);
}
on_both!(a_sitemap_named_by_robots_txt_is_subscribed);

fn atom_json_feed_and_rss_1_0_are_fetched_end_to_end() {
    let server = HostileServer::start();
    let formats = [
        ("/atom.xml", "atom.xml", "application/atom+xml", "Fenwater Gazette", 0),
        ("/feed.json", "feed.json", "application/feed+json", "Littoral Daily", 2),
        ("/rss1.rdf", "rss1.rdf", "application/rdf+xml", "Northmarch Herald", 4),
    ];
    for (path, file, content_type, ..) in formats {
        put_fixture(&server, path, file, content_type);
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for (path, _, _, title, _) in formats {
        let url = server.url(path);
        let out = ravenwire(data, &["add", &url]);
        let ctx = context(&format!("add {url}"), &out);
        assert!(out.status.success(), "{ctx}");
        assert!(
            stdout(&out).contains(&format!("subscribed to {url} ({title})")),
            "{ctx}"
        );
    }
    let out = ravenwire(data, &["fetch"]);
    let ctx = format!("{}\n--- requests:\n{}", context("fetch", &out), server.log());
    assert_eq!(out.status.code(), Some(0), "{ctx}");
    let sources = sources_json(data);
    for (path, _, _, _, first) in formats {
        let url = server.url(path);
        assert!(
            stderr(&out).contains(&format!(
                "{url}: imported 2, from feed content 0, already known 0, failed 0"
            )),
            "{ctx}"
        );
        assert_eq!(source(&sources, &url)["articles"], 2, "{sources:#?}");
        for page in &PAGES[first..first + 2] {
            assert_eq!(hits(data, page.word), 1, "{:?} from {url}\n{ctx}", page.headline);
        }
    }
}
on_both!(atom_json_feed_and_rss_1_0_are_fetched_end_to_end);

/// Found trying the starter list: `ravenwire sources | head` panicked with
/// "failed printing to stdout: Broken pipe".
#[test]
fn output_into_a_closed_pipe_ends_quietly_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(data, &["opml", "import", "--starter"]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ravenwire"))
        .arg("--data")
        .arg(data)
        .args(["sources", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is read, as `head` does early.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}
