//! The SSRF guard, on as it is by default (RAVENWIRE_ALLOW_PRIVATE_NETWORKS
//! unset): loopback, link-local, private and unspecified addresses are
//! refused before any request, however the address is spelt, by `add` and
//! by `fetch`, and nothing at all reaches a server on 127.0.0.1.
//!
//! A redirect from a public address to a private one cannot be staged here
//! (every test server is on loopback); gather's own tests cover that hop.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::hostile::{source, sources_json, HostileServer};
use crate::common::{on_both, ravenwire_env, stderr, stdout};

const GUARD: &str = "RAVENWIRE_ALLOW_PRIVATE_NETWORKS";

/// Runs the binary with the guard on (the variable unset). The connect
/// timeout is long enough that a refusal which waited for the network
/// stands out from one made before any connection.
fn guarded(data: &Path, args: &[&str]) -> Output {
    ravenwire_env(
        data,
        args,
        &[("RAVENWIRE_CONNECT_TIMEOUT", "12"), ("RAVENWIRE_FETCH_TIMEOUT", "15")],
        &[GUARD],
    )
}

fn context(what: &str, out: &Output, server: &HostileServer) -> String {
    format!(
        "{what}: exit {}\n--- stdout:\n{}\n--- stderr:\n{}\n--- requests the server saw:\n{}",
        out.status,
        stdout(out),
        stderr(out),
        server.log()
    )
}

/// `add URL` is refused (exit 1, an `error:` line whose text contains one of
/// `reasons`), quickly, and the server saw nothing.
fn assert_refused(data: &Path, url: &str, reasons: &[&str], server: &HostileServer) {
    let started = Instant::now();
    let out = guarded(data, &["add", url]);
    let took = started.elapsed();
    let ctx = context(&format!("add {url}"), &out, server);
    assert_eq!(out.status.code(), Some(1), "the guard let {url} through\n{ctx}");
    let err = stderr(&out);
    assert!(err.contains("error:"), "{ctx}");
    let lower = err.to_lowercase();
    assert!(
        reasons.iter().any(|r| lower.contains(r)),
        "the refusal of {url} should give the reason (one of {reasons:?})\n{ctx}"
    );
    assert_eq!(server.total(), 0, "a request reached the loopback server\n{ctx}");
    // Refused before connecting: no connect timeout was waited out.
    assert!(took < Duration::from_secs(8), "refusing {url} took {took:?}\n{ctx}");
}

#[test]
fn add_refuses_loopback_in_every_spelling() {
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let port = server.port;
    let loopback = &["loopback"][..];
    assert_refused(data, &format!("http://127.0.0.1:{port}/ok.xml"), loopback, &server);
    // By name: the guard looks at the addresses DNS gives.
    assert_refused(data, &format!("http://localhost:{port}/ok.xml"), loopback, &server);
    // Other spellings of 127.0.0.1 that URL parsers accept.
    assert_refused(data, &format!("http://127.1:{port}/ok.xml"), loopback, &server);
    assert_refused(data, &format!("http://2130706433:{port}/ok.xml"), loopback, &server);
    assert_refused(data, &format!("http://0x7f000001:{port}/ok.xml"), loopback, &server);
    assert_refused(data, &format!("http://127.0.0.2:{port}/ok.xml"), loopback, &server);
    // IPv6 loopback and IPv4-mapped IPv6.
    assert_refused(data, &format!("http://[::1]:{port}/ok.xml"), loopback, &server);
    assert_refused(
        data,
        &format!("http://[::ffff:127.0.0.1]:{port}/ok.xml"),
        &["loopback", "mapped", "refused"],
        &server,
    );
    assert!(sources_json(data).is_empty(), "a refused URL was subscribed");
}

#[test]
fn add_refuses_link_local_private_and_unspecified_addresses_at_once() {
    // Nothing listens at these addresses; a missing guard would wait out the
    // connect timeout (or reach a cloud metadata service).
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_refused(
        data,
        "http://169.254.169.254/latest/meta-data/",
        &["link-local", "link local"],
        &server,
    );
    assert_refused(data, "http://10.255.255.1/feed.xml", &["private"], &server);
    assert_refused(data, "http://192.168.77.1/feed.xml", &["private"], &server);
    assert_refused(data, "http://172.20.0.1/feed.xml", &["private"], &server);
    assert_refused(
        data,
        &format!("http://0.0.0.0:{}/ok.xml", server.port),
        &["unspecified", "this network", "refused"],
        &server,
    );
    assert_refused(
        data,
        "http://[fe80::1]/feed.xml",
        &["link-local", "link local"],
        &server,
    );
    assert_refused(
        data,
        "http://[fd00::1]/feed.xml",
        &["private", "unique local", "unique-local"],
        &server,
    );
}

#[test]
fn add_refuses_schemes_other_than_http_and_https() {
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for url in [
        "file:///etc/passwd",
        "ftp://127.0.0.1/feed.xml",
        "gopher://127.0.0.1:70/1",
    ] {
        assert_refused(data, url, &["scheme", "http"], &server);
    }
}

fn a_forced_loopback_source_is_refused_at_fetch_and_recorded() {
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let url = server.url("/ok.xml");
    let out = guarded(data, &["add", "--force", &url]);
    assert!(out.status.success(), "{}", context("add --force", &out, &server));

    let out = guarded(data, &["fetch"]);
    let ctx = context("fetch", &out, &server);
    assert_eq!(out.status.code(), Some(2), "{ctx}");
    assert!(stderr(&out).contains(&format!("{url}: cannot read the feed")), "{ctx}");
    assert!(stderr(&out).to_lowercase().contains("loopback"), "{ctx}");
    assert_eq!(server.total(), 0, "a request reached the loopback server\n{ctx}");

    let sources = sources_json(data);
    let s = source(&sources, &url);
    let error = s["last_error"].as_str().unwrap_or_default().to_lowercase();
    assert!(error.contains("loopback"), "the refusal is not recorded: {s}");
    assert_eq!(s["error_count"], 1, "{s}");
    assert_eq!(s["articles"], 0, "{s}");
}
on_both!(a_forced_loopback_source_is_refused_at_fetch_and_recorded);

fn nothing_reaches_a_loopback_server_with_the_guard_on() {
    // Forced sources, a forced fetch: not the feeds, not their pages, not
    // robots.txt.
    let server = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for path in ["/ok.xml", "/charset.xml"] {
        let out = guarded(data, &["add", "--force", &server.url(path)]);
        assert!(out.status.success(), "{}", context("add --force", &out, &server));
    }
    let out = guarded(data, &["fetch", "--force"]);
    let ctx = context("fetch --force", &out, &server);
    assert_eq!(out.status.code(), Some(2), "{ctx}");
    assert_eq!(server.total(), 0, "{ctx}");
}
on_both!(nothing_reaches_a_loopback_server_with_the_guard_on);
