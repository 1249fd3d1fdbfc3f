//! Size caps on what one page may cost, and content-type parsing.

use std::io::{self, Read};

/// The most bytes one page may have once decompressed. News pages are well
/// under 5 MiB; the cap exists so a gzip bomb or a runaway record costs at
/// most this much memory.
pub const MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;

/// What went wrong while reading through [`read_capped`].
pub(crate) enum CappedReadError {
    TooLarge,
    Io(io::Error),
}

/// Reads everything from `reader`, failing as soon as more than `limit`
/// bytes arrive, so memory never exceeds `limit` plus one buffer.
pub(crate) fn read_capped(reader: impl Read, limit: u64) -> Result<Vec<u8>, CappedReadError> {
    let mut body = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(CappedReadError::Io)?;
    if body.len() as u64 > limit {
        return Err(CappedReadError::TooLarge);
    }
    Ok(body)
}

/// Splits a Content-Type value into its lower-cased media type and charset
/// parameter (unquoted, lower-cased).
pub(crate) fn parse_content_type(value: &str) -> (String, Option<String>) {
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts.find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then(|| value.to_ascii_lowercase())
    });
    (media_type, charset)
}

/// Whether a media type is one extraction can read as a web page.
pub(crate) fn is_html_media_type(media_type: &str) -> bool {
    matches!(media_type, "text/html" | "application/xhtml+xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_read_accepts_exactly_the_limit_and_rejects_one_more() {
        assert_eq!(read_capped(&[7u8; 10][..], 10).ok().unwrap().len(), 10);
        assert!(matches!(
            read_capped(&[7u8; 11][..], 10),
            Err(CappedReadError::TooLarge)
        ));
    }

    #[test]
    fn content_type_yields_media_type_and_unquoted_charset() {
        assert_eq!(
            parse_content_type("Text/HTML; Charset=\"ISO-8859-1\""),
            ("text/html".to_string(), Some("iso-8859-1".to_string()))
        );
        assert_eq!(
            parse_content_type("application/xhtml+xml"),
            ("application/xhtml+xml".to_string(), None)
        );
        assert_eq!(parse_content_type("text/html; charset=").1, None);
    }
}
