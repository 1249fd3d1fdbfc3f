//! Random kills: an import of 60 generated pages killed with SIGKILL five times at seeded random moments (a timer, or a crash point with a random count), restarted each time, then run to the end, holds what a clean import holds: the same articles and content hashes, none twice, every one in a story and found by search under it, every one scanned for entities (on SQLite, with the links folded by entity every 8 articles matching the links), and the same stories.
//!
//! `bench/crash_kills.py` runs the same with 20 kills over about 2,000
//! pages. After each kill the store is checked (nothing stored before is
//! gone), and `check --dry-run` on the finished folder must find it healthy.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::common::backend::{database_env, database_url, TestStore};
use crate::common::{on_both, recovered, stderr, stdout};

/// SplitMix64: a small seeded generator, so that a failing sequence of
/// kills can be told by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const PLACES: [&str; 12] = [
    "Oskarvik",
    "Brekkestad",
    "Velmark",
    "Lindholm",
    "Farrowby",
    "Grisvold",
    "Hallorn",
    "Kestrup",
    "Marwick",
    "Nordale",
    "Pellham",
    "Saltmere",
];
const EVENTS: [(&str, &str); 12] = [
    (
        "ferry strike",
        "ferry crews walked out over pay and every crossing was cancelled",
    ),
    (
        "river flood",
        "the river burst its banks after a week of rain and the lower town was evacuated",
    ),
    (
        "warehouse fire",
        "a fire destroyed a warehouse of timber on the quay overnight",
    ),
    (
        "mayoral election",
        "voters chose a new mayor after a close count of the ballots",
    ),
    (
        "bridge closure",
        "inspectors found cracks in the old stone bridge and closed it to traffic",
    ),
    (
        "factory opening",
        "a battery factory opened with two hundred jobs on the old rail yard",
    ),
    (
        "comet sighting",
        "astronomers at the hill observatory tracked a bright comet at dawn",
    ),
    (
        "orchard frost",
        "a late frost blackened the apple blossom in the valley orchards",
    ),
    (
        "tram derailment",
        "a tram left the rails on the market square without injuring anyone",
    ),
    (
        "library reopening",
        "the library reopened under a new copper roof after two years of repairs",
    ),
    (
        "whale stranding",
        "a young whale stranded on the beach and volunteers kept it wet until high tide",
    ),
    (
        "water shortage",
        "the reservoir fell so low that the water company rationed supplies",
    ),
];
const OUTLETS: [&str; 5] = [
    "Coast Courier",
    "Fjord Post",
    "Valley Herald",
    "Morning Wire",
    "Harbour News",
];
const PEOPLE: [&str; 12] = [
    "Ana Ruiz",
    "Jon Keller",
    "Rita Coelho",
    "Ivo Brandt",
    "Mia Sollberg",
    "Tomas Reyes",
    "Eda Varga",
    "Lars Hovland",
    "Nils Aabye",
    "Greta Olsen",
    "Hugo Lind",
    "Sara Berge",
];

/// Twelve invented stories, five reports each from five outlets, their
/// reports interleaved in file order as a crawl would meet them.
fn write_pages(dir: &Path) {
    for (report, outlet) in OUTLETS.iter().enumerate().take(5) {
        for (s, (place, (event, what))) in PLACES.iter().zip(EVENTS).enumerate() {
            let person = PEOPLE[s];
            let host = outlet.to_lowercase().replace(' ', "-");
            let title = format!("{place} {event}: {person} speaks on day {}", report + 1);
            let text = format!(
                "<p>In {place}, {what}. {person}, who speaks for the {place} council, said on day {day} \
                 that the {event} would be discussed again.</p>\
                 <p>The {event} in {place} was the talk of the town, {outlet} reported, and {person} \
                 promised another statement. Fictional sample news for ravenwire tests.</p>",
                day = report + 1,
            );
            let html = format!(
                "<html lang=\"en\"><head><title>{title}</title>\
                 <link rel=\"canonical\" href=\"https://{host}.example.com/{s}/{report}\">\
                 <meta property=\"og:site_name\" content=\"{outlet}\">\
                 <meta property=\"article:published_time\" content=\"2025-06-{day:02}T{hour:02}:00:00Z\">\
                 </head><body><article><h1>{title}</h1>{text}</article></body></html>",
                day = 2 + report,
                hour = 6 + s,
            );
            std::fs::write(dir.join(format!("r{report}-s{s:02}.html")), html).unwrap();
        }
    }
}

