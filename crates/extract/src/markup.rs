//! A linear pre-pass over raw markup that caps element nesting.
//!
//! The HTML parser checks scopes against its stack of open elements, so
//! pathological nesting (100k `<div>`s) costs quadratic time, and the body
//! extractor ignores anything below a fixed depth. Dropping the tags (never
//! the text) past a depth keeps both linear and the content visible.

use std::borrow::Cow;

/// Deeper than any real page, shallow enough for the extractor's walks.
pub(crate) const MAX_NESTING: usize = 256;

/// Tags that never nest (void) or whose end tag is optional; counting them
/// would make ordinary pages look deep.
const UNCOUNTED: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p",
    "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "rb", "rt", "rp", "colgroup",
    "caption", "html", "head", "body", "!doctype",
];
/// Elements whose content is raw text, not markup.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noscript"];

fn tag_name(bytes: &[u8], start: usize) -> (String, usize) {
    let mut end = start;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'-' | b':' | b'!')) {
        end += 1;
    }
    (String::from_utf8_lossy(&bytes[start..end]).to_ascii_lowercase(), end)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

/// Returns `html` with start and end tags beyond `max_depth` removed.
pub(crate) fn cap_nesting(html: &str, max_depth: usize) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied_to = 0;
    let (mut depth, mut dropped) = (0usize, 0usize);
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let at = i + offset;
        if bytes[at..].starts_with(b"<!--") {
            i = find(bytes, at + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let closing = bytes.get(at + 1) == Some(&b'/');
        let name_start = at + 1 + usize::from(closing);
        if !bytes
            .get(name_start)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'!')
        {
            i = at + 1;
            continue;
        }
        let (name, name_end) = tag_name(bytes, name_start);
        let Some(gt) = bytes[name_end..].iter().position(|&b| b == b'>').map(|p| p + name_end) else {
            break;
        };
        let self_closing = bytes[gt - 1] == b'/';
        let mut omit = false;
        if closing {
            if !UNCOUNTED.contains(&name.as_str()) {
                if dropped > 0 {
                    dropped -= 1;
                    omit = true;
                } else {
                    depth = depth.saturating_sub(1);
                }
            }
        } else if RAW_TEXT.contains(&name.as_str()) {
            let close = format!("</{name}");
            i = find(bytes, gt + 1, close.as_bytes()).unwrap_or(bytes.len());
            continue;
        } else if !self_closing && !UNCOUNTED.contains(&name.as_str()) {
            if depth >= max_depth {
                dropped += 1;
                omit = true;
            } else {
                depth += 1;
            }
        }
        if omit {
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
            buf.push_str(&html[copied_to..at]);
            copied_to = gt + 1;
        }
        i = gt + 1;
    }
    match out {
        Some(mut buf) => {
            buf.push_str(&html[copied_to..]);
            Cow::Owned(buf)
        }
        None => Cow::Borrowed(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_markup_is_untouched() {
        let html = "<html><body><div><p>a<p>b<br><img src=x><script>if (a<b) {}</script></div></body></html>";
        assert!(matches!(cap_nesting(html, 3), Cow::Borrowed(_)));
    }

    #[test]
    fn tags_past_the_cap_are_dropped_but_text_stays() {
        let html = "<div><div><div><div>deep</div></div></div></div><p>after</p>";
        assert_eq!(cap_nesting(html, 2), "<div><div>deep</div></div><p>after</p>");
    }

    #[test]
    fn hundred_thousand_divs_become_shallow() {
        let html = format!("{}text{}", "<div>".repeat(100_000), "</div>".repeat(100_000));
        let capped = cap_nesting(&html, MAX_NESTING);
        assert_eq!(capped.matches("<div>").count(), MAX_NESTING);
        assert_eq!(capped.matches("</div>").count(), MAX_NESTING);
        assert!(capped.contains("text"));
    }
}
