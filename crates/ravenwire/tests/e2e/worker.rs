//! The work queue end to end: `enqueue` pages, several `worker` processes
//! store them, one leads and places them, and the result is the store a
//! plain `import` makes. A worker killed with SIGKILL loses nothing. Each
//! test runs on SQLite and on PostgreSQL.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use std::time::Duration;

use crate::common::backend::{database_env, TestStore};
use crate::common::hostile::{eventually, HostileServer};
use crate::common::{contents_of_articles, fixtures, on_both, ravenwire, stderr, stdout, Contents};

fn bin(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
    database_env(&mut command, Some(data))
        .arg("--data")
        .arg(data)
        .env_remove("RAVENWIRE_DATA")
        .env_remove("RAVENWIRE_CRASH_AT");
    command
}

fn worker(data: &Path, name: &str, extra: &[&str]) -> Child {
    worker_claiming(data, name, "2", extra)
}

/// A worker that claims `batch` jobs at a time.
fn worker_claiming(data: &Path, name: &str, batch: &str, extra: &[&str]) -> Child {
    bin(data)
        .args(["worker", "--until-idle", "--batch", batch, "--name", name])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("a worker starts")
}

fn pages() -> PathBuf {
    fixtures().join("pages")
}

/// Every stored article.
fn articles(data: &Path) -> Vec<store::StoredArticle> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = TestStore::open(data).await;
        let all = store.articles_after(None, 10_000).await.unwrap();
        store.close().await;
        all
    })
}

fn contents(data: &Path) -> Contents {
    contents_of_articles(&articles(data))
}

fn finished(child: Child, who: &str) -> Output {
    let out = child.wait_with_output().expect("the worker ends");
    assert!(out.status.success(), "{who}: {}", stderr(&out));
    out
}

