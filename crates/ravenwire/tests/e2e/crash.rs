//! Crash tests: an import killed at the moments that matter (around the store commit, the index commit and the snapshot save), then run to the end, leaves the same store as a clean import, with every article in a story and found by search.
//!
//! The child dies by `RAVENWIRE_CRASH_AT=POINT:N`, a test-only variable
//! that makes the pipeline send itself SIGKILL (no unwinding, no
//! destructors, exactly as `kill -9`) the Nth time it reaches POINT; `RAVENWIRE_INDEX_BATCH=3`
//! makes a small input commit the index several times.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::backend::{database_env, TestStore};
use crate::common::{fixtures, on_both, stderr, stdout};

/// Reports of two look-alike ferry strikes in two ports, interleaved, so
/// that the story engine splits a story in review and moves articles, and
/// a few unrelated pages.
fn write_pages(dir: &Path) {
    let oskarvik = [
        "Ferry crews in Oskarvik walked out over pay on Monday, and Fjord Line cancelled every crossing \
         to the islands. The Sjomann union said its members in Oskarvik would stay out until Fjord Line \
         improved its offer.",
        "Islanders near Oskarvik queued for water taxis after the ferry strike halted Fjord Line \
         crossings. Sjomann officials met Fjord Line managers in Oskarvik but left without a deal on pay.",
        "Fjord Line offered refunds to passengers stranded in Oskarvik as the strike by Sjomann members \
         entered its second day. Shops on the islands warned that fresh food was running short.",
        "A mediator joined talks between Fjord Line and the Sjomann union in Oskarvik, where striking \
         ferry crews picketed the quay. Crossings to the islands remained cancelled.",
        "Sjomann members voted in Oskarvik on the pay offer Fjord Line made after the mediator's talks. \
         Islanders hoped the strike would end before the weekend.",
    ];
    let brekkestad = [
        "Ferry workers in Brekkestad went on strike over wages, and Nordferje called off its crossings \
         to the islands. Havlag, the crews' union, said the strike in Brekkestad would last until \
         Nordferje raised pay.",
        "Lorries waited overnight on the Brekkestad quay after the Nordferje ferry strike stopped \
         crossings. Havlag negotiators walked out of talks with Nordferje managers.",
        "Nordferje promised refunds to travellers stuck in Brekkestad as Havlag crews kept up their \
         strike. The county asked for landing craft to carry supplies to the islands.",
        "Tourists stranded in Brekkestad hotels waited for news as Havlag and Nordferje resumed talks. \
         Striking ferry crews gathered on the quay.",
        "Nordferje and Havlag reached a tentative deal in Brekkestad late on Thursday, though crews said \
         they would read the wage terms before returning.",
    ];
    let mut n = 0;
    let mut write = |title: String, day: usize, text: &str| {
        let html = format!(
            "<html><head><title>{title}</title>\
             <meta property=\"article:published_time\" content=\"2025-03-{day:02}T08:00:00Z\"></head>\
             <body><article><h1>{title}</h1><p>{text}</p>\
             <p>Fictional sample news for ravenwire tests.</p></article></body></html>"
        );
        std::fs::write(dir.join(format!("page{n:02}.html")), html).unwrap();
        n += 1;
    };
    for (i, (a, b)) in oskarvik.iter().zip(&brekkestad).enumerate() {
        write(format!("Oskarvik ferry strike day {}", i + 1), i + 1, a);
        write(format!("Brekkestad ferry strike day {}", i + 1), i + 1, b);
    }
    for (i, topic) in ["orchard frost", "library roof", "tram timetable", "harbour dredging"]
        .iter()
        .enumerate()
    {
        write(
            format!("Velmark {topic} report"),
            20 + i,
            &format!(
                "The council of Velmark discussed the {topic} on Tuesday. Residents asked questions \
                 about the {topic} and the council promised an answer within a month."
            ),
        );
    }
}

struct Input {
    _dir: tempfile::TempDir,
    paths: Vec<PathBuf>,
}

fn input() -> Input {
    let dir = tempfile::tempdir().unwrap();
    write_pages(dir.path());
    Input {
        paths: vec![fixtures().join("pages"), dir.path().to_path_buf()],
        _dir: dir,
    }
}

/// `ravenwire import` of `input` into `data`, crashing at `crash_at` if set.
fn import(data: &Path, input: &Input, crash_at: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
    database_env(&mut command, Some(data))
        .arg("--data")
        .arg(data)
        .arg("import")
        .args(&input.paths)
        .env_remove("RAVENWIRE_DATA")
        .env_remove("RAVENWIRE_CRASH_AT")
        .env("RAVENWIRE_INDEX_BATCH", "3");
    if let Some(point) = crash_at {
        command.env("RAVENWIRE_CRASH_AT", point);
    }
    command.output().expect("the ravenwire binary runs")
}

/// What a store holds, in an order that does not depend on the run:
/// (canonical URL, content hash, in a story).
fn contents(data: &Path) -> Vec<(String, String, bool)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = TestStore::open(data).await;
        let mut rows = Vec::new();
        let mut after = None;
        loop {
            let page = store.articles_after(after, 100).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            rows.extend(
                page.into_iter()
                    .map(|a| (a.canonical_url, a.content_hash, a.story.is_some())),
            );
        }
        store.close().await;
        rows.sort();
        rows
    })
}

