//! Damaged WARC archives: one bad record, header or gzip member costs only
//! itself; the records after it are still read. The archives are written
//! here, byte by byte.

use std::io::{BufReader, Write};
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;
use ravenwire_gather::{read_input, GzMembers, Input, InputKind, Page, WarcReader};

fn record_with(version: &str, extra_headers: &str, length: &str, block: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "{version}\r\nWARC-Type: resource\r\nWARC-Date: 2024-03-05T10:20:30Z\r\n{extra_headers}\
         Content-Type: text/html\r\nContent-Length: {length}\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

/// A good record holding page `n`.
fn page_record(n: usize) -> Vec<u8> {
    let block = format!("<html><p>page {n}</p>\n<p>{}</p></html>", "words ".repeat(n * 7));
    record_with(
        "WARC/1.1",
        &format!("WARC-Target-URI: https://news.example/{n}\r\n"),
        &block.len().to_string(),
        block.as_bytes(),
    )
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Reads an archive as `ravenwire import` does: the URLs of the pages, and
/// the error messages, in order.
fn read(path: &Path, kind: InputKind) -> (Vec<String>, Vec<String>) {
    let items: Vec<_> = read_input(&Input {
        path: path.to_path_buf(),
        kind,
    })
    .take(1000)
    .collect();
    let mut urls = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match item {
            Ok(Page { url, .. }) => urls.push(url.unwrap()),
            Err(error) => errors.push(error.to_string()),
        }
    }
    (urls, errors)
}

fn urls(numbers: &[usize]) -> Vec<String> {
    numbers.iter().map(|n| format!("https://news.example/{n}")).collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_short_record_does_not_lose_the_records_after_it() {
    let dir = tempfile::tempdir().unwrap();
    // Record 2 says it is 300 bytes longer than it is: read by its
    // Content-Length it would swallow records 3 and 4.
    let short_block = b"<html><p>cut</p></html>";
    let too_long = (short_block.len() + 300).to_string();
    let short = record_with("WARC/1.0", "", &too_long, short_block);
    // Record 5 says it is shorter than it is.
    let long_block = b"<html><p>this block runs on past its stated length</p></html>";
    let too_short = record_with("WARC/1.0", "", "10", long_block);
    let records = [
        page_record(1),
        short,
        page_record(3),
        page_record(4),
        too_short,
        page_record(6),
    ];

    let plain = write(dir.path(), "short.warc", &records.concat());
    let (pages, errors) = read(&plain, InputKind::Warc);
    assert_eq!(pages, urls(&[1, 3, 4, 6]), "{errors:?}");
    assert_eq!(errors.len(), 2, "{errors:?}");
    let second = page_record(1).len();
    let third = second + record_with("WARC/1.0", "", &too_long, short_block).len();
    assert_eq!(
        errors[0],
        format!(
            "{}#record-2: malformed WARC: the record does not end after the {too_long} bytes its \
             Content-Length says (record at byte {second}; reading goes on at byte {third})",
            plain.display()
        )
    );
    assert!(errors[1].contains("#record-5: malformed WARC: "), "{errors:?}");

    // The same archive gzipped a member per record.
    let members: Vec<u8> = records.iter().flat_map(|r| gzip(r)).collect();
    let gz = write(dir.path(), "short.warc.gz", &members);
    let (pages, errors) = read(&gz, InputKind::WarcGz);
    assert_eq!(pages, urls(&[1, 3, 4, 6]), "{errors:?}");
    assert_eq!(errors.len(), 2, "{errors:?}");

    // A record cut short by the end of the archive: the pages before it
    // stay, and the error says that nothing follows.
    let cut = [page_record(1), page_record(2)[..60].to_vec()].concat();
    let cut = write(dir.path(), "cut.warc", &cut);
    let (pages, errors) = read(&cut, InputKind::Warc);
    assert_eq!(pages, urls(&[1]));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("#record-2: truncated WARC: "), "{errors:?}");
    assert!(errors[0].ends_with("no record follows)"), "{errors:?}");
}

#[test]
fn a_bad_header_does_not_lose_the_records_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let block = b"<html><p>bad header</p></html>";
    let length = block.len().to_string();
    let records = [
        page_record(1),
        // Not a version line.
        record_with("WARC/9.9", "", &length, block),
        page_record(3),
        // A header line without a colon.
        record_with("WARC/1.0", "this line has no colon\r\n", &length, block),
        page_record(5),
        // A Content-Length that is not a number.
        record_with("WARC/1.0", "", "twelve", block),
        page_record(7),
        // No Content-Length at all.
        b"WARC/1.0\r\nWARC-Type: resource\r\n\r\n<p>no length</p>\r\n\r\n".to_vec(),
        page_record(9),
        // Garbage where a record should start.
        b"\x00\x01 not a record at all \xff\r\nnor this\r\n\r\n".to_vec(),
        page_record(11),
    ];
    let path = write(dir.path(), "headers.warc", &records.concat());
    let (pages, errors) = read(&path, InputKind::Warc);
    assert_eq!(pages, urls(&[1, 3, 5, 7, 9, 11]), "{errors:?}");
    assert_eq!(errors.len(), 5, "{errors:?}");
    for (error, (record, reason)) in errors.iter().zip([
        (2, "expected a WARC/1.0 or WARC/1.1 version line"),
        (4, "header line without a colon"),
        (6, "Content-Length is not a number"),
        (8, "record has no Content-Length"),
        (10, "expected a WARC/1.0 or WARC/1.1 version line"),
    ]) {
        let start = format!("{}#record-{record}: malformed WARC: {reason}", path.display());
        assert!(error.starts_with(&start), "{error}");
        assert!(error.contains("; reading goes on at byte "), "{error}");
    }
    // The byte offset named is the bad record's.
    let offset = page_record(1).len();
    assert!(
        errors[0].contains(&format!("(record at byte {offset};")),
        "{}",
        errors[0]
    );
}

