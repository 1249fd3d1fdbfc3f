//! RSS, Atom and JSON feeds parsed with feed-rs and reduced to what ravenwire uses.

use feed_rs::model as rss;
use model::Timestamp;

use crate::error::{Error, Result};

/// A parsed feed, reduced to what ravenwire uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub title: Option<String>,
    /// The site the feed belongs to (not the feed's own URL).
    pub site_url: Option<String>,
    pub entries: Vec<FeedEntry>,
    /// The WebSub hub the feed names (`<link rel="hub">`, `atom:link`
    /// in RSS, `hubs` in JSON Feed), absolute.
    pub hub: Option<String>,
    /// The feed's own address as it states it (`rel="self"`, JSON
    /// `feed_url`), absolute.
    pub self_url: Option<String>,
    /// Which format the feed was written in: `"rss"` (0.9x and 2.0),
    /// `"rdf"` (RSS 1.0), `"atom"` (1.0, and 0.3 read through it) or `"json"`.
    pub format: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// The entry's own id (guid, Atom id); feed-rs makes one up from the
    /// link and title when the feed gives none.
    pub id: String,
    /// The article's address, absolute.
    pub url: Option<String>,
    pub title: Option<String>,
    /// Publication time, or the update time when that is all there is.
    pub published: Option<Timestamp>,
    pub content_html: Option<String>,
    pub summary: Option<String>,
    pub authors: Vec<String>,
}

/// Parses RSS 0.91/0.92/1.0/2.0, Atom 0.3/1.0 or JSON Feed 1.0/1.1 bytes
/// fetched from `url` (relative links are resolved against it).
///
/// An empty body, an HTML page or anything else that is no feed is
/// [`Error::NotAFeed`]; a feed that breaks off or is malformed is
/// [`Error::Feed`]. Both name `url`.
pub fn parse_feed(bytes: &[u8], url: &str) -> Result<Feed> {
    if let Some(reason) = not_a_feed(bytes) {
        return Err(Error::NotAFeed {
            url: url.to_string(),
            reason,
        });
    }
    let base = url::Url::parse(url).ok();
    // feed-rs knows only the Atom 1.0 namespace; Atom 0.3 differs from it
    // mostly in names, so it is renamed into 1.0 first.
    let upgraded = upgrade_atom03(bytes);
    let input = upgraded.as_deref().unwrap_or(bytes);
    // Bytes meant as UTF-8 that are not: feed-rs would drop every text
    // holding a bad byte, so they are made UTF-8 first.
    let transcoded = not_utf8_as_declared(input);
    let input = transcoded.as_deref().unwrap_or(input);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base.as_ref().map(|b| b.as_str()))
        .build();
    let parsed = match parser.parse(input) {
        Ok(parsed) => parsed,
        // An encoding the parser does not know: read the bytes as UTF-8
        // rather than lose the feed.
        Err(first) => match relabelled_utf8(input) {
            Some(text) => parser.parse(text.as_bytes()).map_err(|_| first),
            None => Err(first),
        }
        .map_err(|source| Error::Feed {
            url: url.to_string(),
            source,
        })?,
    };

    let format = match parsed.feed_type {
        rss::FeedType::Atom => "atom",
        rss::FeedType::JSON => "json",
        rss::FeedType::RSS1 => "rdf",
        rss::FeedType::RSS0 | rss::FeedType::RSS2 => "rss",
    };
    let json = if format == "json" {
        json_extras(input)
    } else {
        JsonExtras::default()
    };
    let link_with = |rel: &str| {
        parsed
            .links
            .iter()
            .filter(|link| link.rel.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(rel)))
            .find_map(|link| absolute(&link.href, base.as_ref()))
    };
    let hub = json
        .hub
        .as_deref()
        .and_then(|h| absolute(h, base.as_ref()))
        .or_else(|| link_with("hub"));
    let self_url = json
        .feed_url
        .as_deref()
        .and_then(|h| absolute(h, base.as_ref()))
        .or_else(|| link_with("self"));

    let site_url = parsed
        .links
        .iter()
        .filter(|link| is_page_link(link))
        .filter_map(|link| absolute(&link.href, base.as_ref()))
        .find(|href| Some(href.as_str()) != base.as_ref().map(|b| b.as_str()) && Some(href) != self_url.as_ref());

    let entries = parsed
        .entries
        .into_iter()
        .map(|entry| entry_from(entry, base.as_ref()))
        .collect();

    Ok(Feed {
        title: parsed.title.and_then(|t| non_empty(t.content)),
        site_url,
        entries,
        hub,
        self_url,
        format,
    })
}

