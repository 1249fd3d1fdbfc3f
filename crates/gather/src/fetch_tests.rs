//! Tests of the fetcher against a real socket on 127.0.0.1: limits, the
//! SSRF guard, conditional GET, Retry-After, pacing and robots.txt.

use std::io::Write;
use std::time::Instant;

use flate2::write::GzEncoder;
use flate2::Compression;
use reqwest::header::HeaderValue;

use super::*;
use crate::test_server::{Reply, Request, Server};

/// The routes most tests share.
fn routes(request: &Request) -> Reply {
    match request.path.as_str() {
        "/ok" => Reply::ok("text/html; charset=Shift_JIS", "<p>hello</p>"),
        "/ua" => Reply::ok("text/plain", request.header("user-agent").unwrap_or("")),
        "/missing" => Reply::new("404 Not Found", "<p>no</p>"),
        "/moved" => Reply::redirect("301 Moved Permanently", "/ok"),
        "/loop" => Reply::redirect("302 Found", "/loop"),
        "/a" => Reply::redirect("302 Found", "/b"),
        "/b" => Reply::redirect("302 Found", "/a"),
        "/to-gopher" => Reply::redirect("302 Found", "gopher://wire.invalid/"),
        "/big-declared" => Reply::ok("text/html", vec![b'x'; 5000]),
        // No length: the body runs until the server closes, so only the
        // fetcher's own count can stop it.
        "/big-streamed" => Reply::ok("text/html", vec![b'y'; 50_000]).streamed(),
        "/gzip" => {
            let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
            encoder.write_all(&b"<p>squeezed</p>".repeat(20)).unwrap();
            Reply::ok("text/html", encoder.finish().unwrap()).header("Content-Encoding", "gzip")
        }
        "/slow" => Reply::ok("text/html", "<p>late</p>").delayed(Duration::from_secs(3)),
        "/busy" => Reply::new("503 Service Unavailable", "").header("Retry-After", "120"),
        "/throttled" => {
            let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(90));
            Reply::new("429 Too Many Requests", "").header("Retry-After", &when)
        }
        "/tagged" => {
            if request.header("if-none-match") == Some("\"v1\"") {
                Reply::new("304 Not Modified", "").header("Cache-Control", "max-age=600")
            } else {
                Reply::ok("application/rss+xml", "<rss/>")
                    .header("ETag", "\"v1\"")
                    .header("Last-Modified", "Tue, 03 Mar 2026 10:00:00 GMT")
                    .header("Cache-Control", "public, max-age=300")
            }
        }
        "/dated" => {
            if request.header("if-modified-since") == Some("Tue, 03 Mar 2026 10:00:00 GMT") {
                Reply::new("304 Not Modified", "")
            } else {
                Reply::ok("application/rss+xml", "<rss/>")
                    .header("Last-Modified", "Tue, 03 Mar 2026 10:00:00 GMT")
                    .header("Cache-Control", "no-cache")
            }
        }
        _ => Reply::new("500 Internal Server Error", ""),
    }
}

fn test_config() -> FetchConfig {
    FetchConfig {
        user_agent: Some("ravenwire-test/1".to_string()),
        timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_millis(500),
        max_bytes: 1000,
        max_redirects: 3,
        allow_private: true,
        per_host_delay: Duration::ZERO,
        ..FetchConfig::default()
    }
}

fn test_fetcher() -> Fetcher {
    Fetcher::new(test_config()).unwrap()
}

#[tokio::test]
async fn success_returns_body_charset_and_page() {
    let server = Server::start(routes).await;
    let url = server.url("/ok");
    let fetched = test_fetcher().get(&url).await.unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, b"<p>hello</p>");
    assert_eq!(fetched.charset.as_deref(), Some("shift_jis"));
    assert_eq!(fetched.content_type.as_deref(), Some("text/html; charset=Shift_JIS"));
    let page = Page::from(fetched);
    assert_eq!(page.origin, url);
    assert_eq!(page.url.as_deref(), Some(url.as_str()));
    assert_eq!(page.status, Some(200));

    let ua = test_fetcher().get(&server.url("/ua")).await.unwrap();
    assert_eq!(ua.body, b"ravenwire-test/1");
}

