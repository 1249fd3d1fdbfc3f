//! An index written by a version with other fields is derived state: the
//! next ingest sets it aside and rebuilds it from the store by itself.

use crate::common::{fixtures, ravenwire, stderr, stdout};

/// Rewrites the index's `meta.json` as the version before word pairs wrote
/// it: the same fields less `title_pairs` and `text_pairs`.
fn make_index_look_older(index: &std::path::Path) {
    let meta = index.join("meta.json");
    let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&meta).unwrap()).unwrap();
    let fields = json["schema"].as_array_mut().expect("the schema is a list of fields");
    let before = fields.len();
    fields.retain(|field| !field["name"].as_str().unwrap_or_default().ends_with("_pairs"));
    assert_eq!(fields.len(), before - 2, "the index has the two pair fields");
    std::fs::write(&meta, serde_json::to_string(&json).unwrap()).unwrap();
}

#[test]
fn an_index_from_an_earlier_version_is_rebuilt_by_the_next_import() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pages = fixtures().join("pages");
    let out = ravenwire(&data, &["import", pages.to_str().unwrap()]);
    assert!(out.status.success(), "import failed: {}", stderr(&out));
    make_index_look_older(&data.join("index"));

    let out = ravenwire(&data, &["import", pages.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "import over the old index failed: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("written by another ravenwire version"),
        "the rebuild is announced: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("already known 6"), "{}", stderr(&out));
    assert!(!data.join("index.other-version").exists(), "the old index is removed");

    let search = ravenwire(&data, &["search", "--json", "--limit", "20", "velmora"]);
    assert!(search.status.success(), "{}", stderr(&search));
    assert_eq!(stdout(&search).lines().count(), 3, "{}", stdout(&search));
    let phrase = ravenwire(&data, &["search", "--json", "--limit", "20", "\"velmora\""]);
    assert_eq!(stdout(&phrase).lines().count(), 3);
}
