//! The web UI in a real browser: Debian's Chromium driven by playwright-core
//! (from npm) through `tests/browser/flow.mjs`. This test prepares a data
//! folder, an admin password and a feed served from 127.0.0.1, starts
//! `serve` with its scheduler, and runs the flow: open a story, search and
//! save the search, log in and add the feed, see its articles arrive, use
//! the keyboard, and check each page with axe-core. Screenshots are kept
//! under `target/browser/`.
//!
//! Without Node.js, the npm packages (`npm ci` in `tests/browser`) or
//! Chromium it is skipped with a note, except in CI (`CI` set), where it
//! fails: `.ci/run` installs all three.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::hostile::{page_html, rss_feed, PAGES};
use crate::common::{fixtures, ravenwire, stderr, FixtureServer, Served};

const PASSWORD: &str = "correct horse battery staple";

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("RAVENWIRE_CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

/// What is missing to run the flow, if anything.
fn missing() -> Option<String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Some("Node.js (`node`) is not installed".to_string());
    }
    if !browser_dir().join("node_modules/playwright-core").exists() {
        return Some(format!(
            "playwright-core is not installed: run `npm ci` in {}",
            browser_dir().display()
        ));
    }
    if chromium().is_none() {
        return Some("Chromium is not installed (Debian: `apt-get install chromium`)".to_string());
    }
    None
}

#[test]
fn the_reader_flow_works_in_a_real_browser() {
    if let Some(why) = missing() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the browser test cannot run in CI: {why}"
        );
        eprintln!("skipping the browser test: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();

    // Stories to open and search: the fixture pages.
    let out = ravenwire(data, &["import", fixtures().join("pages").to_str().unwrap()]);
    assert!(out.status.success(), "import: {}", stderr(&out));

    let mut child = Command::new(env!("CARGO_BIN_EXE_ravenwire"))
        .arg("--data")
        .arg(data)
        .args(["admin", "set-password"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "set-password: {}", stderr(&out));

    // The feed the flow adds from the sources page.
    let feed = FixtureServer::start(Box::new(|path: &str, port: u16| {
        if path == "/feed.xml" {
            return (
                200,
                "application/rss+xml",
                rss_feed(port, "Fenwater Gazette", &[1, 2], "").into_bytes(),
            );
        }
        let page = path
            .strip_prefix("/page/")
            .and_then(|p| p.strip_suffix(".html"))
            .and_then(|n| n.parse().ok())
            .and_then(page_html);
        match page {
            Some(html) => (200, "text/html; charset=utf-8", html.into_bytes()),
            None => (404, "text/plain", b"not found".to_vec()),
        }
    }));
    let feed_url = format!("http://127.0.0.1:{}/feed.xml", feed.port);

    let served = Served::start_with_env(
        Some(data),
        &["serve", "--addr", "127.0.0.1:0"],
        &[
            ("RAVENWIRE_MIN_INTERVAL", Path::new("2")),
            ("RAVENWIRE_ALLOW_PRIVATE_NETWORKS", Path::new("1")),
            ("RAVENWIRE_HOST_DELAY", Path::new("0")),
        ],
    );

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg("flow.mjs")
        .current_dir(browser_dir())
        .env("RW_BASE", &served.base)
        .env("RW_FEED_URL", &feed_url)
        .env("RW_FEED_HEADLINE", PAGES[0].headline)
        .env("RW_PASSWORD", PASSWORD)
        .env("RW_SHOTS", &shots)
        .env("RW_CHROMIUM", chromium().unwrap())
        .output()
        .expect("node runs");
    let said = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the browser flow failed:\n{said}");
    eprintln!("{said}");
}