/// Why `bytes` cannot be a feed at all, judged from how they start.
fn not_a_feed(bytes: &[u8]) -> Option<&'static str> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).map(|at| &text[at..]);
    let Some(start) = start else {
        return Some("the body is empty");
    };
    let head = &start[..start.len().min(1024)];
    let lower = head.to_ascii_lowercase();
    let is_html = lower.starts_with(b"<!doctype html")
        || lower.starts_with(b"<html")
        || (lower.starts_with(b"<?xml") || lower.starts_with(b"<!--"))
            && find(&lower, b"<html").is_some()
            && [&b"<rss"[..], b"<feed", b"<rdf"]
                .iter()
                .all(|root| find(&lower, root).is_none());
    if is_html {
        return Some("an HTML page");
    }
    if !matches!(start[0], b'<' | b'{') {
        return Some("neither XML nor JSON");
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The encoding named in the XML declaration, lower-cased.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(256)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let decl = &head[..find(head, b"?>")?];
    let at = find(decl, b"encoding")? + b"encoding".len();
    let rest = String::from_utf8_lossy(&decl[at..]);
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    let value = rest[1..].split(quote).next()?;
    Some(value.trim().to_ascii_lowercase())
}

/// `bytes` as UTF-8 when they should be UTF-8 (so declared, or nothing
/// declared) but are not; `None` when they are fine. Text with no valid
/// multi-byte sequence at all is taken for Windows-1252 (which covers
/// ISO-8859-1); a mix keeps its good parts and replaces the bad bytes.
fn not_utf8_as_declared(bytes: &[u8]) -> Option<Vec<u8>> {
    if std::str::from_utf8(bytes).is_ok() || bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    if !declared_encoding(bytes).is_none_or(|e| e == "utf-8" || e == "utf8") {
        return None;
    }
    let some_utf8 = bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii());
    let text = if some_utf8 {
        String::from_utf8_lossy(bytes)
    } else {
        encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0
    };
    Some(text.into_owned().into_bytes())
}

