//! Getting pages in: files, folders, WARC archives, feeds and HTTP.
//!
//! Every way in ends in a [`Page`]: raw bytes plus what is known about where
//! they came from. Nothing here looks inside the HTML; that is extraction's
//! job. What this crate guarantees is that bad input (a corrupt gzip, a
//! truncated archive, an endless HTTP body) becomes an error naming the input,
//! never a panic or an unbounded allocation.

mod discover;
mod error;
mod feed;
mod fetch;
mod guard;
mod gzip_members;
mod hosts;
mod input;
mod limits;
mod opml;
mod resync;
mod robots;
mod sitemap;
#[cfg(test)]
mod test_server;
mod warc;

pub use discover::discover_feeds;
pub use error::{Error, Result};
pub use feed::{parse_feed, Feed, FeedEntry};
pub use fetch::{Conditional, Validators};
pub use fetch::{FetchConfig, Fetched, Fetcher};
pub use guard::{forbidden_reason, NetPolicy};
pub use gzip_members::GzMembers;
pub use hosts::{host_key, HostLimiter, HostPermit, MAX_CRAWL_DELAY};
pub use input::{list_inputs, read_input, Input, InputKind};
pub use limits::MAX_PAGE_BYTES;
pub use opml::{parse_opml, write_opml, Outline, STARTER_OPML};
pub use robots::{MAX_ROBOTS_BYTES, ROBOTS_TOKEN};
pub use sitemap::{looks_like_sitemap, parse_sitemap, robots_sitemaps, Sitemap, SitemapUrl, MAX_SITEMAP_BYTES};
pub use warc::{pages_from_records, RecordReader, WarcReader, WarcRecord};

use chrono::{DateTime, Utc};

/// One page to extract, whatever it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// What to name in messages: a file path, `path#record-N` for a WARC
    /// record, or the URL asked for.
    pub origin: String,
    /// The page's address when known (WARC-Target-URI, final HTTP URL).
    pub url: Option<String>,
    pub body: Vec<u8>,
    /// From the HTTP Content-Type, when known.
    pub charset: Option<String>,
    pub status: Option<u16>,
    pub fetched_at: Option<DateTime<Utc>>,
}
