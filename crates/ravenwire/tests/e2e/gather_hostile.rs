//! Gathering against a hostile server: every misbehaviour of a feed host is
//! recorded on its source (and the run still ends in bounded time), the good
//! feeds beside them still arrive, Retry-After is honoured even by
//! `fetch --force`, conditional GET saves work, and robots.txt is obeyed for
//! article pages.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::hostile::{hits, source, sources_json, HostileServer, OK_ETAG, PAGES};
use crate::common::{on_both, ravenwire_env, stderr, stdout};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A short total timeout (the slow feed takes ten seconds) and a small body
/// cap (the endless feed and the gzip bomb exceed it; pages do not).
const ENV: [(&str, &str); 2] = [("RAVENWIRE_FETCH_TIMEOUT", "2"), ("RAVENWIRE_MAX_BODY", "100000")];

const TOO_LARGE: &[&str] = &["too large", "larger", "limit", "exceed", "cap", "size"];
const NOT_A_FEED: &[&str] = &[
    "not a feed",
    "malformed",
    "parse",
    "invalid",
    "unsupported",
    "unknown",
    "syntax",
    "xml",
    "format",
];

/// Each misbehaving path and words of which its recorded error must contain
/// one (lower case); an empty list accepts any error.
const BAD: [(&str, &[&str]); 11] = [
    ("/slow.xml", &["timed out", "timeout"]),
    ("/500.xml", &["500"]),
    ("/404.xml", &["404"]),
    ("/410.xml", &["410"]),
    ("/429.xml", &["429"]),
    ("/loop-a", &["redirect"]),
    ("/to-private", &[]),
    ("/endless.xml", TOO_LARGE),
    ("/bomb.xml", TOO_LARGE),
    ("/malformed.xml", NOT_A_FEED),
    ("/html-as-feed.xml", NOT_A_FEED),
];

/// Feeds that must arrive, each with the pages its two items link.
const GOOD: [(&str, [usize; 2]); 2] = [("/ok.xml", [1, 2]), ("/charset.xml", [3, 4])];

fn run(data: &Path, args: &[&str]) -> Output {
    ravenwire_env(data, args, &ENV, &[])
}

/// The command's exit status and output plus the server's request log.
fn context(what: &str, out: &Output, server: &HostileServer) -> String {
    format!(
        "{what}: exit {}\n--- stdout:\n{}\n--- stderr:\n{}\n--- requests:\n{}",
        out.status,
        stdout(out),
        stderr(out),
        server.log()
    )
}

fn add_forced(data: &Path, url: &str) {
    let out = run(data, &["add", "--force", url]);
    assert!(
        out.status.success(),
        "add --force {url} failed: {}\n{}",
        stderr(&out),
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("without checking"),
        "add --force {url} should say it did not check: {}",
        stdout(&out)
    );
}

fn rfc3339(value: &Value, what: &str) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value}"));
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{what} is not RFC 3339 ({e}): {text}"))
        .with_timezone(&Utc)
}