/// `bytes` as UTF-8 (bad bytes replaced) with the XML declaration saying
/// so; `None` when there is no declared encoding to correct.
fn relabelled_utf8(bytes: &[u8]) -> Option<String> {
    declared_encoding(bytes).filter(|e| e != "utf-8" && e != "utf8")?;
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    let end = text.find("?>")?;
    text.replace_range(..end + 2, "<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    Some(text)
}

/// What feed-rs does not keep from a JSON Feed: its own URL and its hub.
#[derive(Default)]
struct JsonExtras {
    feed_url: Option<String>,
    hub: Option<String>,
}

fn json_extras(bytes: &[u8]) -> JsonExtras {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return JsonExtras::default();
    };
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let hub = value["hubs"].as_array().and_then(|hubs| {
        hubs.iter()
            .find(|h| h["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("websub")))
            .or_else(|| hubs.first())
            .and_then(|h| text(&h["url"]))
    });
    JsonExtras {
        feed_url: text(&value["feed_url"]),
        hub,
    }
}

const ATOM03_NS: &[u8] = b"http://purl.org/atom/ns#";
const ATOM10_NS: &[u8] = b"http://www.w3.org/2005/Atom";

/// An Atom 0.3 document rewritten as Atom 1.0 (namespace and the element
/// names that changed); `None` for anything else.
fn upgrade_atom03(bytes: &[u8]) -> Option<Vec<u8>> {
    let head = &bytes[..bytes.len().min(4096)];
    find(head, ATOM03_NS)?;
    find(head, b"feed")?;
    let mut out = replace_all(bytes, ATOM03_NS, ATOM10_NS);
    for (old, new) in [
        ("issued", "published"),
        ("modified", "updated"),
        ("tagline", "subtitle"),
        ("copyright", "rights"),
    ] {
        out = rename_element(&out, old.as_bytes(), new.as_bytes());
    }
    Some(out)
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = find(rest, from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Renames start and end tags `<old`, `</old`, `<p:old`, `</p:old`.
fn rename_element(xml: &[u8], old: &[u8], new: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(xml.len());
    let mut at = 0;
    while at < xml.len() {
        if xml[at] != b'<' {
            out.push(xml[at]);
            at += 1;
            continue;
        }
        let mut name_start = at + 1;
        if xml.get(name_start) == Some(&b'/') {
            name_start += 1;
        }
        let name_len = xml[name_start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'))
            .unwrap_or(xml.len() - name_start);
        let name = &xml[name_start..name_start + name_len];
        let (prefix, local) = match name.iter().position(|b| *b == b':') {
            Some(colon) => name.split_at(colon + 1),
            None => (&name[..0], name),
        };
        out.extend_from_slice(&xml[at..name_start]);
        out.extend_from_slice(prefix);
        out.extend_from_slice(if local == old { new } else { local });
        at = name_start + name_len;
    }
    out
}

fn entry_from(entry: rss::Entry, base: Option<&url::Url>) -> FeedEntry {
    let url = entry
        .links
        .iter()
        .filter(|link| is_page_link(link))
        .chain(entry.links.iter())
        .find_map(|link| absolute(&link.href, base));
    let authors = entry.authors.into_iter().filter_map(author_name).collect();
    FeedEntry {
        id: entry.id,
        url,
        title: entry.title.and_then(|t| non_empty(t.content)),
        published: entry.published.or(entry.updated).map(Timestamp::from),
        content_html: entry.content.and_then(|c| c.body).and_then(non_empty),
        summary: entry.summary.and_then(|s| non_empty(s.content)),
        authors,
    }
}

/// A person's name. feed-rs reads RSS 2.0 `<author>` into a person named
/// "author" whose email is the element's text, by the spec `address (Name)`
/// but often just a name: the name is taken from there, a bare address
/// is no name.
fn author_name(person: rss::Person) -> Option<String> {
    let Some(email) = person.email.filter(|_| person.name == "author") else {
        return non_empty(person.name);
    };
    let email = email.trim();
    if let Some((_, rest)) = email.split_once('(') {
        return non_empty(rest.trim_end().trim_end_matches(')').to_string());
    }
    (!email.contains('@')).then(|| non_empty(email.to_string())).flatten()
}

/// Links that point at a web page rather than the feed itself, a
/// comment thread or an enclosure.
fn is_page_link(link: &rss::Link) -> bool {
    link.rel
        .as_deref()
        .is_none_or(|rel| rel.eq_ignore_ascii_case("alternate"))
}

/// `href` made absolute against the feed URL; only http(s) results count.
fn absolute(href: &str, base: Option<&url::Url>) -> Option<String> {
    let href = href.trim();
    let resolved = match url::Url::parse(href) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(href).ok()?,
        Err(_) => return None,
    };
    matches!(resolved.scheme(), "http" | "https").then(|| resolved.to_string())
}

fn non_empty(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Harbour Gazette</title>
    <link>https://gazette.example/</link>
    <description>Local news</description>
    <item>
      <title>Ferry service resumes</title>
      <link>/2024/ferry</link>
      <guid isPermaLink="false">gazette-1001</guid>
      <pubDate>Tue, 05 Mar 2024 08:15:00 +0100</pubDate>
      <dc:creator>Ines Ferreira</dc:creator>
      <description>Boats run again after the storm.</description>
      <content:encoded><![CDATA[<p>Boats <b>run</b> again.</p>]]></content:encoded>
    </item>
    <item>
      <title>Untimed note</title>
      <guid>https://gazette.example/note</guid>
    </item>
  </channel>
</rss>"#;

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Valley Courier</title>
  <link rel="self" href="https://courier.example/feed.atom"/>
  <link rel="alternate" href="https://courier.example/"/>
  <id>urn:courier</id>
  <updated>2024-03-06T12:00:00Z</updated>
  <entry>
    <title>Bridge vote delayed</title>
    <id>urn:courier:42</id>
    <link rel="replies" href="https://courier.example/42#comments"/>
    <link rel="alternate" href="https://courier.example/42"/>
    <updated>2024-03-06T11:30:00Z</updated>
    <author><name>Tomas Berg</name></author>
    <author><name>  </name></author>
    <summary>The council postponed.</summary>
    <content type="html">&lt;p&gt;The council postponed the vote.&lt;/p&gt;</content>
  </entry>
</feed>"#;

    const JSON_FEED: &str = r#"{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Plains Post",
  "home_page_url": "https://post.example/",
  "feed_url": "https://post.example/feed.json",
  "items": [
    {
      "id": "p-7",
      "url": "https://post.example/7",
      "title": "Harvest begins early",
      "content_html": "<p>Farmers started a week early.</p>",
      "summary": "A warm spring.",
      "date_published": "2024-03-07T06:00:00-05:00",
      "authors": [{"name": "Ada Quill"}]
    }
  ]
}"#;

    #[test]
    fn rss_entries_get_absolute_links_dates_authors_and_content() {
        let feed = parse_feed(RSS.as_bytes(), "https://gazette.example/rss.xml").unwrap();
        assert_eq!(feed.title.as_deref(), Some("Harbour Gazette"));
        assert_eq!(feed.site_url.as_deref(), Some("https://gazette.example/"));
        assert_eq!(feed.entries.len(), 2);
        let first = &feed.entries[0];
        assert_eq!(first.id, "gazette-1001");
        assert_eq!(first.url.as_deref(), Some("https://gazette.example/2024/ferry"));
        assert_eq!(first.title.as_deref(), Some("Ferry service resumes"));
        assert_eq!(
            first.published.unwrap().to_utc().to_rfc3339(),
            "2024-03-05T07:15:00+00:00"
        );
        assert_eq!(first.authors, vec!["Ines Ferreira".to_string()]);
        assert_eq!(first.summary.as_deref(), Some("Boats run again after the storm."));
        assert_eq!(first.content_html.as_deref(), Some("<p>Boats <b>run</b> again.</p>"));
        assert_eq!(feed.entries[1].published, None);
        assert_eq!(feed.entries[1].content_html, None);
    }

    #[test]
    fn atom_entry_prefers_the_alternate_link_and_falls_back_to_updated() {
        let feed = parse_feed(ATOM.as_bytes(), "https://courier.example/feed.atom").unwrap();
        assert_eq!(feed.title.as_deref(), Some("Valley Courier"));
        assert_eq!(feed.site_url.as_deref(), Some("https://courier.example/"));
        let entry = &feed.entries[0];
        assert_eq!(entry.id, "urn:courier:42");
        assert_eq!(entry.url.as_deref(), Some("https://courier.example/42"));
        assert_eq!(entry.authors, vec!["Tomas Berg".to_string()]);
        assert_eq!(
            entry.published.unwrap().to_utc().to_rfc3339(),
            "2024-03-06T11:30:00+00:00"
        );
        assert_eq!(
            entry.content_html.as_deref(),
            Some("<p>The council postponed the vote.</p>")
        );
        assert_eq!(entry.summary.as_deref(), Some("The council postponed."));
    }

    #[test]
    fn json_feed_is_read_and_the_site_is_not_the_feed_itself() {
        let feed = parse_feed(JSON_FEED.as_bytes(), "https://post.example/feed.json").unwrap();
        assert_eq!(feed.title.as_deref(), Some("Plains Post"));
        assert_eq!(feed.site_url.as_deref(), Some("https://post.example/"));
        let entry = &feed.entries[0];
        assert_eq!(entry.id, "p-7");
        assert_eq!(entry.url.as_deref(), Some("https://post.example/7"));
        assert_eq!(entry.title.as_deref(), Some("Harvest begins early"));
        assert_eq!(entry.authors, vec!["Ada Quill".to_string()]);
        assert_eq!(
            entry.published.unwrap().to_utc().to_rfc3339(),
            "2024-03-07T11:00:00+00:00"
        );
        assert_eq!(entry.summary.as_deref(), Some("A warm spring."));
    }

    #[test]
    fn malformed_feed_is_an_error_naming_the_url() {
        let cases = [
            ("<html><body>not a feed</body></html>", "not a feed: an HTML page"),
            ("{\"items\": 3", "malformed feed: "),
            ("plain words", "not a feed: neither XML nor JSON"),
            ("<rss version=\"2.0\"><channel><title>Cut", "malformed feed: "),
        ];
        for (junk, reason) in cases {
            let error = parse_feed(junk.as_bytes(), "https://bad.example/feed").unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("https://bad.example/feed: {reason}")),
                "{message}"
            );
        }
    }

    #[test]
    fn rss_author_elements_give_names_not_the_role() {
        let rss = r#"<rss version="2.0"><channel><title>T</title>
            <item><title>a</title><author>desk@paper.example (Nadia Orlov)</author></item>
            <item><title>b</title><author>Bram Castellanos</author></item>
            <item><title>c</title><author>desk@paper.example</author></item>
            </channel></rss>"#;
        let feed = parse_feed(rss.as_bytes(), "https://paper.example/rss").unwrap();
        let authors: Vec<Vec<String>> = feed.entries.into_iter().map(|e| e.authors).collect();
        assert_eq!(
            authors,
            [
                vec!["Nadia Orlov".to_string()],
                vec!["Bram Castellanos".to_string()],
                vec![]
            ]
        );
    }
}
