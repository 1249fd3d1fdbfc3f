//! Outlets and feeds that ravenwire gathers from.

use serde::{Deserialize, Serialize};

/// How ravenwire learns about a source's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// An RSS, Atom or JSON feed that is polled.
    Feed,
    /// A site whose pages arrive by import (files, WARC) or crawl.
    Site,
    /// A sitemap (or Google News sitemap) that is polled for new page URLs.
    Sitemap,
}

impl SourceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Site => "site",
            SourceKind::Sitemap => "sitemap",
        }
    }
}

/// A feed or site that articles come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    /// The feed URL, or the site's origin (`https://host`).
    pub url: String,
    pub title: Option<String>,
}

/// What a source of `url` is taken for when it is added without being
/// fetched (`ravenwire add --force`, OPML imports, the sources page): a
/// sitemap when its path says so, else a feed. `url` must be an absolute
/// http(s) URL with a host; the error is the reason, to follow the URL in
/// a message.
pub fn unchecked_kind(url: &str) -> Result<SourceKind, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("not an absolute URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("the scheme must be http or https, not {:?}", parsed.scheme()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("it names no host".to_string());
    }
    Ok(if parsed.path().to_ascii_lowercase().contains("sitemap") {
        SourceKind::Sitemap
    } else {
        SourceKind::Feed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchecked_urls_are_http_and_a_sitemap_path_makes_a_sitemap() {
        assert_eq!(unchecked_kind("https://news.example/rss"), Ok(SourceKind::Feed));
        assert_eq!(
            unchecked_kind(" https://news.example/Sitemap-news.xml "),
            Ok(SourceKind::Sitemap)
        );
        for bad in ["news.example/rss", "ftp://news.example/rss", "file:///etc/passwd"] {
            assert!(unchecked_kind(bad).is_err(), "{bad}");
        }
        assert!(unchecked_kind("gopher://x/1").unwrap_err().contains("scheme"));
    }
}
