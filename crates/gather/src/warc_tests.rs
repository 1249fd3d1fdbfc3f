//! Tests of the WARC reader and of the pages it yields, on archives written
//! here record by record.

use std::fs;
use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::*;
use crate::input::{read_input, Input, InputKind};

fn record(kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{kind}-{}>\r\n\
         WARC-Date: 2024-03-05T10:20:30Z\r\nWARC-Target-URI: {uri}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        uri.len(),
        block.len()
    )
    .into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

fn http(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n{headers}\r\n").into_bytes();
    out.extend_from_slice(body);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

const HTTP_MSG: &str = "application/http; msgtype=response";

/// An archive as a crawler writes it: warcinfo, then request/response
/// pairs, with pages, an image, an error page, a revisit and metadata.
fn sample_records() -> Vec<Vec<u8>> {
    let chunked_gzip_body = {
        let zipped = gzip("<html><p>zipped and chunked</p></html>".as_bytes());
        let (first, second) = zipped.split_at(10);
        let mut body = format!("{:x}\r\n", first.len()).into_bytes();
        body.extend_from_slice(first);
        body.extend_from_slice(format!("\r\n{:x};ext=1\r\n", second.len()).as_bytes());
        body.extend_from_slice(second);
        body.extend_from_slice(b"\r\n0\r\n\r\n");
        body
    };
    vec![
        record("warcinfo", "", "application/warc-fields", b"software: test\r\n"),
        record(
            "request",
            "https://news.example/a",
            "application/http; msgtype=request",
            b"GET /a HTTP/1.1\r\nHost: news.example\r\n\r\n",
        ),
        record(
            "response",
            "https://news.example/a",
            HTTP_MSG,
            &http(
                "200 OK",
                "Content-Type: text/html; charset=ISO-8859-1\r\n",
                b"<html><p>caf\xe9</p></html>",
            ),
        ),
        record(
            "response",
            "https://news.example/logo.png",
            HTTP_MSG,
            &http("200 OK", "Content-Type: image/png\r\n", b"\x89PNG\r\n\x1a\n"),
        ),
        record(
            "response",
            "https://news.example/gone",
            HTTP_MSG,
            &http("404 Not Found", "Content-Type: text/html\r\n", b"<p>gone</p>"),
        ),
        record(
            "revisit",
            "https://news.example/a",
            HTTP_MSG,
            &http("200 OK", "Content-Type: text/html\r\n", b""),
        ),
        record(
            "metadata",
            "https://news.example/a",
            "application/warc-fields",
            b"via: x\r\n",
        ),
        record(
            "resource",
            "<https://news.example/saved>",
            "text/html; charset=utf-8",
            b"<p>saved copy</p>",
        ),
        record(
            "response",
            "https://news.example/b",
            HTTP_MSG,
            &http(
                "200 OK",
                "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
                &chunked_gzip_body,
            ),
        ),
    ]
}

fn read_all(path: &std::path::Path, kind: InputKind) -> Vec<Result<Page>> {
    read_input(&Input {
        path: path.to_path_buf(),
        kind,
    })
    .collect()
}

/// origin, url, body, charset, status
type PageSummary<'a> = (&'a str, Option<&'a str>, &'a [u8], Option<&'a str>, Option<u16>);

fn check_sample_pages(pages: Vec<Result<Page>>, origin: &str) {
    let pages: Vec<Page> = pages.into_iter().map(|p| p.unwrap()).collect();
    let summary: Vec<PageSummary> = pages
        .iter()
        .map(|p| {
            (
                p.origin.as_str(),
                p.url.as_deref(),
                p.body.as_slice(),
                p.charset.as_deref(),
                p.status,
            )
        })
        .collect();
    let names: Vec<String> = [3, 8, 9].iter().map(|n| format!("{origin}#record-{n}")).collect();
    assert_eq!(
        summary,
        vec![
            (
                names[0].as_str(),
                Some("https://news.example/a"),
                &b"<html><p>caf\xe9</p></html>"[..],
                Some("iso-8859-1"),
                Some(200)
            ),
            (
                names[1].as_str(),
                Some("https://news.example/saved"),
                &b"<p>saved copy</p>"[..],
                Some("utf-8"),
                None
            ),
            (
                names[2].as_str(),
                Some("https://news.example/b"),
                &b"<html><p>zipped and chunked</p></html>"[..],
                None,
                Some(200)
            ),
        ]
    );
    let date = pages[0].fetched_at.unwrap();
    assert_eq!(date.to_rfc3339(), "2024-03-05T10:20:30+00:00");
}

#[test]
fn plain_warc_yields_exactly_the_html_pages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crawl.warc");
    fs::write(&path, sample_records().concat()).unwrap();
    check_sample_pages(read_all(&path, InputKind::Warc), &path.display().to_string());
}