fn every_misbehaviour_is_recorded_and_the_good_feeds_still_arrive() {
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for (path, _) in GOOD {
        add_forced(data, &server.url(path));
    }
    for (path, _) in BAD {
        add_forced(data, &server.url(path));
    }
    assert_eq!(server.total(), 0, "add --force made requests:\n{}", server.log());

    let started = Instant::now();
    let out = run(data, &["fetch"]);
    let took = started.elapsed();
    let ctx = context("fetch", &out, &server);
    assert!(took < Duration::from_secs(60), "fetch took {took:?}\n{ctx}");
    assert_eq!(out.status.code(), Some(2), "fetch must exit 2 when sources fail\n{ctx}");
    let err = stderr(&out);

    let sources = sources_json(data);
    let all = format!("{sources:#?}");
    for (path, pages) in GOOD {
        let url = server.url(path);
        let s = source(&sources, &url);
        assert!(s["last_error"].is_null(), "{url} recorded an error: {s}\n{ctx}");
        assert!(s["last_success"].is_string(), "{url} has no last_success: {s}\n{ctx}");
        assert_eq!(s["error_count"], 0, "{url}: {s}");
        assert_eq!(s["articles"], 2, "{url} should have stored both entries: {s}\n{ctx}");
        for n in pages {
            let word = PAGES[n - 1].word;
            assert_eq!(
                hits(data, word),
                1,
                "{url}: the entry of page {n} ({word}) is not searchable\n{ctx}"
            );
        }
    }
    for (path, needles) in BAD {
        let url = server.url(path);
        let s = source(&sources, &url);
        let error = s["last_error"]
            .as_str()
            .unwrap_or_else(|| panic!("{url}: no last_error recorded: {s}\n{ctx}"));
        let lower = error.to_lowercase();
        assert!(
            needles.is_empty() || needles.iter().any(|n| lower.contains(n)),
            "{url}: last_error {error:?} should name the problem (one of {needles:?})\n{all}"
        );
        assert_eq!(s["error_count"], 1, "{url}: {s}");
        assert!(s["last_success"].is_null(), "{url} cannot have succeeded: {s}");
        assert!(
            err.contains(&format!("{url}: cannot read the feed")),
            "stderr lacks the failure line of {url}\n{ctx}"
        );
    }

    // Retry-After: 3600 on the 429 sets wait_until about an hour ahead...
    let limited = server.url("/429.xml");
    let wait = rfc3339(
        &source(&sources, &limited)["wait_until"],
        "wait_until of the 429 source",
    );
    let ahead = wait - Utc::now();
    assert!(
        ahead > chrono::Duration::minutes(30) && ahead < chrono::Duration::hours(2),
        "wait_until of the 429 source should be about an hour ahead, is {wait} ({ahead:?} from now)"
    );
    // ...and not even --force asks that host's feed again before then.
    let asked = server.count("/429.xml");
    let again = run(data, &["fetch", "--force"]);
    let ctx = context("fetch --force", &again, &server);
    assert_eq!(server.count("/429.xml"), asked, "--force ignored Retry-After\n{ctx}");
    assert!(
        stderr(&again).contains(&format!("{limited}: waiting until")),
        "stderr should say the 429 source is waiting\n{ctx}"
    );
    // The good feed is polled again; its entries stay single.
    assert!(
        server.count("/ok.xml") >= 2,
        "--force did not poll /ok.xml again\n{ctx}"
    );
    assert_eq!(hits(data, PAGES[0].word), 1, "{ctx}");
}
on_both!(every_misbehaviour_is_recorded_and_the_good_feeds_still_arrive);

fn conditional_get_answers_not_modified_without_new_rows() {
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let url = server.url("/ok.xml");
    let contact = "https://ops.newsroom.test/ravenwire-contact";
    let run = |args: &[&str]| ravenwire_env(data, args, &[("RAVENWIRE_CONTACT", contact)], &[]);

    let out = run(&["add", &url]);
    assert!(out.status.success(), "{}", context("add", &out, &server));
    assert!(
        stdout(&out).contains(&format!("subscribed to {url} (Fenwater Gazette) as source")),
        "{}",
        context("add", &out, &server)
    );

    let out = run(&["fetch"]);
    let ctx = context("fetch", &out, &server);
    assert_eq!(out.status.code(), Some(0), "{ctx}");
    assert!(
        stderr(&out).contains(&format!(
            "{url}: imported 2, from feed content 0, already known 0, failed 0"
        )),
        "{ctx}"
    );
    let polls = server.count("/ok.xml");
    let pages = server.count("/page/1.html") + server.count("/page/2.html");
    assert_eq!(pages, 2, "each page is fetched once\n{ctx}");

    // A feed polled a moment ago is not due again without --force.
    let out = run(&["fetch"]);
    let ctx = context("second fetch", &out, &server);
    assert_eq!(out.status.code(), Some(0), "{ctx}");
    assert_eq!(
        server.count("/ok.xml"),
        polls,
        "a just-polled feed was polled again\n{ctx}"
    );

    let out = run(&["fetch", "--force"]);
    let ctx = context("fetch --force", &out, &server);
    assert_eq!(out.status.code(), Some(0), "{ctx}");
    assert!(stderr(&out).contains(&format!("{url}: not modified")), "{ctx}");
    let requests = server.requests("/ok.xml");
    assert_eq!(requests.len(), polls + 1, "{ctx}");
    let last = requests.last().unwrap();
    assert!(
        last.header("if-none-match").is_some_and(|v| v.contains(OK_ETAG)),
        "the forced poll did not send If-None-Match {OK_ETAG}\n{ctx}"
    );
    assert_eq!(
        server.count("/page/1.html") + server.count("/page/2.html"),
        pages,
        "a 304 must not lead to page requests\n{ctx}"
    );
    let sources = sources_json(data);
    let s = source(&sources, &url);
    assert_eq!(s["articles"], 2, "{s}");
    assert!(s["last_error"].is_null(), "a 304 is not an error: {s}");
    assert_eq!(s["error_count"], 0, "{s}");
    assert_eq!(hits(data, PAGES[0].word), 1);
    assert_eq!(hits(data, PAGES[1].word), 1);

    // Every request names ravenwire and the contact, never a placeholder.
    for r in server.all_requests() {
        let ua = r.header("user-agent").unwrap_or("");
        assert!(
            ua.starts_with("ravenwire/") && ua.contains(&format!("(+{contact})")),
            "User-Agent of {} is {ua:?}",
            r.path
        );
        assert!(!ua.contains("example.com"), "User-Agent of {} is {ua:?}", r.path);
    }
}
on_both!(conditional_get_answers_not_modified_without_new_rows);

