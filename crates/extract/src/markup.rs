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

/// The tag name at `start`, lower-cased into `buf` (names longer than the
/// buffer are cut, which is harmless: no tag we look for is that long).
fn tag_name<'b>(bytes: &[u8], start: usize, buf: &'b mut [u8; 16]) -> (&'b str, usize) {
    let mut end = start;
    let mut len = 0;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || matches!(bytes[end], b'-' | b':' | b'!')) {
        if len < buf.len() {
            buf[len] = bytes[end].to_ascii_lowercase();
            len += 1;
        }
        end += 1;
    }
    (std::str::from_utf8(&buf[..len]).unwrap_or(""), end)
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// Where the raw-text element `name` closes: the next `</name`, any case.
fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let Some(rest) = bytes.get(from..) else {
        return html.len();
    };
    for p in memchr::memmem::find_iter(rest, b"</") {
        let start = from + p + 2;
        let candidate = bytes.get(start..start + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
            return from + p;
        }
    }
    html.len()
}

/// Where the element `name` opened just before `from` ends: past the `>` of
/// its matching end tag, counting nested ones and skipping comments and
/// raw text. `None` when it is never closed, so a stray open tag cannot
/// swallow the rest of the page.
fn matching_end(html: &str, from: usize, name: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut depth = 1usize;
    let mut i = from;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + offset;
        if bytes[at..].starts_with(b"<!--") {
            i = at + 4 + html[at + 4..].find("-->")? + 3;
            continue;
        }
        let closing = bytes.get(at + 1) == Some(&b'/');
        let mut name_buf = [0u8; 16];
        let (tag, name_end) = tag_name(bytes, at + 1 + usize::from(closing), &mut name_buf);
        let gt = name_end + memchr::memchr(b'>', &bytes[name_end..])?;
        if tag == name {
            if closing {
                depth -= 1;
                if depth == 0 {
                    return Some(gt + 1);
                }
            } else if bytes[gt - 1] != b'/' {
                depth += 1;
            }
        } else if !closing && RAW_TEXT.contains(&tag) {
            i = raw_text_end(html, gt + 1, tag);
            continue;
        }
        i = gt + 1;
    }
    None
}

/// Builds the trimmed copy lazily: pages that need no change are not copied.
struct Trimmer<'a> {
    html: &'a str,
    out: Option<String>,
    copied_to: usize,
}

impl<'a> Trimmer<'a> {
    fn omit(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let buf = self.out.get_or_insert_with(|| String::with_capacity(self.html.len()));
        buf.push_str(&self.html[self.copied_to..start]);
        self.copied_to = end;
    }

    fn finish(self) -> Cow<'a, str> {
        match self.out {
            Some(mut buf) => {
                buf.push_str(&self.html[self.copied_to..]);
                Cow::Owned(buf)
            }
            None => Cow::Borrowed(self.html),
        }
    }
}

/// Drops unused attributes (see [`unused_attribute`]) and empties quoted
/// values longer than [`MAX_ATTRIBUTE_BYTES`] in the tag body `html[from..to]`.
fn omit_blob_values(html: &str, from: usize, to: usize, trimmer: &mut Trimmer<'_>) {
    let bytes = html.as_bytes();
    let mut at = from;
    while let Some(eq) = memchr::memchr(b'=', &bytes[at..to]).map(|p| at + p) {
        let mut open = eq + 1;
        while open < to && bytes[open].is_ascii_whitespace() {
            open += 1;
        }
        let Some(&quote) = bytes.get(open).filter(|q| matches!(q, b'"' | b'\'')) else {
            at = eq + 1;
            continue;
        };
        let Some(close) = bytes[open + 1..to]
            .iter()
            .position(|&b| b == quote)
            .map(|p| open + 1 + p)
        else {
            return;
        };
        let name_start = bytes[at..eq]
            .iter()
            .rposition(|b| b.is_ascii_whitespace())
            .map_or(at, |p| at + p + 1);
        if unused_attribute(&bytes[name_start..eq]) {
            trimmer.omit(name_start, close + 1);
        } else if close - open > MAX_ATTRIBUTE_BYTES {
            trimmer.omit(open + 1, close);
        }
        at = close + 1;
    }
}

/// Script hooks (`data-*`, `on*`) that nothing downstream reads; they are a
/// tenth of a typical page's markup, and the parser pays for every byte.
/// Lazy-image sources stay.
fn unused_attribute(name: &[u8]) -> bool {
    let name = name.trim_ascii_end();
    let lower = |i: usize| name.get(i).map(u8::to_ascii_lowercase);
    if name.len() > 5 && name[..5].eq_ignore_ascii_case(b"data-") {
        let rest = &name[5..];
        return !["src", "lazy-src", "original", "srcset"]
            .iter()
            .any(|keep| rest.eq_ignore_ascii_case(keep.as_bytes()));
    }
    name.len() > 2 && lower(0) == Some(b'o') && lower(1) == Some(b'n') && name.iter().all(u8::is_ascii_alphabetic)
}

/// Attribute values longer than this are inline blobs (base64 images,
/// serialised app state) that no reader sees; dropping them before the size
/// cap keeps huge pages' articles within it.
const MAX_ATTRIBUTE_BYTES: usize = 4096;

/// Shortens `text` to at most `max` bytes, ending before a tag where one
/// starts near the cut. This is the hard memory bound: the parser's tree
/// costs several times the markup it holds.
pub(crate) fn cap(text: &mut Cow<'_, str>, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(lt) = text[..cut].rfind('<').filter(|lt| cut - lt < 64 * 1024) {
        cut = lt;
    }
    match text {
        Cow::Borrowed(s) => *s = &s[..cut],
        Cow::Owned(s) => s.truncate(cut),
    }
}