#[test]
fn gzipped_warc_with_one_member_per_record_yields_the_same_pages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crawl.warc.gz");
    let members: Vec<Vec<u8>> = sample_records().iter().map(|r| gzip(r)).collect();
    fs::write(&path, members.concat()).unwrap();
    check_sample_pages(read_all(&path, InputKind::WarcGz), &path.display().to_string());
}

#[test]
fn truncated_warc_yields_the_pages_before_the_damage_then_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.warc");
    let records = sample_records();
    let mut bytes = records[..3].concat();
    bytes.extend_from_slice(&records[3][..records[3].len() / 2]);
    fs::write(&path, &bytes).unwrap();
    let items = read_all(&path, InputKind::Warc);
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(
        items[0].as_ref().unwrap().url.as_deref(),
        Some("https://news.example/a")
    );
    let error = items[1].as_ref().unwrap_err();
    assert!(matches!(error, Error::TruncatedWarc { .. }), "{error}");
    assert!(error.to_string().contains("cut.warc#record-4"), "{error}");

    // Cut inside a gzip member: the decoder reports the damage.
    let gz_path = dir.path().join("cut.warc.gz");
    let mut gz_bytes: Vec<u8> = records[..3].iter().flat_map(|r| gzip(r)).collect();
    let next = gzip(&records[3]);
    gz_bytes.extend_from_slice(&next[..next.len() / 2]);
    fs::write(&gz_path, &gz_bytes).unwrap();
    let items = read_all(&gz_path, InputKind::WarcGz);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].is_ok());
    assert!(items[1].as_ref().unwrap_err().to_string().contains("cut.warc.gz"));
}

#[test]
fn garbage_instead_of_a_record_is_one_error() {
    let mut bytes = sample_records()[2].clone();
    bytes.extend_from_slice(b"this is not a WARC record\r\n");
    let items: Vec<_> = pages_from_warc(WarcReader::new(&bytes[..], "junk.warc", false)).collect();
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    let message = items[1].as_ref().unwrap_err().to_string();
    assert!(message.starts_with("junk.warc#record-2: malformed WARC"), "{message}");
}

#[test]
fn an_oversized_record_is_skipped_and_reading_goes_on() {
    let big = record("resource", "https://x.example/big", "text/html", &[b'a'; 500]);
    let small = record("resource", "https://x.example/small", "text/html", b"<p>ok</p>");
    let bytes = [big, small].concat();
    let reader = WarcReader::new(&bytes[..], "big.warc", false).max_block_bytes(100);
    let items: Vec<_> = reader.collect();
    assert_eq!(items.len(), 2);
    assert!(matches!(items[0], Err(Error::TooLarge { limit: 100, .. })));
    assert_eq!(items[1].as_ref().unwrap().block, b"<p>ok</p>");
}

#[test]
fn warc_1_0_headers_with_continuation_lines_are_read() {
    let bytes = b"WARC/1.0\r\nWARC-Type: resource\r\nX-Note: first\r\n  second\r\n\
        content-length: 3\r\n\r\nabc\r\n\r\n";
    let records: Vec<_> = WarcReader::new(&bytes[..], "old.warc", false).collect();
    let record = records[0].as_ref().unwrap();
    assert_eq!(record.header("x-note"), Some("first second"));
    assert_eq!(record.block, b"abc");
    assert_eq!(records.len(), 1);
}