fn add_without_force_refuses_bad_feeds_naming_url_and_reason() {
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for (path, needles) in [
        ("/404.xml", &["404"][..]),
        ("/500.xml", &["500"]),
        ("/slow.xml", &["timed out", "timeout"]),
        ("/loop-a", &["redirect"]),
        ("/bomb.xml", TOO_LARGE),
        ("/malformed.xml", NOT_A_FEED),
    ] {
        let url = server.url(path);
        let started = Instant::now();
        let out = run(data, &["add", &url]);
        let ctx = context(&format!("add {url}"), &out, &server);
        assert!(started.elapsed() < Duration::from_secs(30), "{ctx}");
        assert_eq!(out.status.code(), Some(1), "{ctx}");
        let err = stderr(&out);
        assert!(
            err.contains("error:") && err.contains(&url),
            "the error must name the URL\n{ctx}"
        );
        let lower = err.to_lowercase();
        assert!(
            needles.iter().any(|n| lower.contains(n)),
            "the error must name the reason (one of {needles:?})\n{ctx}"
        );
    }
    let sources = sources_json(data);
    assert!(sources.is_empty(), "refused feeds were subscribed: {sources:#?}");
}
on_both!(add_without_force_refuses_bad_feeds_naming_url_and_reason);

fn robots_txt_keeps_disallowed_article_pages_unrequested() {
    let server = HostileServer::start();
    server.put(
        "/robots.txt",
        crate::common::hostile::Canned::new(200, "text/plain", "User-agent: *\nDisallow: /page/2.html\n"),
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    add_forced(data, &server.url("/ok.xml"));
    let out = run(data, &["fetch"]);
    let ctx = context("fetch", &out, &server);
    assert!(server.count("/robots.txt") >= 1, "robots.txt was never read\n{ctx}");
    assert_eq!(server.count("/page/1.html"), 1, "{ctx}");
    assert_eq!(
        server.count("/page/2.html"),
        0,
        "a page robots.txt disallows was requested\n{ctx}"
    );
    assert_eq!(hits(data, PAGES[0].word), 1, "{ctx}");
}
on_both!(robots_txt_keeps_disallowed_article_pages_unrequested);

/// The server itself misbehaves as the tests above assume (this one passes
/// without any gathering feature).
#[test]
fn the_hostile_server_misbehaves_as_described() {
    use crate::common::hostile::{bomb, raw_get, BOMB_BYTES, OK_LAST_MODIFIED};
    use std::io::Read;

    let server = HostileServer::start();
    let get =
        |path: &str, headers: &[(&str, &str)]| raw_get(&server.url(path), headers, 1 << 20, Duration::from_secs(5));

    let (head, body) = get("/ok.xml", &[]);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains(&format!("etag: {}", OK_ETAG.to_lowercase())), "{head}");
    assert!(head.contains("last-modified:"), "{head}");
    let feed = String::from_utf8(body).unwrap();
    assert!(
        feed.contains(&server.url("/page/1.html")) && feed.contains(PAGES[1].headline),
        "{feed}"
    );
    let (head, body) = get("/ok.xml", &[("If-None-Match", OK_ETAG)]);
    assert!(head.starts_with("http/1.1 304") && body.is_empty(), "{head}");
    let (head, _) = get("/ok.xml", &[("If-Modified-Since", OK_LAST_MODIFIED)]);
    assert!(head.starts_with("http/1.1 304"), "{head}");
    let (head, _) = get("/ok.xml", &[("If-None-Match", "\"stale\"")]);
    assert!(head.starts_with("http/1.1 200"), "{head}");

    let (head, body) = get("/page/3.html", &[]);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(String::from_utf8(body).unwrap().contains(PAGES[2].paragraphs[3]));
    assert!(get("/page/9.html", &[]).0.starts_with("http/1.1 404"));

    for (path, status) in [
        ("/500.xml", 500),
        ("/404.xml", 404),
        ("/410.xml", 410),
        ("/429.xml", 429),
    ] {
        let (head, _) = get(path, &[]);
        assert!(head.starts_with(&format!("http/1.1 {status}")), "{path}: {head}");
    }
    assert!(get("/429.xml", &[]).0.contains("retry-after: 3600"));
    assert!(get("/loop-a", &[])
        .0
        .contains(&format!("location: {}", server.url("/loop-b"))));
    assert!(get("/loop-b", &[])
        .0
        .contains(&format!("location: {}", server.url("/loop-a"))));
    assert!(get("/to-private", &[]).0.contains("location: http://127.0.0.1:1/"));

    // The bomb: small on the wire, huge (and valid XML) once inflated.
    let (head, body) = get("/bomb.xml", &[]);
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert_eq!(body, bomb());
    assert!(body.len() < 100_000, "the bomb is {} bytes compressed", body.len());
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert!(inflated.len() > BOMB_BYTES, "{}", inflated.len());
    assert!(inflated.ends_with(b"</channel></rss>\n"));

    // Endless: far more than any cap, without a length.
    let (head, body) = raw_get(&server.url("/endless.xml"), &[], 1_000_000, Duration::from_secs(20));
    assert!(!head.contains("content-length"), "{head}");
    assert_eq!(body.len(), 1_000_000);

    // Slow: the headers come at once, the body not within a second.
    let started = Instant::now();
    let (head, body) = raw_get(&server.url("/slow.xml"), &[], 1 << 20, Duration::from_millis(1500));
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("a content-length");
    assert!(
        body.len() < length,
        "the slow body came whole in {:?}",
        started.elapsed()
    );

    // Charset: Latin-1 bytes under a UTF-8 label.
    let (head, body) = get("/charset.xml", &[]);
    assert!(head.contains("charset=utf-8"), "{head}");
    assert!(std::str::from_utf8(&body).is_err(), "the charset feed is valid UTF-8");
    assert!(
        body.windows(3).any(|w| w == b"P\xeac"),
        "no Latin-1 ê in the charset feed"
    );

    let (head, _) = get("/html-as-feed.xml", &[]);
    assert!(head.contains("content-type: application/rss+xml"), "{head}");

    // Canned routes win, and every request is recorded with its headers.
    server.put(
        "/ok.xml",
        crate::common::hostile::Canned::new(418, "text/plain", "teapot"),
    );
    assert!(get("/ok.xml", &[]).0.starts_with("http/1.1 418"));
    let oks = server.requests("/ok.xml");
    assert_eq!(oks.len(), 5, "{}", server.log());
    assert_eq!(oks[1].header("If-None-Match"), Some(OK_ETAG));
    assert_eq!(server.count("/never-asked"), 0);
}
