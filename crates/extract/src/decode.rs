//! Bytes to text: refuse what is plainly not HTML, then find the encoding
//! the way browsers do (BOM, transport charset, `<meta>`, then a guess).

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

use crate::Error;

/// How far into the page a `<meta charset>` counts; browsers look at 1024
/// bytes, but many real pages put the declaration after long comments or
/// scripts, so we look a little further.
const META_PRESCAN_BYTES: usize = 4096;
/// Enough text for chardetng to settle; feeding it more only costs time.
const DETECTOR_SAMPLE_BYTES: usize = 64 * 1024;

/// Signatures of common non-HTML payloads that arrive under HTML URLs.
const MAGIC: &[(&[u8], &str)] = &[
    (b"\x89PNG\r\n\x1a\n", "PNG image data"),
    (b"\xff\xd8\xff", "JPEG image data"),
    (b"GIF87a", "GIF image data"),
    (b"GIF89a", "GIF image data"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x00\x00\x01\x00", "ICO image data"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"\x7fELF", "ELF executable"),
];

/// Rejects empty and binary input before any parsing.
pub(crate) fn check_payload(bytes: &[u8]) -> Result<(), Error> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::Empty);
    }
    for (magic, what) in MAGIC {
        if bytes.starts_with(magic) {
            return Err(Error::Binary((*what).to_string()));
        }
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Err(Error::Binary("WebP image data".to_string()));
    }
    // UTF-16 text legitimately holds NULs; anything else with NULs near the
    // start is binary.
    if Encoding::for_bom(bytes).is_none() {
        let head = &bytes[..bytes.len().min(1024)];
        if head.contains(&0) {
            return Err(Error::Binary("NUL bytes in the first 1 KiB".to_string()));
        }
    }
    Ok(())
}

static META_CHARSET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i-u)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#).expect("valid regex"));

/// The encoding a page declares in its first few KiB, if any.
fn declared_in_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_PRESCAN_BYTES)];
    let label = META_CHARSET.captures(head)?.get(1)?.as_bytes();
    Encoding::for_label(label).map(ascii_compatible)
}

/// A `<meta>` can only be read if the bytes are ASCII-compatible, so a
/// declared UTF-16 is a mistake; the HTML standard says to use UTF-8, and
/// `x-user-defined` means windows-1252.
fn ascii_compatible(enc: &'static Encoding) -> &'static Encoding {
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        UTF_8
    } else if enc == encoding_rs::X_USER_DEFINED {
        WINDOWS_1252
    } else {
        enc
    }
}

fn guess(bytes: &[u8], url: Option<&str>) -> &'static Encoding {
    let sample = &bytes[..bytes.len().min(DETECTOR_SAMPLE_BYTES)];
    if std::str::from_utf8(sample).is_ok() || matches!(std::str::from_utf8(sample), Err(e) if e.error_len().is_none()) {
        return UTF_8;
    }
    let tld = url
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .and_then(|h| h.rsplit('.').next().map(|t| t.to_ascii_lowercase()));
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, sample.len() == bytes.len());
    detector.guess(tld.as_deref().map(str::as_bytes), chardetng::Utf8Detection::Allow)
}

/// Whether bytes declared to be in a legacy encoding are really UTF-8: the
/// whole page is valid UTF-8 (a sequence cut at the very end aside) and
/// holds at least one multi-byte sequence. Text in a legacy single- or
/// double-byte encoding with any byte above ASCII is almost never valid
/// UTF-8: its high bytes would have to come in exact lead-and-continuation
/// runs, every one of them. Pure ASCII reads the same either way.
fn is_utf8_in_disguise(bytes: &[u8]) -> bool {
    let valid = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    // Lead bytes of multi-byte sequences; in valid UTF-8 each starts one.
    valid && bytes.iter().any(|&b| b >= 0xC0)
}

