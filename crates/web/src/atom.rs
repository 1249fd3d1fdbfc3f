//! A small writer for Atom (RFC 4287) documents.
//!
//! The feeds use a handful of elements, so writing them directly keeps the
//! output byte-for-byte predictable and adds no runtime dependency. All text
//! goes through [`escape_into`], which also drops characters XML 1.0 cannot
//! carry at all: one stray control character in a stored headline would
//! otherwise make the whole feed unreadable.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

pub(crate) const MEDIA_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The `updated` of a feed with no entries: fixed, so that an empty feed
/// reads the same on every request.
pub(crate) fn empty_feed_updated() -> DateTime<FixedOffset> {
    DateTime::UNIX_EPOCH.fixed_offset()
}

pub(crate) struct Feed {
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub links: Vec<Link>,
    /// Feed-level author, which RFC 4287 lets entries without one inherit.
    pub author: String,
    pub entries: Vec<Entry>,
}

pub(crate) struct Entry {
    pub id: String,
    pub title: String,
    pub updated: DateTime<FixedOffset>,
    pub published: Option<DateTime<FixedOffset>>,
    pub author: Option<String>,
    pub links: Vec<Link>,
    pub categories: Vec<Category>,
    /// Plain text.
    pub summary: Option<String>,
}

pub(crate) struct Link {
    pub rel: &'static str,
    pub href: String,
    pub media_type: Option<&'static str>,
    pub title: Option<String>,
}

pub(crate) struct Category {
    pub scheme: &'static str,
    pub term: &'static str,
    pub label: &'static str,
}

impl Feed {
    /// The newest entry's `updated`, compared as instants; the epoch when
    /// there are none.
    pub(crate) fn updated(&self) -> DateTime<FixedOffset> {
        self.entries
            .iter()
            .map(|entry| entry.updated)
            .max_by_key(|t| t.with_timezone(&Utc))
            .unwrap_or_else(empty_feed_updated)
    }

    pub(crate) fn to_xml(&self) -> String {
        let mut out = String::with_capacity(1024 + 1024 * self.entries.len());
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
        text_element(&mut out, 1, "id", &self.id);
        text_element(&mut out, 1, "title", &self.title);
        if let Some(subtitle) = &self.subtitle {
            text_element(&mut out, 1, "subtitle", subtitle);
        }
        text_element(&mut out, 1, "updated", &date(&self.updated()));
        for link in &self.links {
            link_element(&mut out, 1, link);
        }
        person_element(&mut out, 1, "author", &self.author);
        text_element(&mut out, 1, "generator", "ravenwire");
        for entry in &self.entries {
            entry_element(&mut out, entry);
        }
        out.push_str("</feed>\n");
        out
    }
}

fn entry_element(out: &mut String, entry: &Entry) {
    out.push_str("  <entry>\n");
    text_element(out, 2, "id", &entry.id);
    text_element(out, 2, "title", &entry.title);
    text_element(out, 2, "updated", &date(&entry.updated));
    if let Some(published) = &entry.published {
        text_element(out, 2, "published", &date(published));
    }
    if let Some(author) = &entry.author {
        person_element(out, 2, "author", author);
    }
    for link in &entry.links {
        link_element(out, 2, link);
    }
    for category in &entry.categories {
        indent(out, 2);
        out.push_str("<category");
        attribute(out, "scheme", category.scheme);
        attribute(out, "term", category.term);
        attribute(out, "label", category.label);
        out.push_str("/>\n");
    }
    if let Some(summary) = &entry.summary {
        text_element(out, 2, "summary", summary);
    }
    out.push_str("  </entry>\n");
}