#[test]
fn a_broken_gzip_member_does_not_lose_the_members_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let members: Vec<Vec<u8>> = (1..=7).map(|n| gzip(&page_record(n))).collect();
    let offset = |n: usize| members[..n - 1].iter().map(Vec::len).sum::<usize>();
    let mut broken = members.clone();
    // Member 2: bytes flipped in the middle of its deflate data.
    let middle = broken[1].len() / 2;
    broken[1][middle..middle + 6].iter_mut().for_each(|b| *b ^= 0xa5);
    // Member 4: cut short, so the decoder runs on into member 5.
    let half = broken[3].len() / 2;
    broken[3].truncate(half);
    // Member 6: its checksum is wrong.
    let crc = broken[5].len() - 8;
    broken[5][crc] ^= 0xff;
    let path = write(dir.path(), "broken.warc.gz", &broken.concat());
    let (pages, errors) = read(&path, InputKind::WarcGz);
    // Member 6's record decodes in full before its checksum is read, so its
    // page is kept; the checksum error comes after it, as the next record's.
    assert_eq!(pages, urls(&[1, 3, 5, 6, 7]), "{errors:?}");
    assert_eq!(errors.len(), 3, "{errors:?}");
    let checksum_at = broken[..5].iter().map(Vec::len).sum::<usize>();
    assert!(errors[0].contains("#record-2: corrupt gzip data: "), "{}", errors[0]);
    assert!(
        errors[0].contains(&format!("gzip member at byte {} is damaged", offset(2))),
        "{}",
        errors[0]
    );
    // The cut member's first half decodes, then the decoder runs into the
    // next member's bytes: what it makes of them may fail as gzip or as a
    // record, and either way it is one error for record 4.
    assert!(errors[1].contains("#record-4: "), "{}", errors[1]);
    assert!(errors[2].contains(": corrupt gzip data: "), "{}", errors[2]);
    assert!(
        errors[2].contains(&format!("gzip member at byte {checksum_at} is damaged")),
        "{}",
        errors[2]
    );

    // Garbage between members is one error too.
    let mut with_garbage = members[..2].concat();
    with_garbage.extend_from_slice(&[0x55; 1000]);
    with_garbage.extend(members[2..].concat());
    let path = write(dir.path(), "garbage.warc.gz", &with_garbage);
    let (pages, errors) = read(&path, InputKind::WarcGz);
    assert_eq!(pages, urls(&[1, 2, 3, 4, 5, 6, 7]), "{errors:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("does not start a gzip member"), "{errors:?}");
}

/// Hostile input must end, with a bounded number of items: every item
/// consumes input.
#[test]
fn hostile_archives_end_without_looping() {
    let mut inputs: Vec<Vec<u8>> = vec![
        b"WARC/1.0\r\n".repeat(20_000),
        b"WARC/1.0\r\nContent-Length: 999999999\r\n\r\n".repeat(2_000),
        b"\n".repeat(100_000),
        [0x1f, 0x8b, 0x08].repeat(30_000),
        b"WARC/1.0\r\nContent-Length: 10\r\n\r\nWARC/1.0\r\n".repeat(5_000),
    ];
    inputs.push(gzip(&inputs[1]));
    for input in &inputs {
        let plain: Vec<_> = WarcReader::new(&input[..], "hostile.warc", false)
            .take(100_001)
            .collect();
        assert!(plain.len() <= input.len(), "{} items", plain.len());
        let gz = BufReader::new(GzMembers::new(&input[..]));
        let zipped: Vec<_> = WarcReader::new(gz, "hostile.warc.gz", true).take(100_001).collect();
        assert!(zipped.len() <= input.len(), "{} items", zipped.len());
    }
}
