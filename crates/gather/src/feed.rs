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

/// Parses RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes fetched from `url`
/// (relative links are resolved against it).
pub fn parse_feed(bytes: &[u8], url: &str) -> Result<Feed> {
    let base = url::Url::parse(url).ok();
    let parsed = feed_rs::parser::Builder::new()
        .base_uri(base.as_ref().map(|b| b.as_str()))
        .build()
        .parse(bytes)
        .map_err(|source| Error::Feed {
            url: url.to_string(),
            source,
        })?;

    let site_url = parsed
        .links
        .iter()
        .filter(|link| is_page_link(link))
        .filter_map(|link| absolute(&link.href, base.as_ref()))
        .find(|href| Some(href.as_str()) != base.as_ref().map(|b| b.as_str()));

    let entries = parsed
        .entries
        .into_iter()
        .map(|entry| entry_from(entry, base.as_ref()))
        .collect();

    Ok(Feed {
        title: parsed.title.and_then(|t| non_empty(t.content)),
        site_url,
        entries,
    })
}

fn entry_from(entry: rss::Entry, base: Option<&url::Url>) -> FeedEntry {
    let url = entry
        .links
        .iter()
        .filter(|link| is_page_link(link))
        .chain(entry.links.iter())
        .find_map(|link| absolute(&link.href, base));
    let authors = entry
        .authors
        .into_iter()
        .filter_map(|person| non_empty(person.name))
        .collect();
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
        for junk in ["<html><body>not a feed</body></html>", "{\"items\": 3", "plain words"] {
            let error = parse_feed(junk.as_bytes(), "https://bad.example/feed").unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with("https://bad.example/feed: malformed feed: "),
                "{message}"
            );
        }
    }
}
