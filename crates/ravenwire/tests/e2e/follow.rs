//! Web nodes that follow one PostgreSQL store: an import writes into the
//! database from its own data folder while two `serve` processes, each in a
//! data folder of its own (as on separate machines), answer searches with
//! the new articles within seconds, each filed under the story the store
//! gives it; a serve killed with SIGKILL and started again heals by itself.
//!
//! The server comes from the store's test support (see `postgres.rs`):
//! without one the test says it was skipped (and fails under
//! `RAVENWIRE_REQUIRE_POSTGRES=1`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{fixtures, ravenwire, stderr, StoppableServer};
use store::{PgStore, Store};

/// How often the serve processes under test follow the store.
const FOLLOW_INTERVAL: &str = "0.3";

/// How long a serve process may take to show what the store holds: many
/// follow rounds, on a busy test machine.
const WITHIN: Duration = Duration::from_secs(30);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn page(name: &str) -> PathBuf {
    fixtures().join("pages").join(name)
}

/// `serve` on `data` against the database at `url`, following every
/// [`FOLLOW_INTERVAL`] seconds, with no gathering of its own.
fn serve(data: &Path, url: &str) -> StoppableServer {
    StoppableServer::start(
        Some(data),
        &[
            "--database",
            url,
            "serve",
            "--no-gather",
            "--addr",
            "127.0.0.1:0",
            "--follow-interval",
            FOLLOW_INTERVAL,
        ],
        &[],
    )
}

/// The hits of `/api/v1/search?q=WORD` as article id → story.
fn hits(server: &StoppableServer, word: &str) -> BTreeMap<i64, Option<i64>> {
    let (status, body) = crate::common::http_get(&format!("{}/api/v1/search?q={word}&limit=50", server.base));
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("the search answers JSON");
    json["hits"]
        .as_array()
        .expect("a list of hits")
        .iter()
        .map(|hit| (hit["id"].as_i64().expect("an id"), hit["story"].as_i64()))
        .collect()
}

/// Every article of the store as article id → story, and the ids of those
/// holding `word` in their title or text.
fn stored(url: &str, word: &str) -> (BTreeMap<i64, Option<i64>>, Vec<i64>) {
    runtime().block_on(async {
        let store = PgStore::connect(url).await.unwrap();
        let all = store.articles_after(None, 10_000).await.unwrap();
        store.close().await;
        let stories = all.iter().map(|a| (a.id.0, a.story.map(|s| s.0))).collect();
        let about = all
            .iter()
            .filter(|a| {
                let title = a.article.title.as_deref().unwrap_or_default();
                format!("{title} {}", a.article.text).to_lowercase().contains(word)
            })
            .map(|a| a.id.0)
            .collect();
        (stories, about)
    })
}

/// Waits until `server`'s search for `word` finds every article of the
/// store that holds it, each hit filed under the story the store gives it,
/// and says how long that took.
fn shows_the_store(server: &StoppableServer, url: &str, word: &str) -> Duration {
    let (stories, about) = stored(url, word);
    assert!(!about.is_empty(), "the store holds articles about {word}");
    let start = Instant::now();
    loop {
        let seen = hits(server, word);
        let all_found = about.iter().all(|id| seen.contains_key(id));
        let filed_right = seen.iter().all(|(id, story)| stories.get(id) == Some(story));
        if all_found && filed_right {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < WITHIN,
            "{} shows {seen:?} for {word:?}; the store holds {about:?}, in stories {stories:?}",
            server.base
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn import(data: &Path, url: &str, pages: &[&str]) {
    let mut args = vec!["--database", url, "import"];
    let paths: Vec<PathBuf> = pages.iter().map(|p| page(p)).collect();
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let out = ravenwire(data, &args);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn two_serve_processes_follow_an_import_into_postgres_and_a_killed_one_heals() {
    let Some(db) = runtime().block_on(store::test_support::PgDatabase::create()) else {
        return;
    };
    let url = db.url();
    let importer = tempfile::tempdir().unwrap();
    let node_a = tempfile::tempdir().unwrap();
    let node_b = tempfile::tempdir().unwrap();
    // The schema exists before the web nodes start (any command makes it).
    import(importer.path(), url, &["northbridge-chronicle-comet-ashgrove.html"]);

    let a = serve(node_a.path(), url);
    let mut b = serve(node_b.path(), url);
    for server in [&a, &b] {
        shows_the_store(server, url, "comet");
        assert!(hits(server, "cranes").is_empty(), "nothing about cranes yet");
    }

    // New articles from the importer reach both nodes, with their stories.
    import(
        importer.path(),
        url,
        &[
            "bayside-bulletin-velmora-cranes.html",
            "coastline-courier-velmora-cranes.html",
        ],
    );
    for server in [&a, &b] {
        let took = shows_the_store(server, url, "cranes");
        eprintln!("{} showed the new articles after {took:?}", server.base);
    }

    // A node killed outright misses what comes while it is down, and heals
    // from its own data folder when it starts again.
    b.signal("KILL");
    b.wait_for_exit(Duration::from_secs(10));
    import(
        importer.path(),
        url,
        &["newsflow-hub-velmora-cranes.html", "tagespost-ost-komet-ashgrove.html"],
    );
    shows_the_store(&a, url, "cranes");
    let b = serve(node_b.path(), url);
    for word in ["cranes", "ashgrove"] {
        shows_the_store(&b, url, word);
        shows_the_store(&a, url, word);
    }
    // Neither node's data folder was the importer's: each index is its own.
    for node in [node_a.path(), node_b.path()] {
        assert!(node.join("index").is_dir(), "{} has its own index", node.display());
        assert!(
            !node.join("story-engine.snapshot").exists(),
            "a web node runs no story engine"
        );
    }
    drop((a, b));
    runtime().block_on(db.drop_database());
}