fn command(data: &Path, input: &Path, crash_at: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
    database_env(&mut command, Some(data))
        .arg("--data")
        .arg(data)
        .arg("import")
        .arg(input)
        .env_remove("RAVENWIRE_DATA")
        .env_remove("RAVENWIRE_CRASH_AT")
        .env("RAVENWIRE_INDEX_BATCH", "4")
        .env("RAVENWIRE_ENTITY_FOLD", "8")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(point) = crash_at {
        command.env("RAVENWIRE_CRASH_AT", point);
    }
    command
}

/// Waits for `child`, sending it SIGKILL after `after` if it still runs.
fn wait_or_kill(mut child: Child, after: Duration) -> (ExitStatus, String) {
    let deadline = Instant::now() + after;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    if child.try_wait().unwrap().is_none() {
        // `Child::kill` is SIGKILL on Unix.
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
    (out.status, stderr(&out))
}

fn urls(data: &Path) -> BTreeSet<String> {
    if database_url(data).is_none() && !data.join("ravenwire.sqlite").exists() {
        return BTreeSet::new();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = TestStore::open(data).await;
        let all = store.articles_after(None, 1000).await.unwrap();
        store.close().await;
        let urls: BTreeSet<String> = all.iter().map(|a| a.canonical_url.clone()).collect();
        assert_eq!(urls.len(), all.len(), "a URL stored twice");
        urls
    })
}

/// On SQLite, the fold's mark, with the links folded by entity checked
/// against the links at or below it: each run folds every 8 articles
/// (`RAVENWIRE_ENTITY_FOLD`), so kills land before, inside and after folds.
fn folded_through(data: &Path, context: &str) -> Option<i64> {
    if database_url(data).is_some() || !data.join("ravenwire.sqlite").exists() {
        return None;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let TestStore::Sqlite(store) = TestStore::open(data).await else {
            unreachable!("no database URL: the store is SQLite");
        };
        let state = store.fold_state().await.unwrap();
        store.close().await;
        assert_eq!(state.disagreeing, 0, "{context}: folded entity links {state:?}");
        Some(state.through)
    })
}

/// Every stored article is found by a search for a word all pages share,
/// filed under the story the store gives it, and nothing else is.
fn assert_index_matches_store(data: &Path, context: &str) {
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
    let hits = index.search("fictional", 1000).unwrap();
    assert_eq!(hits.len(), articles.len(), "{context}: hits for a word on every page");
    for article in &articles {
        let hit = hits.iter().find(|h| h.id == article.id.0);
        let hit = hit.unwrap_or_else(|| panic!("{context}: article {} not found", article.canonical_url));
        assert_eq!(
            hit.story,
            article.story.map(|s| s.0),
            "{context}: {}",
            article.canonical_url
        );
    }
}

/// The crash points a run can be sent to, with how often a whole import
/// reaches them at most (per new article, per index commit, per run).
const POINTS: [(&str, u64); 7] = [
    ("before-store-commit", 60),
    ("after-store-commit", 60),
    ("after-placement", 60),
    ("before-index-commit", 16),
    ("after-index-commit", 16),
    ("before-snapshot-save", 1),
    ("after-snapshot-save", 1),
];

