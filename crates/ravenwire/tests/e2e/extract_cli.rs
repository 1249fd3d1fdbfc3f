//! The `extract --jsonl` contract that benchmarks rely on.

use crate::common::{fixtures, ravenwire, stdout};
use serde_json::Value;

fn extract(path: &std::path::Path) -> Vec<Value> {
    let out = ravenwire(
        std::path::Path::new("unused"),
        &["extract", "--jsonl", path.to_str().unwrap()],
    );
    assert!(out.status.success());
    stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn folders_are_read_recursively_in_sorted_order_with_every_field() {
    let lines = extract(&fixtures().join("pages"));
    assert_eq!(lines.len(), 6);
    let paths: Vec<&str> = lines.iter().map(|l| l["path"].as_str().unwrap()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert!(paths[0].ends_with("archive/2025/valley-sentinel-comet-ashgrove.html.gz"));
    for line in &lines {
        for field in [
            "path",
            "url",
            "title",
            "text",
            "published",
            "authors",
            "language",
            "site_name",
        ] {
            assert!(line.get(field).is_some(), "{field} missing: {line}");
        }
    }
    let courier = lines
        .iter()
        .find(|l| l["path"].as_str().unwrap().contains("coastline-courier"))
        .unwrap();
    assert_eq!(courier["title"], "Harbour cranes halted in Velmora strike");
    assert!(courier["published"].as_str().unwrap().starts_with("2025-03-04"));
    assert_eq!(courier["site_name"], "Coastline Courier");
    assert_eq!(courier["language"], "en");
}

#[test]
fn see_also_boxes_inside_the_body_are_dropped() {
    for line in extract(&fixtures().join("pages")) {
        let path = line["path"].as_str().unwrap();
        if path.contains("northbridge") || path.contains("valley-sentinel") {
            let text = line["text"].as_str().unwrap();
            assert!(!text.contains("Brindlemoor"), "{path} kept its See also box: {text}");
        }
    }
}

#[test]
fn windows_1252_pages_decode_without_mojibake() {
    let lines = extract(&fixtures().join("windows-1252.html"));
    let text = lines[0]["text"].as_str().unwrap();
    assert!(text.contains("Großhausen"), "{text}");
    assert!(text.contains("9,50 €"), "{text}");
    assert!(!text.contains('\u{FFFD}'));
}
