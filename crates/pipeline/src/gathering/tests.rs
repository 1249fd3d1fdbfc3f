//! The scheduler's cycle against a feed server on 127.0.0.1: imports,
//! conditional GET, Retry-After, and the SSRF guard on entry links.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use index::SearchIndex;
use model::{Source, SourceKind};
use store::SqliteStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;
use crate::Pipeline;

type Hits = Arc<Mutex<HashMap<String, u32>>>;

struct Server {
    addr: SocketAddr,
    hits: Hits,
}

impl Server {
    async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits: Hits = Arc::default();
        let counted = Arc::clone(&hits);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, addr, Arc::clone(&counted)));
            }
        });
        Server { addr, hits }
    }

    fn hits(&self, path: &str) -> u32 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    fn total(&self) -> u32 {
        self.hits.lock().unwrap().values().sum()
    }
}

fn rss(addr: SocketAddr) -> String {
    let item = |n: u32, place: &str| {
        format!(
            "<item><title>{place} harbour reopens</title><link>http://{addr}/page/{n}.html</link>\
             <guid>urn:test:{n}</guid><pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate>\
             <description>The harbour of {place} reopened after the storm, the port office said.</description></item>"
        )
    };
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Coast Wire</title>\
         <link>http://{addr}/</link>{}{}</channel></rss>",
        item(1, "Velmark"),
        item(2, "Ostrova")
    )
}

fn page(n: &str) -> String {
    let place = if n == "1" { "Velmark" } else { "Ostrova" };
    let para = format!(
        "<p>The harbour of {place} reopened on Monday after a week of storm damage, the port office said. \
         Fishing boats returned to the quay before dawn, and the ferry to the islands ran on time.</p>"
    );
    format!(
        "<html><head><title>{place} harbour reopens</title></head><body><article><h1>{place} harbour reopens</h1>\
         {para}{para}{para}</article></body></html>"
    )
}

