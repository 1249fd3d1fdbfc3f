//! One ingest at a time per data folder: a second import waits for the
//! first (or fails at once with `--no-wait`), and a killed import's lock is
//! released by the system.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::common::backend::TestStore;
use crate::common::{fixtures, on_both, ravenwire, spawn_ravenwire, stderr, wait_until, FixtureServer};

const HOLD: &str = "RAVENWIRE_TEST_HOLD_INGEST_LOCK_UNTIL";

fn lock_note(data: &Path) -> String {
    std::fs::read_to_string(data.join("ingest.lock")).unwrap_or_default()
}

/// Starts an import of `folder` that takes the lock and holds it until
/// `release` exists; returns once it holds the lock.
fn start_holding_import(data: &Path, folder: &Path, release: &Path) -> Child {
    let holder = spawn_ravenwire(data, &["import", folder.to_str().unwrap()], &[(HOLD, release)]);
    let note = format!("pid {}: ravenwire import", holder.id());
    wait_until("the first import to take the lock", || lock_note(data).contains(&note));
    holder
}

/// Collects a child's stderr lines as they come.
fn collect_stderr(child: &mut Child) -> (Arc<Mutex<String>>, JoinHandle<()>) {
    let text = Arc::new(Mutex::new(String::new()));
    let pipe = child.stderr.take().expect("stderr is piped");
    let sink = text.clone();
    let thread = std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let line = line.expect("stderr is readable");
            let mut text = sink.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    (text, thread)
}

/// Every stored article by canonical URL, grouped by story; panics if an
/// article has no story.
fn stories(data: &Path) -> Vec<Vec<String>> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = TestStore::open(data).await;
        let articles = store.articles_after(None, 10_000).await.unwrap();
        store.close().await;
        let mut by_story: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for stored in articles {
            let story = stored
                .story
                .unwrap_or_else(|| panic!("{} has no story", stored.canonical_url));
            by_story.entry(story.0).or_default().push(stored.canonical_url);
        }
        let mut groups: Vec<Vec<String>> = by_story.into_values().collect();
        groups.iter_mut().for_each(|g| g.sort());
        groups.sort();
        groups
    })
}

fn pages() -> PathBuf {
    fixtures().join("pages")
}

fn feed_articles() -> PathBuf {
    fixtures().join("feed/articles")
}

fn a_second_import_waits_for_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let release = dir.path().join("release");
    let mut first = start_holding_import(&data, &pages(), &release);

    let mut second = spawn_ravenwire(&data, &["import", feed_articles().to_str().unwrap()], &[]);
    let (said, reader) = collect_stderr(&mut second);
    wait_until("the second import to say it waits", || {
        said.lock().unwrap().contains("waiting for another ingest")
    });
    let note = format!("pid {}: ravenwire import", first.id());
    assert!(said.lock().unwrap().contains(&note), "{}", said.lock().unwrap());

    std::fs::write(&release, b"").unwrap();
    assert!(first.wait().unwrap().success());
    assert!(second.wait().unwrap().success(), "{}", said.lock().unwrap());
    reader.join().unwrap();
    let said = said.lock().unwrap().clone();
    assert!(said.contains("the other ingest finished; going on"), "{said}");
    assert!(said.contains("imported 5, already known 0, failed 0"), "{said}");

    // The same two imports one after the other store the same articles in
    // the same stories.
    let sequential = dir.path().join("sequential");
    for folder in [pages(), feed_articles()] {
        let out = ravenwire(&sequential, &["import", folder.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let together = stories(&data);
    assert_eq!(together.iter().map(Vec::len).sum::<usize>(), 11, "{together:?}");
    assert_eq!(together, stories(&sequential));
}
on_both!(a_second_import_waits_for_the_first);

fn a_second_import_with_no_wait_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let release = dir.path().join("release");
    let mut first = start_holding_import(&data, &pages(), &release);

    for command in ["import", "fetch"] {
        let mut args = vec![command, "--no-wait"];
        let folder = feed_articles();
        if command == "import" {
            args.push(folder.to_str().unwrap());
        }
        let out = ravenwire(&data, &args);
        assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("another ingest is running in"), "{err}");
        assert!(err.contains(&format!("pid {}: ravenwire import", first.id())), "{err}");
        assert!(err.contains("not waiting because of --no-wait"), "{err}");
        assert!(!err.contains("imported"), "{err}");
    }
    // A small write takes no lock: `add` goes straight in.
    let rss = std::fs::read_to_string(fixtures().join("feed/rss.xml")).unwrap();
    let server = FixtureServer::start(Box::new(move |_path: &str, port: u16| {
        (
            200,
            "application/rss+xml",
            rss.replace("{PORT}", &port.to_string()).into_bytes(),
        )
    }));
    let feed = format!("http://127.0.0.1:{}/rss.xml", server.port);
    let add = ravenwire(&data, &["add", &feed]);
    assert!(add.status.success(), "{}", stderr(&add));

    std::fs::write(&release, b"").unwrap();
    assert!(first.wait().unwrap().success());
    assert_eq!(stories(&data).iter().map(Vec::len).sum::<usize>(), 6);
    // Released at the end: the lock file stays, empty, and the next import
    // goes straight in.
    assert_eq!(lock_note(&data), "");
    let out = ravenwire(&data, &["import", "--no-wait", feed_articles().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}
on_both!(a_second_import_with_no_wait_fails_at_once);

fn a_killed_import_releases_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let never = dir.path().join("never-created");
    let mut holder = start_holding_import(&data, &pages(), &never);
    // SIGKILL: no destructor runs, the note stays in the file.
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(lock_note(&data).contains(&format!("pid {}", holder.id())));

    let out = ravenwire(&data, &["import", "--no-wait", pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("imported 6, already known 0, failed 0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stories(&data).iter().map(Vec::len).sum::<usize>(), 6);
}
on_both!(a_killed_import_releases_the_lock);
