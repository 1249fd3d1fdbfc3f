//! The real server under hostile or impatient clients, and stopped the way
//! service managers stop it: slow and numerous connections are bounded, a
//! forged Host header never reaches a link, and SIGTERM is a clean stop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{fixtures, ravenwire, raw_request, stderr, StoppableServer};

/// Far longer than any step should take: only a hang reaches it.
const GENEROUS: Duration = Duration::from_secs(30);

fn address(server: &StoppableServer) -> String {
    server.base.strip_prefix("http://").unwrap().to_string()
}

/// Reads until the server closes the connection; fails if it never does.
fn read_until_closed(mut stream: TcpStream) -> Vec<u8> {
    stream.set_read_timeout(Some(GENEROUS)).unwrap();
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => received,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => received,
        Err(e) => panic!("the server kept a slow client's connection open ({e})"),
    }
}

#[test]
fn a_half_sent_request_is_dropped_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = StoppableServer::start(
        Some(&dir.path().join("data")),
        &["serve", "--addr", "127.0.0.1:0", "--header-timeout", "0.5"],
        &[],
    );
    let mut half_sent = TcpStream::connect(address(&server)).unwrap();
    half_sent.write_all(b"GET /healthz HTTP/1.1\r\nHost: local").unwrap();
    let silent = TcpStream::connect(address(&server)).unwrap();

    let started = Instant::now();
    assert!(
        read_until_closed(half_sent).is_empty(),
        "a half-sent request got an answer"
    );
    assert!(
        read_until_closed(silent).is_empty(),
        "a request never sent got an answer"
    );
    assert!(started.elapsed() < GENEROUS);

    // Clients that finish their request are still served.
    let (status, _) = crate::common::http_get(&format!("{}/healthz", server.base));
    assert_eq!(status, 200);
}

/// Open file descriptors of process `pid`.
#[cfg(target_os = "linux")]
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count()
}

#[cfg(target_os = "linux")]
#[test]
fn connections_beyond_the_cap_do_not_exhaust_file_descriptors() {
    const CAP: usize = 16;
    const CLIENTS: usize = 100;
    let dir = tempfile::tempdir().unwrap();
    let server = StoppableServer::start(
        Some(&dir.path().join("data")),
        &["serve", "--addr", "127.0.0.1:0", "--max-connections", &CAP.to_string()],
        &[],
    );
    let (status, _) = crate::common::http_get(&format!("{}/healthz", server.base));
    assert_eq!(status, 200);
    let before = open_files(server.pid());

    // Slow clients: each sends half a request and waits. Those beyond the
    // cap wait in the kernel's listen backlog; once that is full, the kernel
    // ignores new ones, so stop at the first that cannot connect.
    let addr = address(&server).parse().unwrap();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            break;
        };
        if stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").is_err() {
            break;
        }
        clients.push(stream);
    }
    assert!(clients.len() > CAP, "only {} clients connected", clients.len());
    let mut most = 0;
    for _ in 0..20 {
        most = most.max(open_files(server.pid()));
        std::thread::sleep(Duration::from_millis(50));
    }
    // The accepted connections, plus a little slack for the runtime.
    assert!(
        most <= before + CAP + 4,
        "{} slow clients held {most} file descriptors (from {before}) under a cap of {CAP}",
        clients.len()
    );
    assert!(
        most >= before + CAP / 2,
        "the slow clients were not accepted at all: {most} from {before}"
    );

    drop(clients);
    let (status, _) = crate::common::http_get(&format!("{}/healthz", server.base));
    assert_eq!(status, 200, "the server answers again once the slow clients leave");
}

#[test]
fn sigterm_stops_serve_gracefully_with_status_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = StoppableServer::start(Some(&dir.path().join("data")), &["serve", "--addr", "127.0.0.1:0"], &[]);
    let (status, _) = crate::common::http_get(&format!("{}/healthz", server.base));
    assert_eq!(status, 200);
    // A kept-alive idle connection must not hold the stop up.
    let idle = TcpStream::connect(address(&server)).unwrap();

    server.signal("TERM");
    let (status, log) = server.wait_for_exit(GENEROUS);
    assert!(status.success(), "serve exited with {status} on SIGTERM: {log}");
    assert!(log.contains("SIGTERM"), "the log does not say why it stopped: {log}");
    assert!(log.contains("the web server has stopped"), "{log}");
    drop(idle);
}

