//! Imports the shared extraction benchmark pages and checks that search
//! finds them. The pages live in `../shared` beside the repository: CI
//! always has it, so there (`CI` set) a missing folder fails the test; on a
//! machine without it the test says it was skipped.

use std::path::PathBuf;

use crate::common::{ravenwire, stderr, stdout};

#[test]
fn the_shared_extraction_pages_import_and_are_found() {
    let pages = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/extraction/html");
    if !pages.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing: CI must run with ../shared beside the repository",
            pages.display()
        );
        eprintln!("skipped: {} is not here (outside CI)", pages.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = ravenwire(dir.path(), &["import", pages.to_str().unwrap()]);
    let err = stderr(&out);
    let imported: u64 = err
        .split("imported ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary: {err}"));
    assert!(imported >= 170, "only {imported} of 181 pages imported: {err}");

    // Phrases from the gold bodies find their pages.
    let gold: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pages.join("../ground-truth.json")).unwrap()).unwrap();
    let mut tried = 0;
    let mut found = 0;
    for entry in gold.as_object().unwrap().values().take(20) {
        let body = entry["articleBody"].as_str().unwrap_or_default();
        // Four consecutive plain words, so the phrase is in the text as is.
        let all: Vec<&str> = body.split_whitespace().collect();
        let Some(words) = all
            .windows(4)
            .find(|w| w.iter().all(|w| w.chars().all(char::is_alphanumeric)))
        else {
            continue;
        };
        tried += 1;
        let query = format!("\"{}\"", words.join(" "));
        let out = ravenwire(dir.path(), &["search", "--json", &query]);
        if !stdout(&out).trim().is_empty() {
            found += 1;
        }
    }
    assert!(
        tried >= 10 && found * 10 >= tried * 8,
        "found {found} of {tried} phrases"
    );
}
