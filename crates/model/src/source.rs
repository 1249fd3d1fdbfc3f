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