fn an_import_killed_five_times_at_random_then_finished_equals_a_clean_one() {
    let seed = std::env::var("RAVENWIRE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let mut rng = Rng(seed);
    let pages = tempfile::tempdir().unwrap();
    write_pages(pages.path());

    let clean_dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = command(clean_dir.path(), pages.path(), None).output().unwrap();
    let clean_time = started.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    let clean = recovered::read(clean_dir.path(), "clean import");
    assert_eq!(clean.articles.len(), 60);
    assert!(clean.articles.iter().all(|(_, _, placed)| *placed));
    assert!(clean.partition.len() >= 5, "{:?}", clean.partition);

    let data = tempfile::tempdir().unwrap();
    let data: PathBuf = data.path().to_path_buf();
    let mut kills = Vec::new();
    let mut stored = BTreeSet::new();
    let mut runs = 0;
    while kills.len() < 5 && runs < 25 {
        runs += 1;
        // Kills aim at the work that is left: a timer within the time the
        // remaining pages take, a crash point within their count (the
        // index points within their batches); once every page is stored,
        // only the snapshot save is left to hit.
        let remaining = 60 - urls(&data).len() as u64;
        let (status, err, what) = if remaining == 0 || rng.below(3) == 0 {
            let (name, most) = if remaining == 0 {
                POINTS[5 + rng.below(2) as usize]
            } else {
                POINTS[rng.below(POINTS.len() as u64) as usize]
            };
            let most = if most == 60 {
                remaining.max(1)
            } else if most == 16 {
                (remaining / 4).max(1)
            } else {
                most
            };
            let point = format!("{name}:{}", 1 + rng.below(most));
            let out = command(&data, pages.path(), Some(&point)).output().unwrap();
            (out.status, stderr(&out), point)
        } else {
            let after = clean_time.mul_f64(rng.unit() * remaining as f64 / 60.0);
            let child = command(&data, pages.path(), None).spawn().unwrap();
            let (status, err) = wait_or_kill(child, after);
            (status, err, format!("timer {after:?}"))
        };
        use std::os::unix::process::ExitStatusExt;
        let context = format!("seed {seed}, run {runs} ({what}), kills so far {kills:?}");
        if status.signal() == Some(9) {
            kills.push(what);
        } else {
            assert!(status.success(), "{context}: {status:?}\n{err}");
        }
        folded_through(&data, &context);
        let now = urls(&data);
        assert!(
            now.is_superset(&stored),
            "{context}: lost {:?}",
            stored.difference(&now).collect::<Vec<_>>()
        );
        stored = now;
    }
    assert_eq!(kills.len(), 5, "seed {seed}: {runs} runs, kills {kills:?}");

    let context = format!("seed {seed}, kills {kills:?}");
    let out = command(&data, pages.path(), None).output().unwrap();
    assert!(out.status.success(), "{context}: {}", stderr(&out));
    let after = recovered::read(&data, &context);
    assert_eq!(
        after.articles, clean.articles,
        "{context}: the store differs from a clean import"
    );
    assert_index_matches_store(&data, &context);
    if let Some(through) = folded_through(&data, &context) {
        assert_eq!(through, 56, "{context}: seven folds of 8 articles");
    }
    assert_eq!(
        after.partition, clean.partition,
        "{context}: the stories differ from a clean import"
    );
    assert_eq!(
        after.entities, clean.entities,
        "{context}: the stories' entities differ"
    );

    let check = crate::common::ravenwire(&data, &["check", "--dry-run"]);
    assert!(check.status.success(), "{context}: {}", stdout(&check));
    assert!(stdout(&check).contains("healthy"), "{context}: {}", stdout(&check));
    // The snapshot has seen every article: up to the index's mark, the
    // highest article id. That is 60 on SQLite; PostgreSQL may skip an id
    // that a killed insert had drawn from its sequence.
    let report = stdout(&check);
    let mark = report
        .split("mark ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse::<i64>().ok())
        .unwrap_or_else(|| panic!("{context}: no index mark in {report}"));
    assert!(mark >= 60, "{context}: {report}");
    assert!(
        report.contains(&format!("snapshot: loads, has seen articles up to {mark}")),
        "{context}: {report}"
    );
}
on_both!(an_import_killed_five_times_at_random_then_finished_equals_a_clean_one);