/// RFC 3339 to the second, `Z` for UTC, any other offset kept as written.
fn date(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn text_element(out: &mut String, depth: usize, name: &str, text: &str) {
    indent(out, depth);
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_into(out, text, false);
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

fn person_element(out: &mut String, depth: usize, role: &str, name: &str) {
    indent(out, depth);
    out.push('<');
    out.push_str(role);
    out.push_str("><name>");
    escape_into(out, name, false);
    out.push_str("</name></");
    out.push_str(role);
    out.push_str(">\n");
}

fn link_element(out: &mut String, depth: usize, link: &Link) {
    indent(out, depth);
    out.push_str("<link");
    attribute(out, "rel", link.rel);
    if let Some(media_type) = link.media_type {
        attribute(out, "type", media_type);
    }
    attribute(out, "href", &link.href);
    if let Some(title) = &link.title {
        attribute(out, "title", title);
    }
    out.push_str("/>\n");
}

fn attribute(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value, true);
    out.push('"');
}

/// Characters XML 1.0 allows in a document, escaped or not.
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `text` escaped for element content, or for a double-quoted
/// attribute value. Characters XML cannot carry become U+FFFD. In attributes
/// tab and line breaks are written as references, since a parser would
/// otherwise normalise them to spaces.
pub(crate) fn escape_into(out: &mut String, text: &str, in_attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            // Needed only after "]]", but always escaping it costs nothing.
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if allowed_in_xml(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str, in_attribute: bool) -> String {
        let mut out = String::new();
        escape_into(&mut out, text, in_attribute);
        out
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn entry(id: &str, updated: &str) -> Entry {
        Entry {
            id: id.to_string(),
            title: format!("entry {id}"),
            updated: at(updated),
            published: None,
            author: None,
            links: Vec::new(),
            categories: Vec::new(),
            summary: None,
        }
    }

    fn feed(entries: Vec<Entry>) -> Feed {
        Feed {
            id: "urn:test:feed".to_string(),
            title: "Test".to_string(),
            subtitle: None,
            links: Vec::new(),
            author: "ravenwire".to_string(),
            entries,
        }
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escaped(r#"Tom & "Jerry" <b>'s</b> ]]>"#, false),
            r#"Tom &amp; "Jerry" &lt;b&gt;'s&lt;/b&gt; ]]&gt;"#
        );
        assert_eq!(escaped(r#"a"b&c<d>"#, true), "a&quot;b&amp;c&lt;d&gt;");
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(
            escaped("bell\u{7}null\u{0}end\u{FFFF}", false),
            "bell\u{FFFD}null\u{FFFD}end\u{FFFD}"
        );
        assert_eq!(escaped("tab\tline\nret\r", false), "tab\tline\nret&#13;");
        assert_eq!(escaped("tab\tline\n", true), "tab&#9;line&#10;");
        assert_eq!(escaped("émoji 🦅", true), "émoji 🦅");
    }

    #[test]
    fn feed_updated_is_the_newest_entry_as_an_instant() {
        // 09:00+02:00 is 07:00 UTC, older than 08:00 UTC despite its digits.
        let f = feed(vec![
            entry("a", "2024-03-01T09:00:00+02:00"),
            entry("b", "2024-03-01T08:00:00Z"),
        ]);
        assert_eq!(date(&f.updated()), "2024-03-01T08:00:00Z");
        let xml = f.to_xml();
        assert!(
            xml.contains("<title>Test</title>\n  <updated>2024-03-01T08:00:00Z</updated>\n"),
            "{xml}"
        );
    }

    #[test]
    fn empty_feed_is_dated_at_the_epoch() {
        let xml = feed(Vec::new()).to_xml();
        assert!(xml.contains("  <updated>1970-01-01T00:00:00Z</updated>\n"), "{xml}");
        assert!(!xml.contains("<entry>"));
    }

    #[test]
    fn dates_keep_their_offset() {
        assert_eq!(date(&at("2024-03-01T11:30:00+01:00")), "2024-03-01T11:30:00+01:00");
        assert_eq!(date(&at("2024-03-01T11:30:00.75+00:00")), "2024-03-01T11:30:00Z");
    }

    #[test]
    fn entries_carry_links_and_categories_as_attributes() {
        let mut e = entry("x", "2024-03-01T08:00:00Z");
        e.links.push(Link {
            rel: "related",
            href: "https://a.example/?q=1&r=\"2\"".to_string(),
            media_type: Some("text/html"),
            title: Some("First <report>".to_string()),
        });
        e.categories.push(Category {
            scheme: "urn:test:provenance",
            term: "copy",
            label: "Copy",
        });
        let xml = feed(vec![e]).to_xml();
        assert!(xml.contains(
            "<link rel=\"related\" type=\"text/html\" href=\"https://a.example/?q=1&amp;r=&quot;2&quot;\" title=\"First &lt;report&gt;\"/>"
        ), "{xml}");
        assert!(xml.contains("<category scheme=\"urn:test:provenance\" term=\"copy\" label=\"Copy\"/>"));
    }
}