/// Picks the encoding and decodes. `charset` (from HTTP) outranks the page's
/// own declaration; a byte-order mark outranks both. A declared legacy
/// encoding yields to UTF-8 when the bytes are plainly UTF-8
/// ([`is_utf8_in_disguise`]): sites that move to UTF-8 often keep their
/// old label in a template or server setting.
pub(crate) fn decode<'a>(bytes: &'a [u8], charset: Option<&str>, url: Option<&str>) -> Cow<'a, str> {
    let encoding = match Encoding::for_bom(bytes) {
        Some((enc, _)) => enc,
        None => {
            let declared = charset
                .and_then(|c| Encoding::for_label(c.trim().trim_matches('"').as_bytes()))
                .or_else(|| declared_in_meta(bytes));
            match declared {
                Some(enc) if enc != UTF_8 && enc.is_ascii_compatible() && is_utf8_in_disguise(bytes) => UTF_8,
                Some(enc) => enc,
                None => guess(bytes, url),
            }
        }
    };
    // `decode` strips a BOM itself, replaces malformed sequences, and
    // borrows valid UTF-8 rather than copying it.
    let (text, _, _) = encoding.decode(bytes);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_png_pdf_and_nul_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        match check_payload(png) {
            Err(Error::Binary(what)) => assert_eq!(what, "PNG image data"),
            other => panic!("expected Binary, got {other:?}"),
        }
        assert!(matches!(check_payload(b"%PDF-1.7 ..."), Err(Error::Binary(_))));
        assert!(matches!(check_payload(b"<html>\0\0\0"), Err(Error::Binary(_))));
        assert!(matches!(check_payload(b"  \n\t "), Err(Error::Empty)));
        assert!(check_payload(b"<p>hello</p>").is_ok());
    }

    #[test]
    fn meta_charset_decodes_windows_1251() {
        let (body, _, _) = encoding_rs::WINDOWS_1251.encode("<p>Привет, мир</p>");
        let mut page = b"<html><head><meta charset=\"windows-1251\"></head><body>".to_vec();
        page.extend_from_slice(&body);
        assert!(decode(&page, None, None).contains("Привет, мир"));
    }

    #[test]
    fn http_equiv_content_type_is_read() {
        let (body, _, _) = encoding_rs::SHIFT_JIS.encode("<p>日本語のテキストです</p>");
        let mut page = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">".to_vec();
        page.extend_from_slice(&body);
        assert!(decode(&page, None, None).contains("日本語のテキストです"));
    }

    #[test]
    fn transport_charset_beats_the_page_and_bom_beats_both() {
        let (body, _, _) = encoding_rs::WINDOWS_1251.encode("Москва");
        let mut page = b"<meta charset=\"utf-8\">".to_vec();
        page.extend_from_slice(&body);
        assert!(decode(&page, Some("windows-1251"), None).contains("Москва"));

        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice("<meta charset=\"koi8-r\">Zoë".as_bytes());
        assert!(decode(&bom, Some("latin1"), None).ends_with("Zoë"));
    }

    #[test]
    fn utf8_bytes_under_a_legacy_label_are_read_as_utf8() {
        let page = "<meta charset=\"windows-1252\"><p>Café in Ørsted Street, naïve crème brûlée</p>".as_bytes();
        assert!(decode(page, None, None).contains("Café in Ørsted Street, naïve crème brûlée"));
        let page = "<p>Grüße aus Kleinwald</p>".as_bytes();
        assert!(decode(page, Some("iso-8859-1"), None).contains("Grüße aus Kleinwald"));
        let page = "<meta charset=\"shift_jis\"><p>東京で会議が開かれました</p>".as_bytes();
        assert!(decode(page, None, None).contains("東京で会議が開かれました"));
        let page = "<meta charset=\"koi8-r\"><p>Привет из Северограда</p>".as_bytes();
        assert!(decode(page, None, None).contains("Привет из Северограда"));
        // A UTF-8 sequence cut by the end of the input still counts.
        let mut cut = "<meta charset=\"windows-1252\"><p>Zoë and Chloé ".as_bytes().to_vec();
        cut.extend_from_slice(&"é".as_bytes()[..1]);
        assert!(decode(&cut, None, None).contains("Zoë and Chloé"));
    }

    #[test]
    fn real_legacy_pages_keep_their_declared_encoding() {
        let (body, _, _) = encoding_rs::WINDOWS_1252.encode("<p>Café in Ørsted Street, naïve crème brûlée</p>");
        let mut page = b"<meta charset=\"windows-1252\">".to_vec();
        page.extend_from_slice(&body);
        assert!(decode(&page, None, None).contains("Café in Ørsted Street, naïve crème brûlée"));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("<p>東京で会議が開かれました</p>");
        let mut page = b"<meta charset=\"shift_jis\">".to_vec();
        page.extend_from_slice(&sjis);
        assert!(decode(&page, None, None).contains("東京で会議が開かれました"));
        let (euc, _, _) = encoding_rs::EUC_KR.encode("<p>서울에서 회의가 열렸습니다</p>");
        assert!(decode(&euc, Some("euc-kr"), None).contains("서울에서 회의가 열렸습니다"));
        let (koi, _, _) = encoding_rs::KOI8_R.encode("<p>Привет из Северограда</p>");
        assert!(decode(&koi, Some("koi8-r"), None).contains("Привет из Северограда"));
        // Pure ASCII under a legacy label decodes the same either way.
        assert_eq!(decode(b"<p>plain</p>", Some("windows-1252"), None), "<p>plain</p>");
        // A byte-order mark still outranks everything.
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice("<meta charset=\"koi8-r\">Zoë".as_bytes());
        assert!(decode(&bom, Some("latin1"), None).ends_with("Zoë"));
    }

    #[test]
    fn undeclared_legacy_text_is_guessed() {
        let text = "<p>Это длинный русский текст без объявленной кодировки, \
                    чтобы детектор мог уверенно выбрать кодировку страницы.</p>";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        assert_eq!(decode(&bytes, None, Some("https://example.ru/a")), text);
        let (sjis, _, _) =
            encoding_rs::SHIFT_JIS.encode("<p>これは日本語の記事の本文です。東京で会議が開かれました。</p>");
        assert!(decode(&sjis, None, None).contains("東京で会議が開かれました"));
    }
}