#[test]
fn sigterm_stops_the_demo_and_removes_its_data() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = StoppableServer::start(None, &["demo", "--addr", "127.0.0.1:0"], &[("TMPDIR", tmp.path())]);
    let (status, _) = crate::common::http_get(&format!("{}/healthz", server.base));
    assert_eq!(status, 200);
    let entries = || std::fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(entries(), 1, "the demo keeps its data in TMPDIR");

    server.signal("TERM");
    let (status, log) = server.wait_for_exit(GENEROUS);
    assert!(status.success(), "demo exited with {status} on SIGTERM: {log}");
    assert_eq!(entries(), 0, "the demo left its data behind after SIGTERM");
}

/// The `href` of every `<link>` in an Atom document.
fn link_targets(feed: &str) -> Vec<String> {
    feed.split("<link ")
        .skip(1)
        .filter_map(|link| {
            let start = link.find("href=\"")? + "href=\"".len();
            let len = link[start..].find('"')?;
            Some(link[start..start + len].to_string())
        })
        .collect()
}

/// The links in the feeds at `/feed.atom` and the first story's feed, both
/// asked for with a forged Host header.
fn feed_links_with_forged_host(base: &str) -> Vec<String> {
    let ask = |path: &str| {
        let (status, body) = raw_request(
            base,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n"
            ),
        );
        assert_eq!(status, 200, "{path}: {body}");
        assert!(!body.contains("evil"), "{path} carries the forged host: {body}");
        body
    };
    let latest = ask("/feed.atom");
    let story = latest
        .split("urn:ravenwire:story:")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the latest feed lists a story")
        .to_string();
    let story_feed = ask(&format!("/story/{story}/feed.atom"));
    let mut links = link_targets(&latest);
    links.extend(link_targets(&story_feed));
    links
}

fn imported_data(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    let out = ravenwire(&data, &["import", fixtures().join("pages").to_str().unwrap()]);
    assert!(out.status.success(), "import failed: {}", stderr(&out));
    data
}

#[test]
fn a_forged_host_header_does_not_reach_feed_links() {
    let dir = tempfile::tempdir().unwrap();
    let data = imported_data(dir.path());

    // Configured: every link of ours starts with the public base URL.
    let server = StoppableServer::start(
        Some(&data),
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--base-url",
            "https://news.example/wire/",
        ],
        &[],
    );
    let links = feed_links_with_forged_host(&server.base);
    let ours: Vec<_> = links
        .iter()
        .filter(|l| l.contains("/story/") || l.contains("/article/") || l.ends_with("feed.atom"))
        .collect();
    assert!(ours.len() >= 4, "{links:?}");
    for link in ours {
        assert!(link.starts_with("https://news.example/wire/"), "{link} in {links:?}");
    }
    drop(server);

    // Not configured: the links name the address the server listens on.
    let server = StoppableServer::start(Some(&data), &["serve", "--addr", "127.0.0.1:0"], &[]);
    let links = feed_links_with_forged_host(&server.base);
    let own = format!("{}/feed.atom", server.base);
    assert!(links.contains(&own), "no {own} in {links:?}");
}

#[test]
fn a_bad_base_url_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for bad in ["ftp://news.example/", "news.example", "https://news.example/?a=1"] {
        let out = ravenwire(&data, &["serve", "--addr", "127.0.0.1:0", "--base-url", bad]);
        assert!(!out.status.success(), "serve accepted --base-url {bad}");
        assert!(
            stderr(&out).contains(bad),
            "the error does not name {bad}: {}",
            stderr(&out)
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ravenwire"))
        .args(["demo", "--addr", "127.0.0.1:0"])
        .env("RAVENWIRE_BASE_URL", "https://news.example/#top")
        .output()
        .unwrap();
    assert!(!out.status.success(), "demo accepted a bad RAVENWIRE_BASE_URL");
    assert!(stderr(&out).contains("https://news.example/#top"), "{}", stderr(&out));
    assert!(stderr(&out).contains("fragment"), "{}", stderr(&out));
}
