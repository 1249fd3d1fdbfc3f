//! Feed discovery: the feeds an HTML page names with
//! `<link rel="alternate" type="application/rss+xml" href="...">`.

use std::collections::HashSet;

use scraper::{Html, Selector};

/// Media types that announce a feed.
const FEED_TYPES: [&str; 4] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
];

/// The feeds `html` (fetched from `page_url`) announces through
/// `<link rel="alternate">` with an RSS, Atom or JSON Feed type: absolute,
/// http(s) only, in document order, each once. `rel` may list several
/// tokens; tokens and types compare case-insensitively.
pub fn discover_feeds(html: &[u8], page_url: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(html);
    let document = Html::parse_document(&text);
    let base = url::Url::parse(page_url).ok();
    // A <base href> changes what relative links mean.
    let base = match Selector::parse("base[href]").ok().and_then(|s| {
        document
            .select(&s)
            .next()
            .and_then(|b| b.value().attr("href"))
            .map(str::to_string)
    }) {
        Some(href) => resolve(&href, base.as_ref()).or(base),
        None => base,
    };
    let Ok(links) = Selector::parse("link[href]") else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    document
        .select(&links)
        .filter(|link| {
            let link = link.value();
            let alternate = link.attr("rel").is_some_and(|rel| {
                rel.split_ascii_whitespace()
                    .any(|t| t.eq_ignore_ascii_case("alternate"))
            });
            let feed_type = link.attr("type").is_some_and(|t| {
                let media = t.split(';').next().unwrap_or("").trim();
                FEED_TYPES.iter().any(|f| media.eq_ignore_ascii_case(f))
            });
            alternate && feed_type
        })
        .filter_map(|link| link.value().attr("href"))
        .filter_map(|href| resolve(href, base.as_ref()))
        .map(|url| url.to_string())
        .filter(|url| seen.insert(url.clone()))
        .collect()
}

fn resolve(href: &str, base: Option<&url::Url>) -> Option<url::Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = match base {
        Some(base) => base.join(href).ok()?,
        None => url::Url::parse(href).ok()?,
    };
    matches!(url.scheme(), "http" | "https").then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rss_atom_and_json_feeds_in_document_order() {
        let html = br#"<!DOCTYPE html>
<html><head>
  <title>Saltmarsh Tribune</title>
  <link rel="stylesheet" href="/style.css">
  <link rel="alternate" type="application/rss+xml" title="All news" href="/feeds/all.rss">
  <link rel="canonical" href="https://saltmarsh.example/">
  <LINK REL="Alternate Home" TYPE="Application/Atom+XML" href="https://saltmarsh.example/atom.xml">
  <link rel="alternate" type="application/feed+json" href="feed.json">
  <link rel="alternate" type="application/json; charset=utf-8" href="//cdn.saltmarsh.example/f.json">
  <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
  <link rel="alternate" type="application/rss+xml" href="/feeds/all.rss">
  <link rel="alternate" type="application/rss+xml" href="javascript:void(0)">
  <link rel="alternate" type="application/rss+xml" href="">
  <link rel="feed" type="application/rss+xml" href="/not-alternate.rss">
</head><body>
  <link rel="alternate" type="application/rss+xml" href="/late/body.rss">
</body></html>"#;
        assert_eq!(
            discover_feeds(html, "https://saltmarsh.example/news/index.html"),
            [
                "https://saltmarsh.example/feeds/all.rss",
                "https://saltmarsh.example/atom.xml",
                "https://saltmarsh.example/news/feed.json",
                "https://cdn.saltmarsh.example/f.json",
                "https://saltmarsh.example/late/body.rss",
            ]
        );
    }

    #[test]
    fn a_base_element_changes_what_relative_links_mean() {
        let html = br#"<html><head><base href="https://static.lindholm.example/pub/">
            <link rel="alternate" type="application/atom+xml" href="feed.atom"></head></html>"#;
        assert_eq!(
            discover_feeds(html, "https://lindholm.example/"),
            ["https://static.lindholm.example/pub/feed.atom"]
        );
    }

    #[test]
    fn pages_without_feeds_and_junk_give_nothing() {
        assert!(discover_feeds(b"", "https://a.example/").is_empty());
        assert!(discover_feeds(b"<p>No feeds here</p>", "https://a.example/").is_empty());
        assert!(discover_feeds(b"\xff\xfe\x00<<<link", "https://a.example/").is_empty());
        // Without a usable page URL only absolute links count.
        let html = br#"<link rel=alternate type=application/rss+xml href=/rel.rss>
            <link rel=alternate type=application/rss+xml href=https://b.example/abs.rss>"#;
        assert_eq!(discover_feeds(html, "not a url"), ["https://b.example/abs.rss"]);
    }
}
