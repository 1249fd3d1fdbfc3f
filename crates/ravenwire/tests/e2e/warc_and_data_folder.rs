//! WARC archives import end to end, and the data folder can be named before
//! or after the command, or through `RAVENWIRE_DATA`.

use std::io::Write;
use std::process::Command;

use crate::common::backend::DATABASE_VARIABLE;
use crate::common::{fixtures, on_both, ravenwire, stderr, stdout};

/// One gzip member per record, as crawlers write them.
fn warc_record(kind: &str, uri: &str, block: &[u8], extra: &str) -> Vec<u8> {
    let mut record = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2025-03-06T10:00:00Z\r\n\
         WARC-Record-ID: <urn:uuid:{}>\r\n{extra}Content-Length: {}\r\n\r\n",
        uri.len(),
        block.len()
    )
    .into_bytes();
    record.extend_from_slice(block);
    record.extend_from_slice(b"\r\n\r\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&record).unwrap();
    gz.finish().unwrap()
}

fn http_response(body: &[u8], content_type: &str) -> Vec<u8> {
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(body);
    response
}

fn a_warc_archive_imports_its_html_responses_only() {
    let pages = fixtures().join("pages");
    let courier = std::fs::read(pages.join("coastline-courier-velmora-cranes.html")).unwrap();
    let chronicle = std::fs::read(pages.join("northbridge-chronicle-comet-ashgrove.html")).unwrap();
    let mut archive = Vec::new();
    archive.extend(warc_record(
        "warcinfo",
        "",
        b"software: test\r\n",
        "Content-Type: application/warc-fields\r\n",
    ));
    archive.extend(warc_record(
        "request",
        "https://coastline-courier.example.com/a",
        b"GET /a HTTP/1.1\r\n\r\n",
        "Content-Type: application/http; msgtype=request\r\n",
    ));
    for (uri, body) in [
        ("https://coastline-courier.example.com/a", &courier),
        ("https://northbridge-chronicle.example.com/b", &chronicle),
    ] {
        archive.extend(warc_record(
            "response",
            uri,
            &http_response(body, "text/html; charset=utf-8"),
            "Content-Type: application/http; msgtype=response\r\n",
        ));
    }
    archive.extend(warc_record(
        "response",
        "https://coastline-courier.example.com/logo.png",
        &http_response(b"\x89PNG\r\n\x1a\n", "image/png"),
        "Content-Type: application/http; msgtype=response\r\n",
    ));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crawl.warc.gz");
    std::fs::write(&path, archive).unwrap();
    let data = dir.path().join("data");
    let out = ravenwire(&data, &["import", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("imported 2, already known 0, failed 0"),
        "{}",
        stderr(&out)
    );
    let found = ravenwire(&data, &["search", "--json", "velmora OR ashgrove"]);
    assert_eq!(stdout(&found).lines().count(), 2);
}
on_both!(a_warc_archive_imports_its_html_responses_only);

/// SQLite only: the folder holds the store.
#[test]
fn the_data_folder_flag_goes_before_or_after_the_command_or_in_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let good = fixtures().join("bad/good.html");
    let bin = env!("CARGO_BIN_EXE_ravenwire");

    let after = dir.path().join("after");
    let out = Command::new(bin)
        .args(["import", good.to_str().unwrap(), "--data", after.to_str().unwrap()])
        .env_remove(DATABASE_VARIABLE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(after.join("ravenwire.sqlite").exists());

    let from_env = dir.path().join("env");
    let out = Command::new(bin)
        .args(["import", good.to_str().unwrap()])
        .env("RAVENWIRE_DATA", &from_env)
        .env_remove(DATABASE_VARIABLE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let found = Command::new(bin)
        .args(["search", "--json", "marrowby"])
        .env("RAVENWIRE_DATA", &from_env)
        .env_remove(DATABASE_VARIABLE)
        .output()
        .unwrap();
    assert_eq!(stdout(&found).lines().count(), 1);
}
