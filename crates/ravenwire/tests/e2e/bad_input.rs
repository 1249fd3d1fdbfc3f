//! Bad files get a clear error naming them, and nothing else is lost.

use crate::common::{fixtures, on_both, ravenwire, stderr, stdout};

fn bad_files_are_named_and_the_good_one_still_goes_in() {
    let dir = tempfile::tempdir().unwrap();
    let out = ravenwire(dir.path(), &["import", fixtures().join("bad").to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "a partial import exits 2: {err}");
    assert!(err.contains("imported 1, already known 0, failed 3"), "{err}");
    for name in ["empty.html", "corrupt.html.gz", "image.html"] {
        let line = err
            .lines()
            .find(|l| l.contains("failed:") && l.contains(name))
            .unwrap_or_else(|| panic!("no failure line names {name}: {err}"));
        let reason = line.rsplit(": ").next().unwrap();
        assert!(reason.len() > 5, "no reason given for {name}: {line}");
    }
    assert!(err.to_lowercase().contains("gzip"), "corrupt gzip not called so: {err}");

    let found = ravenwire(dir.path(), &["search", "--json", "marrowby"]);
    assert_eq!(stdout(&found).lines().count(), 1, "{}", stdout(&found));
}
on_both!(bad_files_are_named_and_the_good_one_still_goes_in);

#[test]
fn a_missing_path_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = ravenwire(dir.path(), &["import", "/no/such/place.html"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("/no/such/place.html"), "{}", stderr(&out));
}

#[test]
fn bad_pages_give_error_lines_in_extract_and_the_run_goes_on() {
    let out = ravenwire(
        std::path::Path::new("unused"),
        &["extract", "--jsonl", fixtures().join("bad").to_str().unwrap()],
    );
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    let errors = lines.iter().filter(|l| l.get("error").is_some()).count();
    assert_eq!(errors, 3, "{lines:?}");
    assert!(lines.iter().all(|l| l["path"].is_string()));
}

/// SQLite only: with a database named, any folder will do.
#[test]
fn searching_a_folder_with_no_data_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let out = ravenwire(&missing, &["search", "anything"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no ravenwire data in"), "{}", stderr(&out));
    assert!(!missing.exists(), "search must not create a data folder");
}