/// Returns `html` with start and end tags beyond `max_depth` removed, and
/// with what no reader sees taken out before parsing: comments, the code
/// inside scripts (JSON-LD metadata excepted) and styles, inline SVG, and
/// long attribute values (see [`MAX_ATTRIBUTE_BYTES`]); and with `<nav>`
/// blocks, which are never the article, taken out whole.
pub(crate) fn prepare(html: &str, max_depth: usize) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut trimmer = Trimmer {
        html,
        out: None,
        copied_to: 0,
    };
    let (mut depth, mut dropped) = (0usize, 0usize);
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + offset;
        if bytes[at..].starts_with(b"<!--") {
            i = html[at + 4..].find("-->").map_or(bytes.len(), |e| at + 4 + e + 3);
            trimmer.omit(at, i);
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
        let mut name_buf = [0u8; 16];
        let (name, name_end) = tag_name(bytes, name_start, &mut name_buf);
        let Some(gt) = memchr::memchr(b'>', &bytes[name_end..]).map(|p| p + name_end) else {
            break;
        };
        let self_closing = bytes[gt - 1] == b'/';
        if closing {
            if !UNCOUNTED.contains(&name) {
                if dropped > 0 {
                    dropped -= 1;
                    trimmer.omit(at, gt + 1);
                } else {
                    depth = depth.saturating_sub(1);
                }
            }
        } else if RAW_TEXT.contains(&name) {
            let end = raw_text_end(html, gt + 1, name);
            let keep = match name {
                "script" => contains_ignore_case(&bytes[name_end..gt], b"ld+json"),
                "style" | "noscript" => false,
                _ => true,
            };
            if !keep {
                trimmer.omit(gt + 1, end);
            }
            i = end;
            continue;
        } else if name == "nav" && !self_closing {
            // Site navigation is a fifth of a typical page's markup, and
            // neither extractor keeps any of it.
            match matching_end(html, gt + 1, "nav") {
                Some(end) => {
                    trimmer.omit(at, end);
                    i = end;
                }
                None => i = gt + 1,
            }
            continue;
        } else if name == "svg" && !self_closing {
            let end = raw_text_end(html, gt + 1, "svg");
            let after = html[end..].find('>').map_or(html.len(), |p| end + p + 1);
            trimmer.omit(at, after);
            i = after;
            continue;
        } else {
            let counted = !self_closing && !UNCOUNTED.contains(&name);
            if counted && depth >= max_depth {
                dropped += 1;
                trimmer.omit(at, gt + 1);
                i = gt + 1;
                continue;
            }
            depth += usize::from(counted);
            omit_blob_values(html, name_end, gt, &mut trimmer);
        }
        i = gt + 1;
    }
    trimmer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_markup_is_untouched() {
        let html = "<html><body><div><p>a<p>b<br><img src=x><title>a<b</title></div></body></html>";
        assert!(matches!(prepare(html, 3), Cow::Borrowed(_)));
    }

    #[test]
    fn tags_past_the_cap_are_dropped_but_text_stays() {
        let html = "<div><div><div><div>deep</div></div></div></div><p>after</p>";
        assert_eq!(prepare(html, 2), "<div><div>deep</div></div><p>after</p>");
    }

    #[test]
    fn code_comments_and_svg_go_but_json_ld_stays() {
        let html = "<head><script>var x = '<div>';</script><STYLE>p{}</STYLE>\
            <script type=\"application/ld+json\">{\"@type\":\"Article\"}</script></head>\
            <body><!-- note --><p>Hi<svg viewBox=\"0 0 1 1\"><path d=\"M0\"/></svg> there</p></body>";
        assert_eq!(
            prepare(html, 100),
            "<head><script></script><STYLE></STYLE>\
            <script type=\"application/ld+json\">{\"@type\":\"Article\"}</script></head>\
            <body><p>Hi there</p></body>"
        );
    }

    #[test]
    fn inline_blobs_are_emptied_and_the_cap_ends_before_a_tag() {
        let blob = "A".repeat(10_000);
        let html = format!("<p>x<img alt='a' src=\"data:image/png;base64,{blob}\" class=c>y</p>");
        assert_eq!(prepare(&html, 10), "<p>x<img alt='a' src=\"\" class=c>y</p>");
        let mut text = Cow::Borrowed("<p>one</p><p>two</p>");
        cap(&mut text, 13);
        assert_eq!(text, "<p>one</p>");
        let mut text = Cow::Owned("ééé".to_string());
        cap(&mut text, 3);
        assert_eq!(text, "é");
    }

    #[test]
    fn navigation_goes_whole_unless_never_closed() {
        let html = "<body><NAV class=top><nav><a>Home</a><script>'</nav>'</script></nav><!-- </nav> --></nav>\
            <p>Story</p><nav><a>Next</a></nav></body>";
        assert_eq!(prepare(html, 100), "<body><p>Story</p></body>");
        let unclosed = "<body><nav><a>Home</a><p>Story</p></body>";
        assert_eq!(prepare(unclosed, 100), unclosed);
    }

    #[test]
    fn hundred_thousand_divs_become_shallow() {
        let html = format!("{}text{}", "<div>".repeat(100_000), "</div>".repeat(100_000));
        let capped = prepare(&html, MAX_NESTING);
        assert_eq!(capped.matches("<div>").count(), MAX_NESTING);
        assert_eq!(capped.matches("</div>").count(), MAX_NESTING);
        assert!(capped.contains("text"));
    }
}
