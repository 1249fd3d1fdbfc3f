//! Gathering errors, each naming the input that failed.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while gathering. Each variant names the input
/// (file, archive record or URL) so one message is enough to find the culprit.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: no such file or folder", path.display())]
    NotFound { path: PathBuf },

    #[error("{origin}: {source}")]
    Io { origin: String, source: io::Error },

    #[error("{origin}: corrupt gzip data: {source}")]
    CorruptGzip { origin: String, source: io::Error },

    #[error("{origin}: empty file")]
    Empty { origin: String },

    #[error("{origin}: larger than the {limit}-byte limit")]
    TooLarge { origin: String, limit: u64 },

    #[error("{origin}: malformed WARC: {reason}")]
    Warc { origin: String, reason: String },

    #[error("{origin}: truncated WARC: {reason}")]
    TruncatedWarc { origin: String, reason: String },

    #[error("{origin}: malformed HTTP response in WARC record: {reason}")]
    HttpPayload { origin: String, reason: String },

    #[error("{url}: invalid URL: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error("{url}: HTTP status {status}")]
    Status { url: String, status: u16 },

    #[error("{url}: timed out")]
    Timeout { url: String },

    #[error("{url}: too many redirects (limit {limit})")]
    TooManyRedirects { url: String, limit: usize },

    #[error("{url}: {source}")]
    Http { url: String, source: reqwest::Error },

    #[error("{url}: malformed feed: {source}")]
    Feed {
        url: String,
        source: feed_rs::parser::ParseFeedError,
    },

    #[error("{url}: not a feed: {reason}")]
    NotAFeed { url: String, reason: &'static str },

    #[error("{url}: malformed sitemap: {reason}")]
    Sitemap { url: String, reason: String },

    #[error("{origin}: malformed OPML: {reason}")]
    Opml { origin: String, reason: String },
}

impl Error {
    /// The HTTP status carried by a non-2xx answer, so callers can tell a
    /// 404 (drop the URL) from a 503 (try again later).
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