fn clean_import() -> Contents {
    let data = tempfile::tempdir().unwrap();
    let out = ravenwire(data.path(), &["import", pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    contents(data.path())
}

fn two_workers_store_each_page_once_and_the_leader_makes_the_stories_of_an_import() {
    let clean = clean_import();
    assert!(clean.0.len() >= 5, "the fixture pages make articles");
    let data = tempfile::tempdir().unwrap();
    let out = ravenwire(data.path(), &["enqueue", pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("queued"), "{}", stderr(&out));
    // The same pages again are not queued twice.
    let again = ravenwire(data.path(), &["enqueue", pages().to_str().unwrap()]);
    assert!(stderr(&again).starts_with("queued 0,"), "{}", stderr(&again));

    let a = worker(data.path(), "a", &[]);
    let b = worker(data.path(), "b", &[]);
    let a = finished(a, "a");
    let b = finished(b, "b");
    let said = format!("{}{}", stderr(&a), stderr(&b));
    assert!(said.contains("worker a: stored"), "{said}");
    assert!(said.contains("worker b: stored"), "{said}");
    assert_eq!(contents(data.path()), clean, "workers and an import disagree\n{said}");

    let check = ravenwire(data.path(), &["check", "--dry-run"]);
    assert!(stdout(&check).contains("healthy"), "{}", stdout(&check));
    let sources = ravenwire(data.path(), &["sources"]);
    assert!(stdout(&sources).contains("0 queued, 0 running"), "{}", stdout(&sources));
}
on_both!(two_workers_store_each_page_once_and_the_leader_makes_the_stories_of_an_import);

fn a_worker_killed_after_storing_loses_nothing_once_its_lease_runs_out() {
    use std::os::unix::process::ExitStatusExt;
    let clean = clean_import();
    let data = tempfile::tempdir().unwrap();
    let out = ravenwire(data.path(), &["enqueue", pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Dies by SIGKILL after its second article is stored, holding a job
    // whose page is stored but which is not marked done.
    let dying = bin(data.path())
        .args([
            "worker",
            "--until-idle",
            "--batch",
            "2",
            "--lease",
            "5",
            "--name",
            "dies",
        ])
        .env("RAVENWIRE_CRASH_AT", "after-store-commit:2")
        .output()
        .unwrap();
    assert_eq!(dying.status.signal(), Some(9), "{}", stderr(&dying));
    let survivor = finished(worker(data.path(), "survivor", &["--lease", "5"]), "survivor");
    assert_eq!(contents(data.path()), clean, "{}", stderr(&survivor));
    let check = ravenwire(data.path(), &["check", "--dry-run"]);
    assert!(stdout(&check).contains("healthy"), "{}", stdout(&check));
}
on_both!(a_worker_killed_after_storing_loses_nothing_once_its_lease_runs_out);

fn a_page_that_cannot_be_fetched_is_retried_then_listed_as_dead() {
    let data = tempfile::tempdir().unwrap();
    let out = ravenwire(
        data.path(),
        &["enqueue", "--url", "http://127.0.0.1:9/nothing-listens-here"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Five tries, each after the back-off has passed (the clock is moved
    // by claiming "later" through the store, as a patient worker would).
    let failures = runtime.block_on(async {
        let store = TestStore::open(data.path()).await;
        let mut now = chrono::Utc::now();
        let mut states = Vec::new();
        for _ in 0..store::queue::MAX_ATTEMPTS {
            let jobs = store
                .claim_jobs("patient", now, std::time::Duration::from_secs(60), 1)
                .await
                .unwrap();
            assert_eq!(jobs.len(), 1);
            states.push(store.fail_job(jobs[0].id, "patient", "refused", now).await.unwrap());
            now += chrono::Duration::hours(2);
        }
        store.close().await;
        states
    });
    assert_eq!(failures.last(), Some(&Some(store::JobState::Dead)));
    let dead = ravenwire(data.path(), &["sources", "--dead"]);
    assert!(stdout(&dead).contains("nothing-listens-here"), "{}", stdout(&dead));
    assert!(stdout(&dead).contains("5 tries"), "{}", stdout(&dead));
    let json = ravenwire(data.path(), &["sources", "--dead", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["queue"]["dead"], 1);
    let requeue = ravenwire(data.path(), &["sources", "--requeue-dead"]);
    assert!(stderr(&requeue).contains("requeued 1"), "{}", stderr(&requeue));
}
on_both!(a_page_that_cannot_be_fetched_is_retried_then_listed_as_dead);

fn a_fetch_that_fails_in_a_worker_waits_for_a_retry_and_is_not_lost() {
    let data = tempfile::tempdir().unwrap();
    let out = ravenwire(data.path(), &["enqueue", "--url", "http://127.0.0.1:9/refused"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bin(data.path())
        .args(["worker", "--name", "w", "--allow-private-networks", "--until-idle"])
        .env("RAVENWIRE_FETCH_TIMEOUT", "5")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("retried 1"), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 wait for a retry"), "{}", stderr(&out));
    let sources = ravenwire(data.path(), &["sources"]);
    assert!(
        stdout(&sources).contains("work queue: 1 queued, 0 running"),
        "{}",
        stdout(&sources)
    );
}
on_both!(a_fetch_that_fails_in_a_worker_waits_for_a_retry_and_is_not_lost);

/// Canonical URLs of the stored articles, lowest id first.
fn stored_order(data: &Path) -> Vec<String> {
    let mut all = articles(data);
    all.sort_by_key(|a| a.id);
    all.into_iter().map(|a| a.canonical_url).collect()
}

fn pages_are_stored_in_the_queues_order_when_a_later_job_is_done_first() {
    let server = HostileServer::start();
    let clean = tempfile::tempdir().unwrap();
    let out = ravenwire(clean.path(), &["import", pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = tempfile::tempdir().unwrap();
    // The first job is a page that takes two seconds to come; the fixture
    // pages queued after it travel in their jobs and are read at once.
    let late = server.url("/late/1.html");
    let out = ravenwire(data.path(), &["enqueue", "--url", &late, pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let net = ["--allow-private-networks"];
    let slow = worker_claiming(data.path(), "slow", "1", &net);
    assert!(
        eventually(Duration::from_secs(30), || server.count("/late/1.html") > 0),
        "the slow worker fetches the first page\n{}",
        server.log()
    );
    // The fast worker takes every other job and has their pages long
    // before the first one comes; it stores them after it.
    let fast = finished(worker_claiming(data.path(), "fast", "100", &net), "fast");
    let slow = finished(slow, "slow");
    let said = format!("{}{}", stderr(&slow), stderr(&fast));
    assert!(said.contains("worker slow: stored 1,"), "{said}");
    assert_eq!(said.matches("out of queue order 0").count(), 2, "{said}");
    let order = stored_order(data.path());
    assert!(order[0].ends_with("/page/1.html"), "{order:?}\n{said}");
    assert_eq!(order[1..], stored_order(clean.path()), "{said}");
    let check = ravenwire(data.path(), &["check", "--dry-run"]);
    assert!(stdout(&check).contains("healthy"), "{}", stdout(&check));
}
on_both!(pages_are_stored_in_the_queues_order_when_a_later_job_is_done_first);

fn a_stalled_worker_holds_back_the_others_only_until_their_lease_is_nearly_out() {
    use std::os::unix::process::ExitStatusExt;
    let server = HostileServer::start();
    let data = tempfile::tempdir().unwrap();
    let late = server.url("/late/1.html");
    let out = ravenwire(data.path(), &["enqueue", "--url", &late, pages().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The first job's worker stops (SIGSTOP) while it fetches: its job
    // stays running under its lease, and holds back the jobs behind it.
    let stalled = worker_claiming(
        data.path(),
        "stalled",
        "1",
        &["--allow-private-networks", "--no-lead", "--lease", "10"],
    );
    assert!(
        eventually(Duration::from_secs(30), || server.count("/late/1.html") > 0),
        "the first page is asked for\n{}",
        server.log()
    );
    let pid = stalled.id().to_string();
    assert!(Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    // The other worker waits 90% of its 5-second lease, then stores its
    // pages out of the queue's order and says so; once the stalled lease
    // runs out, it takes the first job too.
    let other = finished(
        worker_claiming(
            data.path(),
            "other",
            "100",
            &["--allow-private-networks", "--lease", "5"],
        ),
        "other",
    );
    let said = stderr(&other);
    let pages_count = stored_order(data.path()).len() - 1;
    assert!(
        said.contains(&format!("out of queue order {pages_count}")),
        "{pages_count} pages\n{said}"
    );
    let mut stalled = stalled;
    stalled.kill().unwrap();
    assert_eq!(stalled.wait().unwrap().signal(), Some(9));
    let order = stored_order(data.path());
    assert!(order.last().unwrap().ends_with("/page/1.html"), "{order:?}\n{said}");
    let mut distinct = order.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), order.len(), "a page stored twice: {order:?}");
    let check = ravenwire(data.path(), &["check", "--dry-run"]);
    assert!(stdout(&check).contains("healthy"), "{}", stdout(&check));
}
on_both!(a_stalled_worker_holds_back_the_others_only_until_their_lease_is_nearly_out);