#[tokio::test]
async fn user_agent_names_the_version_and_contact_never_example_com() {
    let version = env!("CARGO_PKG_VERSION");
    let plain = FetchConfig::default();
    assert_eq!(plain.user_agent(), format!("ravenwire/{version}"));
    assert!(!format!("{plain:?}").contains("example.com"));
    let with_contact = FetchConfig {
        contact: Some("https://wire.invalid/about".to_string()),
        ..FetchConfig::default()
    };
    assert_eq!(
        with_contact.user_agent(),
        format!("ravenwire/{version} (+https://wire.invalid/about)")
    );

    let server = Server::start(routes).await;
    // The default guard refuses 127.0.0.1, so lift it for this one.
    let fetcher = Fetcher::new(FetchConfig {
        allow_private: true,
        ..with_contact.clone()
    })
    .unwrap();
    let ua = fetcher.get(&server.url("/ua")).await.unwrap();
    assert_eq!(ua.body, with_contact.user_agent().as_bytes());
}

#[tokio::test]
async fn not_found_is_an_error_carrying_the_status() {
    let server = Server::start(routes).await;
    let url = server.url("/missing");
    let error = test_fetcher().get(&url).await.unwrap_err();
    assert_eq!(error.http_status(), Some(404));
    assert_eq!(error.retry_after(), None);
    assert_eq!(error.to_string(), format!("{url}: HTTP status 404"));
}

#[tokio::test]
async fn redirects_are_followed_and_loops_are_told_from_long_chains() {
    let server = Server::start(|request: &Request| {
        // /hop/N sends on to /hop/N+1: a long chain with no loop in it.
        match request.path.strip_prefix("/hop/").and_then(|n| n.parse::<u32>().ok()) {
            Some(n) => Reply::redirect("302 Found", &format!("/hop/{}", n + 1)),
            None => routes(request),
        }
    })
    .await;
    let fetched = test_fetcher().get(&server.url("/moved")).await.unwrap();
    assert_eq!(fetched.url, server.url("/moved"));
    assert_eq!(fetched.final_url, server.url("/ok"));
    assert_eq!(fetched.body, b"<p>hello</p>");

    let error = test_fetcher().get(&server.url("/hop/0")).await.unwrap_err();
    assert!(matches!(error, Error::TooManyRedirects { limit: 3, .. }), "{error}");
    assert_eq!(server.count("/hop/3"), 1, "three hops are followed");
    assert_eq!(server.count("/hop/4"), 0, "the fourth is not");

    let error = test_fetcher().get(&server.url("/loop")).await.unwrap_err();
    assert!(matches!(error, Error::RedirectLoop { .. }), "{error}");
    let error = test_fetcher().get(&server.url("/a")).await.unwrap_err();
    assert!(matches!(error, Error::RedirectLoop { .. }), "{error}");
    assert_eq!(error.to_string(), format!("{}: redirect loop", server.url("/a")));
    assert_eq!(server.count("/a"), 1, "the loop is seen before /a is asked again");
}

#[tokio::test]
async fn a_redirect_to_another_scheme_is_refused() {
    let server = Server::start(routes).await;
    let error = test_fetcher().get(&server.url("/to-gopher")).await.unwrap_err();
    match error {
        Error::Refused { url, reason } => {
            assert_eq!(url, server.url("/to-gopher"));
            assert!(reason.contains("gopher://wire.invalid/"), "{reason}");
        }
        other => panic!("expected Refused, got {other}"),
    }
}

#[tokio::test]
async fn bodies_over_max_bytes_are_refused() {
    let server = Server::start(routes).await;
    for path in ["/big-declared", "/big-streamed"] {
        let error = test_fetcher().get(&server.url(path)).await.unwrap_err();
        assert!(matches!(error, Error::TooLarge { limit: 1000, .. }), "{path}: {error}");
    }
}