async fn answer(mut stream: TcpStream, addr: SocketAddr, hits: Hits) {
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 32 * 1024 {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request).to_lowercase();
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let respond = |status: &str, headers: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
            body.len()
        )
    };
    let response = match path.as_str() {
        "/feed.xml" if request.contains("if-none-match: \"v1\"") => respond("304 Not Modified", "ETag: \"v1\"\r\n", ""),
        "/feed.xml" => respond(
            "200 OK",
            "Content-Type: application/rss+xml\r\nETag: \"v1\"\r\n",
            &rss(addr),
        ),
        "/busy.xml" => respond("503 Service Unavailable", "Retry-After: 120\r\n", ""),
        "/robots.txt" => respond("404 Not Found", "", ""),
        p if p.starts_with("/page/") => {
            let n = p.trim_start_matches("/page/").trim_end_matches(".html");
            respond("200 OK", "Content-Type: text/html; charset=utf-8\r\n", &page(n))
        }
        _ => respond("404 Not Found", "", ""),
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn open(dir: &Path) -> Pipeline {
    let store = SqliteStore::open(&dir.join("db.sqlite")).await.unwrap();
    let index = SearchIndex::open(&dir.join("index")).unwrap();
    Pipeline::open(Arc::new(store), Arc::new(index)).await.unwrap()
}

fn fetcher(allow_private: bool) -> Fetcher {
    Fetcher::new(gather::FetchConfig {
        allow_private,
        per_host_delay: Duration::ZERO,
        timeout: Duration::from_secs(10),
        ..gather::FetchConfig::default()
    })
    .unwrap()
}

fn config() -> GatherConfig {
    GatherConfig::new(Duration::from_secs(60), Duration::from_secs(3600))
}

async fn subscribe(pipeline: &Pipeline, url: &str) -> SourceId {
    pipeline
        .store()
        .add_source(&Source {
            kind: SourceKind::Feed,
            url: url.to_string(),
            title: None,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_cycle_imports_new_entries_and_a_forced_one_gets_304_and_writes_nothing() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut pipeline = open(dir.path()).await;
    let url = format!("http://{}/feed.xml", server.addr);
    let id = subscribe(&pipeline, &url).await;
    let fetcher = fetcher(true);

    let first = pipeline.gather_cycle(&fetcher, &config(), |_| {}).await.unwrap();
    assert_eq!(first.polled.len(), 1, "{first:?}");
    let PollResult::Polled(summary) = &first.polled[0].result else {
        panic!("{first:?}")
    };
    assert_eq!((summary.imported, summary.failed.len()), (2, 0), "{summary:?}");
    let source = pipeline.store().source(id).await.unwrap().unwrap();
    assert_eq!(source.title.as_deref(), Some("Coast Wire"), "the feed's title is kept");
    assert_eq!(source.state.etag.as_deref(), Some("\"v1\""));
    assert_eq!(source.state.error_count, 0);
    assert!(source.state.last_success.is_some());
    assert!(
        source.state.next_poll.unwrap() > chrono::Utc::now(),
        "polled again later"
    );
    let stats = pipeline.store().stats().await.unwrap();

    // Not due yet: nothing is polled.
    let idle = pipeline.gather_cycle(&fetcher, &config(), |_| {}).await.unwrap();
    assert!(idle.polled.is_empty(), "{idle:?}");
    assert_eq!(server.hits("/feed.xml"), 1);

    // Forced: the conditional GET is answered 304, and nothing is written.
    let forced = GatherConfig {
        force: true,
        ..config()
    };
    let again = pipeline.gather_cycle(&fetcher, &forced, |_| {}).await.unwrap();
    assert_eq!(again.polled[0].result, PollResult::NotModified, "{again:?}");
    assert_eq!(server.hits("/feed.xml"), 2);
    assert_eq!(
        pipeline.store().stats().await.unwrap(),
        stats,
        "a 304 writes no article or fetch"
    );
    let polls = pipeline.store().polls(id, 10).await.unwrap();
    assert_eq!(polls.len(), 2);
    assert!(polls[0].not_modified && !polls[1].not_modified, "{polls:?}");
    assert_eq!(polls[1].new_articles, 2);
}

#[tokio::test]
async fn a_server_that_says_wait_is_left_alone_even_by_a_forced_cycle() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut pipeline = open(dir.path()).await;
    let id = subscribe(&pipeline, &format!("http://{}/busy.xml", server.addr)).await;
    let fetcher = fetcher(true);

    let first = pipeline.gather_cycle(&fetcher, &config(), |_| {}).await.unwrap();
    assert!(
        matches!(&first.polled[0].result, PollResult::Failed(e) if e.contains("503")),
        "{first:?}"
    );
    assert!(first.failed());
    let state = pipeline.store().source(id).await.unwrap().unwrap().state;
    assert_eq!((state.error_count, state.last_status), (1, Some(503)));
    let wait = state.wait_until.unwrap() - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(100) && wait <= chrono::Duration::seconds(120),
        "{wait}"
    );

    let forced = GatherConfig {
        force: true,
        ..config()
    };
    let again = pipeline.gather_cycle(&fetcher, &forced, |_| {}).await.unwrap();
    assert!(again.polled.is_empty(), "{again:?}");
    assert_eq!(again.waiting.len(), 1);
    assert_eq!(server.hits("/busy.xml"), 1, "Retry-After is obeyed");
}

#[tokio::test]
async fn entry_links_to_loopback_are_refused_before_any_request_with_the_guard_on() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut pipeline = open(dir.path()).await;
    // The feed's own address does not matter for a push: only its links do.
    let id = subscribe(&pipeline, "https://coast-wire.example/feed.xml").await;
    let fetches_before = pipeline.store().stats().await.unwrap().fetches;

    let push = WebSubPush {
        source: id,
        body: rss(server.addr).into_bytes(),
    };
    let report = pipeline
        .take_push(&fetcher(false), &config(), push)
        .await
        .unwrap()
        .unwrap();
    let PollResult::Polled(summary) = &report.result else {
        panic!("{report:?}")
    };
    assert_eq!(server.total(), 0, "no request reached the loopback server");
    // Each entry falls back on the feed's own text, and each refusal is
    // in the fetch log.
    assert_eq!(summary.from_feed, 2, "{summary:?}");
    assert_eq!(pipeline.store().stats().await.unwrap().fetches, fetches_before + 2);
}

#[test]
fn sources_polled_side_by_side_are_on_different_hosts() {
    let source = |id: i64, url: &str| store::StoredSource {
        id: SourceId(id),
        kind: SourceKind::Feed,
        url: url.to_string(),
        title: None,
        added_at: chrono::Utc::now(),
        polled_at: None,
        state: store::FeedState::default(),
        websub: None,
    };
    let sources = vec![
        source(1, "https://a.example/1"),
        source(2, "https://a.example/2"),
        source(3, "https://a.example/3"),
        source(4, "https://b.example/1"),
        source(5, "not a url"),
        source(6, "https://B.example:443/2"),
    ];
    let order: Vec<i64> = interleave_hosts(sources).iter().map(|s| s.id.0).collect();
    assert_eq!(order, vec![1, 4, 5, 2, 6, 3]);
}