/// Every stored article is found by a search for its title, under the
/// story the store gives it.
fn assert_all_found(data: &Path, context: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let articles = runtime.block_on(async {
        let store = TestStore::open(data).await;
        let all = store.articles_after(None, 1000).await.unwrap();
        store.close().await;
        all
    });
    let index = index::SearchIndex::open(&data.join("index")).unwrap();
    assert_eq!(index.len().unwrap(), articles.len() as u64, "{context}: index size");
    for article in articles {
        let title = article.article.title.clone().unwrap_or_default();
        let words: String = title
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let hits = index.search(&format!("\"{}\"", words.trim()), 100).unwrap();
        let hit = hits.iter().find(|h| h.id == article.id.0);
        let hit = hit.unwrap_or_else(|| panic!("{context}: article {} ({title}) not found", article.id));
        assert_eq!(
            hit.story,
            article.story.map(|s| s.0),
            "{context}: story of {title} in the index"
        );
    }
}

fn assert_crashed(out: &Output, point: &str) {
    use std::os::unix::process::ExitStatusExt;
    assert!(
        out.status.signal() == Some(9),
        "{point}: the import should have died by SIGKILL, got {:?}\n{}",
        out.status,
        stderr(out)
    );
    assert!(stderr(out).contains("crashing at"), "{point}: {}", stderr(out));
}

/// Crashes an import into a fresh data folder at each of `points` in turn,
/// then runs it to the end, and compares with `clean`.
fn crash_then_finish(input: &Input, clean: &[(String, String, bool)], points: &[&str]) {
    let data = tempfile::tempdir().unwrap();
    let context = points.join(", ");
    for point in points {
        assert_crashed(&import(data.path(), input, Some(point)), point);
    }
    let out = import(data.path(), input, None);
    assert!(out.status.success(), "{context}: {}", stderr(&out));
    assert!(stderr(&out).contains("failed 0"), "{context}: {}", stderr(&out));
    assert_eq!(
        contents(data.path()),
        clean,
        "{context}: the store differs from a clean import"
    );
    assert_all_found(data.path(), &context);
    // Every article was scanned for entities, and each story's entities are
    // those its members' texts name: a scan the crash cut off was redone.
    let recovered = crate::common::recovered::read(data.path(), &context);
    assert_eq!(recovered.articles, clean, "{context}");

    let check = crate::common::ravenwire(data.path(), &["check", "--dry-run"]);
    assert!(check.status.success(), "{context}: {}", stdout(&check));
    assert!(stdout(&check).contains("healthy"), "{context}: {}", stdout(&check));
}

fn clean_import(input: &Input) -> Vec<(String, String, bool)> {
    let data = tempfile::tempdir().unwrap();
    let out = import(data.path(), input, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let clean = contents(data.path());
    assert!(clean.len() > 15, "{clean:?}");
    assert!(clean.iter().all(|(_, _, placed)| *placed));
    assert_all_found(data.path(), "clean import");
    crate::common::recovered::read(data.path(), "clean import");
    clean
}

fn an_import_killed_around_the_store_commit_loses_nothing() {
    let input = input();
    let clean = clean_import(&input);
    crash_then_finish(&input, &clean, &["before-store-commit:5"]);
    // Stored in no story: the next run places it.
    crash_then_finish(&input, &clean, &["after-store-commit:7"]);
    crash_then_finish(&input, &clean, &["after-placement:4"]);
}
on_both!(an_import_killed_around_the_store_commit_loses_nothing);

fn an_import_killed_around_the_index_commit_loses_nothing() {
    let input = input();
    let clean = clean_import(&input);
    crash_then_finish(&input, &clean, &["before-index-commit:2"]);
    // Committed to the index, with moves still queued in the store.
    crash_then_finish(&input, &clean, &["after-index-commit:3"]);
}
on_both!(an_import_killed_around_the_index_commit_loses_nothing);

fn an_import_killed_around_the_snapshot_save_loses_nothing() {
    let input = input();
    let clean = clean_import(&input);
    crash_then_finish(&input, &clean, &["before-snapshot-save:1"]);
    crash_then_finish(&input, &clean, &["after-snapshot-save:1"]);
}
on_both!(an_import_killed_around_the_snapshot_save_loses_nothing);

fn an_import_killed_three_times_then_run_to_the_end_loses_nothing() {
    let input = input();
    let clean = clean_import(&input);
    crash_then_finish(
        &input,
        &clean,
        &["after-index-commit:2", "after-store-commit:3", "before-index-commit:1"],
    );
}
on_both!(an_import_killed_three_times_then_run_to_the_end_loses_nothing);

fn check_finds_what_a_crash_left_and_repairs_it() {
    let input = input();
    let data = tempfile::tempdir().unwrap();
    // Stored in no story, and a batch of placed articles not indexed.
    assert_crashed(
        &import(data.path(), &input, Some("after-store-commit:8")),
        "after-store-commit:8",
    );
    std::fs::write(data.path().join("story-engine.snapshot"), b"half a snapshot").unwrap();

    let dry = crate::common::ravenwire(data.path(), &["check", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(1), "{}", stdout(&dry));
    assert!(stdout(&dry).contains("1 articles in no story"), "{}", stdout(&dry));
    assert!(stdout(&dry).contains("snapshot: unusable"), "{}", stdout(&dry));

    let check = crate::common::ravenwire(data.path(), &["check"]);
    let report = stdout(&check);
    assert!(check.status.success(), "{report}\n{}", stderr(&check));
    assert!(report.contains("removed the unusable snapshot"), "{report}");
    assert!(report.contains("placed 1 articles"), "{report}");
    assert!(report.contains("repaired"), "{report}");
    assert_all_found(data.path(), "after check");
    // The article the crash left unscanned has its entities now.
    crate::common::recovered::read(data.path(), "after check");

    let again = crate::common::ravenwire(data.path(), &["check"]);
    assert!(again.status.success());
    assert!(stdout(&again).contains("healthy"), "{}", stdout(&again));
}
on_both!(check_finds_what_a_crash_left_and_repairs_it);
