//! HTML escaping: the one escaper every crate that writes markup uses.

/// Appends `text` to `out` with the five characters HTML gives a meaning to
/// written as character references: `&amp;`, `&lt;`, `&gt;`, `&quot;` and
/// `&#x27;`. The result is safe as element content and as a double- or
/// single-quoted attribute value.
pub fn escape_into(out: &mut String, text: &str) {
    let mut plain = 0;
    for (i, b) in text.bytes().enumerate() {
        let reference = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            _ => continue,
        };
        // These bytes are ASCII, so `i` is always a character boundary.
        out.push_str(&text[plain..i]);
        out.push_str(reference);
        plain = i + 1;
    }
    out.push_str(&text[plain..]);
}

/// `text` escaped as by [`escape_into`].
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_references() {
        assert_eq!(
            escape(r#"Tom & "Jerry" <b>'s</b>"#),
            "Tom &amp; &quot;Jerry&quot; &lt;b&gt;&#x27;s&lt;/b&gt;"
        );
    }

    #[test]
    fn other_text_passes_through() {
        assert_eq!(escape(""), "");
        assert_eq!(escape("plain text"), "plain text");
        assert_eq!(escape("émoji 🦅 & 中文"), "émoji 🦅 &amp; 中文");
    }

    #[test]
    fn escape_into_appends() {
        let mut out = String::from("<p>");
        escape_into(&mut out, "a<b");
        assert_eq!(out, "<p>a&lt;b");
    }
}