#[tokio::test]
async fn gzip_encoded_body_arrives_decoded() {
    let server = Server::start(routes).await;
    let fetched = test_fetcher().get(&server.url("/gzip")).await.unwrap();
    assert_eq!(fetched.body, b"<p>squeezed</p>".repeat(20));
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_the_cap() {
    // 50 MB of zeros squeeze into about 50 KB; the cap is 1 MB decoded.
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..50 {
        encoder.write_all(&zeros).unwrap();
    }
    let bomb = Arc::new(encoder.finish().unwrap());
    assert!(bomb.len() < 1024 * 1024, "the bomb itself is small");
    let server = Server::start(move |_: &Request| {
        Reply::ok("application/rss+xml", bomb.to_vec()).header("Content-Encoding", "gzip")
    })
    .await;
    let fetcher = Fetcher::new(FetchConfig {
        max_bytes: 1024 * 1024,
        timeout: Duration::from_secs(20),
        ..test_config()
    })
    .unwrap();
    let started = Instant::now();
    let error = fetcher.get(&server.url("/feed")).await.unwrap_err();
    assert!(matches!(error, Error::TooLarge { limit: 1048576, .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
}

#[tokio::test]
async fn slow_server_hits_the_timeout() {
    let server = Server::start(routes).await;
    let started = Instant::now();
    let error = test_fetcher().get(&server.url("/slow")).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn non_http_urls_are_refused_before_any_request() {
    let error = test_fetcher().get("file:///etc/passwd").await.unwrap_err();
    assert!(matches!(error, Error::Refused { .. }), "{error}");
    assert!(error.to_string().contains("scheme"), "{error}");
    let error = test_fetcher().get("not a url").await.unwrap_err();
    assert!(error.to_string().starts_with("not a url: invalid URL"), "{error}");
}

#[tokio::test]
async fn the_guard_refuses_loopback_literals_and_names_before_any_request() {
    let server = Server::start(routes).await;
    let guarded = Fetcher::new(FetchConfig {
        allow_private: false,
        ..test_config()
    })
    .unwrap();

    let url = server.url("/ok");
    let error = guarded.get(&url).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{url}: refused: 127.0.0.1 is a loopback address")
    );
    let error = guarded
        .get_conditional(
            &format!("http://[::1]:{}/ok", server.addr.port()),
            &Validators::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Refused { .. }), "{error}");

    // A hostname is judged after resolution, by the resolver.
    let by_name = format!("http://localhost:{}/ok", server.addr.port());
    match guarded.get(&by_name).await.unwrap_err() {
        Error::Refused { url, reason } => {
            assert_eq!(url, by_name);
            assert!(reason.starts_with("localhost resolves only to"), "{reason}");
            assert!(reason.contains("loopback"), "{reason}");
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    let error = guarded.get_page(&by_name).await.unwrap_err();
    assert!(matches!(error, Error::Refused { .. }), "{error}");
    assert!(server.requests().is_empty(), "the server saw {:?}", server.requests());

    // Lifting the guard reaches the same server.
    assert!(test_fetcher().get(&by_name).await.is_ok());
}

#[tokio::test]
async fn conditional_get_round_trips_the_etag_and_last_modified() {
    let server = Server::start(routes).await;
    let fetcher = test_fetcher();
    let url = server.url("/tagged");
    let first = match fetcher.get_conditional(&url, &Validators::default()).await.unwrap() {
        Conditional::Modified(fetched) => fetched,
        other => panic!("expected a body, got {other:?}"),
    };
    assert_eq!(first.etag.as_deref(), Some("\"v1\""));
    assert_eq!(first.last_modified.as_deref(), Some("Tue, 03 Mar 2026 10:00:00 GMT"));
    assert_eq!(first.max_age, Some(Duration::from_secs(300)));
    let second = fetcher.get_conditional(&url, &first.validators()).await.unwrap();
    assert_eq!(
        second,
        Conditional::NotModified {
            max_age: Some(Duration::from_secs(600))
        }
    );
    let sent = server.requests();
    assert_eq!(sent[0].header("if-none-match"), None);
    assert_eq!(sent[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(
        sent[1].header("if-modified-since"),
        Some("Tue, 03 Mar 2026 10:00:00 GMT")
    );

    // Last-Modified alone works too; no-cache means no max-age.
    let url = server.url("/dated");
    let Conditional::Modified(first) = fetcher.get_conditional(&url, &Validators::default()).await.unwrap() else {
        panic!("expected a body");
    };
    assert_eq!(first.max_age, None);
    assert_eq!(first.etag, None);
    let second = fetcher.get_conditional(&url, &first.validators()).await.unwrap();
    assert_eq!(second, Conditional::NotModified { max_age: None });

    // A plain get never takes a 304 as success.
    let plain = fetcher.get(&server.url("/tagged")).await.unwrap();
    assert_eq!(plain.body, b"<rss/>");
}

#[tokio::test]
async fn retry_after_is_carried_by_status_errors() {
    let server = Server::start(routes).await;
    let error = test_fetcher().get(&server.url("/busy")).await.unwrap_err();
    assert_eq!(error.http_status(), Some(503));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));

    let error = test_fetcher().get(&server.url("/throttled")).await.unwrap_err();
    assert_eq!(error.http_status(), Some(429));
    let wait = error.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(60) && wait <= Duration::from_secs(91),
        "{wait:?}"
    );
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    let now = httpdate::parse_http_date("Wed, 04 Mar 2026 12:00:00 GMT").unwrap();
    let wait = |v: &str| retry_after(&headers(&[("retry-after", v)]), now);
    assert_eq!(wait("30"), Some(Duration::from_secs(30)));
    assert_eq!(wait(" 0 "), Some(Duration::ZERO));
    assert_eq!(wait("Wed, 04 Mar 2026 12:02:00 GMT"), Some(Duration::from_secs(120)));
    // The obsolete date forms HTTP still allows.
    assert_eq!(wait("Wednesday, 04-Mar-26 12:01:00 GMT"), Some(Duration::from_secs(60)));
    assert_eq!(wait("Wed Mar  4 12:00:10 2026"), Some(Duration::from_secs(10)));
    assert_eq!(wait("Wed, 04 Mar 2026 11:00:00 GMT"), Some(Duration::ZERO));
    assert_eq!(wait("soon"), None);
    assert_eq!(wait("-5"), None);
    assert_eq!(retry_after(&HeaderMap::new(), now), None);
}

#[test]
fn max_age_reads_cache_control() {
    let age = |v: &str| max_age(&headers(&[("cache-control", v)]));
    assert_eq!(age("max-age=300"), Some(Duration::from_secs(300)));
    assert_eq!(
        age("public, Max-Age=60, must-revalidate"),
        Some(Duration::from_secs(60))
    );
    assert_eq!(age("max-age=\"90\""), Some(Duration::from_secs(90)));
    assert_eq!(age("no-cache, max-age=300"), None);
    assert_eq!(age("max-age=300, no-store"), None);
    assert_eq!(age("s-maxage=100"), None);
    assert_eq!(age("max-age=soon"), None);
    assert_eq!(max_age(&HeaderMap::new()), None);
    let two = headers(&[("cache-control", "public"), ("cache-control", "max-age=45")]);
    assert_eq!(max_age(&two), Some(Duration::from_secs(45)));
}

#[tokio::test]
async fn requests_to_one_host_start_at_least_the_delay_apart() {
    let server = Server::start(routes).await;
    let fetcher = Fetcher::new(FetchConfig {
        per_host_delay: Duration::from_millis(300),
        timeout: Duration::from_secs(10),
        ..test_config()
    })
    .unwrap();
    let started = Instant::now();
    let url = server.url("/ok");
    let other = fetcher.clone();
    let (first, second) = tokio::join!(fetcher.get(&url), other.get(&url));
    first.unwrap();
    second.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    let gap = sent[1].at.duration_since(sent[0].at);
    // The limiter books starts 300 ms apart; arrival adds connect time to
    // each, which may differ a little.
    assert!(gap >= Duration::from_millis(250), "{gap:?}");
}

fn robots_routes(robots: impl Into<String>, status: &'static str) -> impl Fn(&Request) -> Reply + Send + Sync {
    let robots: String = robots.into();
    move |request: &Request| match request.path.as_str() {
        "/robots.txt" => Reply::new(status, robots.clone()).header("Content-Type", "text/plain"),
        _ => Reply::ok("text/html", "<p>Harbour news from Velmora</p>"),
    }
}

#[tokio::test]
async fn robots_txt_is_obeyed_and_fetched_once_per_origin() {
    let rules = "User-agent: *\nDisallow: /private/\n\nUser-agent: ravenwire\nDisallow: /drafts/\n";
    let server = Server::start(robots_routes(rules, "200 OK")).await;
    let fetcher = test_fetcher();
    let error = fetcher.get_page(&server.url("/drafts/tide-tables")).await.unwrap_err();
    assert!(matches!(error, Error::Robots { .. }), "{error}");
    assert_eq!(
        error.to_string(),
        format!("{}: disallowed by robots.txt", server.url("/drafts/tide-tables"))
    );
    // Our own group applies, not the one for everyone else.
    let page = fetcher.get_page(&server.url("/private/ferry")).await.unwrap();
    assert_eq!(page.body, b"<p>Harbour news from Velmora</p>");
    fetcher.clone().get_page(&server.url("/news/1")).await.unwrap();
    assert_eq!(server.count("/robots.txt"), 1, "clones share the cache");
    assert_eq!(server.count("/drafts/tide-tables"), 0);
    // get (feeds) does not consult robots.txt.
    fetcher.get(&server.url("/drafts/tide-tables")).await.unwrap();
}

#[tokio::test]
async fn missing_robots_txt_allows_and_a_failing_one_disallows() {
    let missing = Server::start(robots_routes("", "404 Not Found")).await;
    let fetcher = test_fetcher();
    fetcher.get_page(&missing.url("/news/2")).await.unwrap();
    fetcher.get_page(&missing.url("/news/3")).await.unwrap();
    assert_eq!(missing.count("/robots.txt"), 1);

    let failing = Server::start(robots_routes("", "500 Internal Server Error")).await;
    let error = fetcher.get_page(&failing.url("/news/2")).await.unwrap_err();
    assert!(matches!(error, Error::Robots { .. }), "{error}");
    let error = fetcher.get_page(&failing.url("/news/3")).await.unwrap_err();
    assert!(matches!(error, Error::Robots { .. }), "{error}");
    assert_eq!(failing.count("/robots.txt"), 1, "the failure is cached for a while");
    assert_eq!(failing.count("/news/2"), 0);
}

#[tokio::test]
async fn crawl_delay_raises_the_host_gap_up_to_the_cap() {
    let fetcher = test_fetcher();
    let server = Server::start(robots_routes("User-agent: ravenwire\nCrawl-delay: 2\n", "200 OK")).await;
    let key = host_key(&Url::parse(&server.url("/")).unwrap());
    assert_eq!(fetcher.limiter().delay_for(&key), Duration::ZERO);
    // Asking robots.txt alone: fetching the page would wait out the delay.
    let url = Url::parse(&server.url("/news/4")).unwrap();
    assert!(fetcher.robots.allowed(&fetcher, &url).await.unwrap());
    assert_eq!(fetcher.limiter().delay_for(&key), Duration::from_secs(2));

    let greedy = Server::start(robots_routes("User-agent: *\nCrawl-delay: 86400\n", "200 OK")).await;
    let key = host_key(&Url::parse(&greedy.url("/")).unwrap());
    let url = Url::parse(&greedy.url("/news/5")).unwrap();
    assert!(fetcher.robots.allowed(&fetcher, &url).await.unwrap());
    assert_eq!(fetcher.limiter().delay_for(&key), crate::hosts::MAX_CRAWL_DELAY);
}

#[tokio::test]
async fn a_huge_robots_txt_is_read_up_to_its_cap() {
    let mut rules = "User-agent: ravenwire\nDisallow: /drafts/\n".to_string();
    while rules.len() < 600 * 1024 {
        rules.push_str("# The harbour master of Velmora keeps long notes.\n");
    }
    let server = Server::start(robots_routes(rules, "200 OK")).await;
    let fetcher = test_fetcher();
    let error = fetcher.get_page(&server.url("/drafts/ferry")).await.unwrap_err();
    assert!(matches!(error, Error::Robots { .. }), "{error}");
    fetcher.get_page(&server.url("/news/6")).await.unwrap();
    assert_eq!(server.count("/robots.txt"), 1);
}
