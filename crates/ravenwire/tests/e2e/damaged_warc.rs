//! A damaged WARC archive imports end to end: the damaged records are
//! counted as failures and every record after them still goes in.

use std::io::Write;

use crate::common::{fixtures, on_both, ravenwire, stderr};

/// One gzip member holding a response record for `body`; `length` overrides
/// the Content-Length to make a short record.
fn member(uri: &str, body: &[u8], length: Option<usize>) -> Vec<u8> {
    let mut block = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    block.extend_from_slice(body);
    let mut record = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2025-03-06T10:00:00Z\r\n\
         Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        length.unwrap_or(block.len())
    )
    .into_bytes();
    record.extend_from_slice(&block);
    record.extend_from_slice(b"\r\n\r\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&record).unwrap();
    gz.finish().unwrap()
}

fn a_damaged_warc_imports_every_record_after_the_damage() {
    let pages = fixtures().join("pages");
    let read = |name: &str| std::fs::read(pages.join(name)).unwrap();
    let mut broken = member(
        "https://bayside.example.com/x",
        &read("bayside-bulletin-velmora-cranes.html"),
        None,
    );
    let middle = broken.len() / 2;
    broken[middle..middle + 16].iter_mut().for_each(|b| *b ^= 0x5a);
    let courier = read("coastline-courier-velmora-cranes.html");
    let archive = [
        member("https://coastline-courier.example.com/a", &courier, None),
        broken,
        member(
            "https://northbridge-chronicle.example.com/b",
            &read("northbridge-chronicle-comet-ashgrove.html"),
            None,
        ),
        // A short record: its Content-Length promises 5000 bytes more than it holds.
        member(
            "https://newsflow-hub.example.com/c",
            &read("newsflow-hub-velmora-cranes.html"),
            Some(courier.len() + 5000),
        ),
        member(
            "https://tagespost-ost.example.com/d",
            &read("tagespost-ost-komet-ashgrove.html"),
            None,
        ),
    ]
    .concat();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.warc.gz");
    std::fs::write(&path, archive).unwrap();
    let data = dir.path().join("data");
    let out = ravenwire(&data, &["import", path.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("imported 3, already known 0, failed 2"), "{err}");
    // What a flipped byte in deflate data decodes to varies: the failure is
    // the gzip checksum or the garbled record it produced, named either way.
    assert!(err.contains("damaged.warc.gz#record-2: "), "{err}");
    assert!(
        err.contains("damaged.warc.gz#record-4: truncated WARC: Content-Length says "),
        "{err}"
    );
    assert_eq!(err.matches("reading goes on at byte ").count(), 2, "{err}");

    // The pages after the damage are searchable.
    for word in ["ashgrove", "velmora"] {
        let found = ravenwire(&data, &["search", word]);
        assert!(found.status.success(), "{}", stderr(&found));
        assert!(
            !crate::common::stdout(&found).trim().is_empty(),
            "nothing found for {word}"
        );
    }
}
on_both!(a_damaged_warc_imports_every_record_after_the_damage);
