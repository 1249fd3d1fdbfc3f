//! The `cluster --jsonl` contract that benchmarks rely on: one
//! `{id, cluster, copy_of, redated}` line per document.

use std::path::PathBuf;

use crate::common::{ravenwire, stdout};
use serde_json::{json, Value};

const FERRY: &str = "The night ferry between Kelsport and the Orrin islands ran aground on a sandbar \
    outside the harbour on Tuesday, and all 214 passengers were taken off by lifeboats before dawn. \
    The harbour master said the channel had silted up after the autumn storms and that dredging, \
    promised two years ago, had never started. The operator suspended the route until divers have \
    checked the hull, and islanders who commute to the mainland hospital were offered seats on the \
    morning seaplane instead.";

const ORCHARD: &str = "Apple growers in the Tallis valley expect the smallest harvest in a decade \
    after a late frost in April killed most of the blossom, the growers' cooperative said. Cider \
    makers are buying fruit from abroad for the first time, and the cooperative asked the regional \
    council for help with the cost of frost fans, which only a few orchards can afford.";

fn write_stream(name: &str, docs: &[Value]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ravenwire-cluster-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stream.jsonl");
    let text: String = docs.iter().map(|d| format!("{d}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path
}

fn cluster(path: &std::path::Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["cluster", "--jsonl", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = ravenwire(std::path::Path::new("unused"), &args);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The stream meets a mirror and a much later re-post before the wire
/// original they copy, as a crawl in file-name order does.
fn copies_before_their_original() -> Vec<Value> {
    vec![
        json!({"id": "mirror", "text": FERRY, "published": "2025-11-04T09:00:00Z", "source": "mirror"}),
        json!({"id": "orchard", "title": "Frost cuts apple harvest", "text": ORCHARD, "published": "2025-11-04"}),
        json!({"id": "repost", "text": FERRY, "published": "2026-09-30T08:00:00Z", "source": "farm"}),
        json!({"id": "wire", "title": "Ferry runs aground", "text": FERRY, "published": "2025-11-04T06:30:00Z", "source": "wire"}),
    ]
}

#[test]
fn final_verdicts_name_an_original_that_arrived_after_its_copies() {
    let path = write_stream("final", &copies_before_their_original());
    let lines = cluster(&path, &[]);
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["mirror", "orchard", "repost", "wire"],
        "one line per input, in input order"
    );
    for line in &lines {
        for field in ["id", "cluster", "copy_of", "redated"] {
            assert!(line.get(field).is_some(), "{field} missing: {line}");
        }
    }
    let by_id = |id: &str| lines.iter().find(|l| l["id"] == id).unwrap();
    assert_eq!(by_id("mirror")["copy_of"], "wire");
    assert_eq!(by_id("mirror")["redated"], false);
    assert_eq!(by_id("repost")["copy_of"], "wire");
    assert_eq!(by_id("repost")["redated"], true);
    assert_eq!(by_id("wire")["copy_of"], Value::Null);
    assert_eq!(by_id("wire")["cluster"], by_id("mirror")["cluster"]);
    assert_ne!(by_id("orchard")["cluster"], by_id("wire")["cluster"]);
}

#[test]
fn streamed_verdicts_repeat_a_revised_document_on_a_later_line() {
    let path = write_stream("stream", &copies_before_their_original());
    let lines = cluster(&path, &["--stream"]);
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(&ids[..4], ["mirror", "orchard", "repost", "wire"]);
    assert_eq!(
        lines[0]["copy_of"],
        Value::Null,
        "at arrival the mirror is the first seen"
    );
    assert_eq!(lines[2]["copy_of"], "mirror");
    let mut revised: Vec<&Value> = lines[4..].iter().collect();
    revised.sort_by_key(|l| l["id"].as_str().unwrap().to_string());
    assert_eq!(revised.len(), 2, "{lines:?}");
    assert_eq!(revised[0]["id"], "mirror");
    assert_eq!(revised[0]["copy_of"], "wire");
    assert_eq!(revised[1]["id"], "repost");
    assert_eq!(revised[1]["redated"], true);
}

#[test]
fn a_line_that_is_not_json_is_named_in_the_error() {
    let dir = std::env::temp_dir().join(format!("ravenwire-cluster-cli-{}-bad", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.jsonl");
    std::fs::write(&path, "{\"id\": \"a\", \"text\": \"fine\"}\n{not json\n").unwrap();
    let out = ravenwire(
        std::path::Path::new("unused"),
        &["cluster", "--jsonl", path.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = crate::common::stderr(&out);
    assert!(err.contains("line 2") && err.contains("bad.jsonl"), "{err}");
}
