//! Odd inputs: every file in `odd_inputs/` (fuzzer finds and hand-made
//! oddities) plus inputs built here must come back as an article or a clear
//! error, never a panic or a hang.

use std::path::Path;
use std::time::{Duration, Instant};

use ravenwire_extract::{extract, extract_with_charset, Error};

const PARAGRAPH: &str = "The regional parliament approved the new water law on Thursday after a debate \
    that lasted well into the night, and the opposition announced that it would challenge it in court.";

/// Extracts and checks the outcome is sane: an article with text, or an
/// error whose message says something.
fn survives(name: &str, bytes: &[u8]) -> Result<model::Article, Error> {
    let start = Instant::now();
    let result = extract_with_charset(bytes, Some("https://odd.example/a/b.html"), None);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{name}: took {:?}",
        start.elapsed()
    );
    match &result {
        Ok(article) => assert!(!article.text.trim().is_empty(), "{name}: article without text"),
        Err(e) => assert!(!e.to_string().is_empty(), "{name}: error without message"),
    }
    result
}

#[test]
fn every_seed_file_is_survived() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/odd_inputs");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("odd_inputs folder") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let _ = survives(&path.display().to_string(), &std::fs::read(&path).expect("read"));
            count += 1;
        }
    }
    assert!(count >= 5, "only {count} seed files");
}

#[test]
fn empty_and_binary_inputs_get_clear_errors() {
    assert!(matches!(survives("empty", b""), Err(Error::Empty)));
    assert!(matches!(survives("blank", b" \n\t\r "), Err(Error::Empty)));
    assert!(matches!(survives("nuls", &[0u8; 4096]), Err(Error::Binary(_))));
    // A lone `<` is text to a browser, so it may come back as such.
    match survives("lone <", b"<") {
        Ok(article) => assert_eq!(article.text, "<"),
        Err(e) => assert!(matches!(e, Error::NoContent(_)), "{e}"),
    }
    let err = survives("markup only", b"<html><body><div></div></body></html>").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no article text found in the page at https://odd.example/a/b.html"
    );
}

#[test]
fn ten_thousand_unclosed_tags() {
    let mut page = String::new();
    for i in 0..10_000 {
        page.push_str(["<div>", "<p>", "<span>", "<b>", "<li>", "<table>", "<td>"][i % 7]);
    }
    page.push_str(PARAGRAPH);
    let _ = survives("unclosed", page.as_bytes());
}

#[test]
fn hundred_thousand_levels_of_nesting() {
    let depth = 100_000;
    let page = format!(
        "<html><body>{}<p>{PARAGRAPH}</p><p>{PARAGRAPH}</p>{}</body></html>",
        "<div><section>".repeat(depth / 2),
        "</section></div>".repeat(depth / 2)
    );
    let article = survives("nesting", page.as_bytes()).expect("article");
    assert!(article.text.contains("regional parliament"));
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    let mut page = format!("<html><head><meta charset=\"utf-8\"></head><body><article><p>{PARAGRAPH}</p>").into_bytes();
    page.extend_from_slice(b"<p>broken \xc3\x28 bytes \xff\xfe and \xed\xa0\x80 surrogates</p>");
    page.extend_from_slice(format!("<p>{PARAGRAPH}</p></article></body></html>").as_bytes());
    let article = survives("invalid utf-8", &page).expect("article");
    assert!(article.text.contains("regional parliament"));
}

#[test]
fn utf16_with_bom_decodes() {
    let page =
        format!("<html><body><article><h1>Wasser</h1><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></article></body></html>");
    for (bom, little) in [([0xFFu8, 0xFE], true), ([0xFE, 0xFF], false)] {
        let mut bytes = bom.to_vec();
        for unit in page.encode_utf16() {
            let pair = if little { unit.to_le_bytes() } else { unit.to_be_bytes() };
            bytes.extend_from_slice(&pair);
        }
        let article = survives("utf-16", &bytes).expect("article");
        assert!(article.text.contains("regional parliament"), "{}", article.text);
    }
}

#[test]
fn every_legacy_encoding_survives() {
    let page =
        format!("<html><body><article><p>{PARAGRAPH} Ünïcödé ß € — «ok»</p><p>{PARAGRAPH}</p></article></body></html>");
    for label in [
        "windows-1250",
        "windows-1251",
        "windows-1252",
        "windows-1253",
        "windows-1254",
        "windows-1255",
        "windows-1256",
        "windows-1257",
        "windows-1258",
        "iso-8859-2",
        "iso-8859-5",
        "iso-8859-7",
        "iso-8859-15",
        "koi8-r",
        "koi8-u",
        "macintosh",
        "ibm866",
        "shift_jis",
        "euc-jp",
        "iso-2022-jp",
        "euc-kr",
        "gbk",
        "gb18030",
        "big5",
        "utf-16le",
        "utf-16be",
        "x-user-defined",
        "replacement",
        "bogus-charset",
    ] {
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::UTF_8);
        let (bytes, _, _) = encoding.encode(&page);
        // Declared over HTTP, in the page, and not at all.
        let _ = extract_with_charset(&bytes, None, Some(label));
        let declared = format!("<meta charset=\"{label}\">");
        let mut with_meta = declared.into_bytes();
        with_meta.extend_from_slice(&bytes);
        let _ = survives(label, &with_meta);
        let _ = survives(label, &bytes);
    }
}

/// Peak resident memory of this process, in bytes, where Linux reports it.
fn peak_memory() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[test]
fn fifty_megabyte_page_keeps_its_article_and_stays_bounded() {
    const SIZE: usize = 50 * 1024 * 1024;
    let blob = "QUJD".repeat(64 * 1024);
    let mut page = String::with_capacity(SIZE + 4096);
    page.push_str("<html><head><title>Water law passes</title></head><body>");
    // What a bloated page carries: inline scripts, styles, comments and
    // base64 images, all in front of the article.
    while page.len() < SIZE {
        page.push_str("<script>var state = {\"items\": [1, 2, 3]};</script>");
        page.push_str(&format!("<img src=\"data:image/png;base64,{blob}\">"));
        page.push_str("<!-- tracking pixel -->");
        page.push_str("<style>.a{color:red}</style>");
    }
    page.push_str(&format!(
        "<article><h1>Water law passes</h1><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></article></body></html>"
    ));
    let before = peak_memory();
    let article = extract(page.as_bytes(), Some("https://odd.example/water")).expect("article");
    assert!(article.text.contains("regional parliament"), "{}", article.text);
    if let (Some(before), Some(after)) = (before, peak_memory()) {
        let grown = after.saturating_sub(before);
        assert!(
            grown <= 10 * page.len(),
            "peak memory grew by {grown} bytes for a {} byte page",
            page.len()
        );
    }
}
