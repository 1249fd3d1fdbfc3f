//! Gathering errors, each naming the input that failed.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

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
    Status {
        url: String,
        status: u16,
        /// The server's Retry-After, as a wait from when it answered.
        retry_after: Option<Duration>,
    },

    #[error("{url}: timed out")]
    Timeout { url: String },

    #[error("{url}: too many redirects (limit {limit})")]
    TooManyRedirects { url: String, limit: usize },

    #[error("{url}: {}", causes(source))]
    Http { url: String, source: reqwest::Error },

    #[error("{url}: malformed feed: {source}")]
    Feed {
        url: String,
        source: feed_rs::parser::ParseFeedError,
    },

    /// Refused before any request: the SSRF guard (a loopback, private or
    /// otherwise non-public address, directly, through DNS or on a redirect
    /// hop) or a scheme other than http(s).
    #[error("{url}: refused: {reason}")]
    Refused { url: String, reason: String },

    /// The site's robots.txt does not let ravenwire fetch this page (or it
    /// could not be read just now).
    #[error("{url}: disallowed by robots.txt")]
    Robots { url: String },

    /// A redirect led back to a URL already visited.
    #[error("{url}: redirect loop")]
    RedirectLoop { url: String },

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

    /// How long the server asked us to wait (Retry-After), on a status error.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// An error and its causes, outermost first: reqwest's own message ("error
/// sending request") says nothing of why (a DNS failure, a refused
/// connection, a TLS problem); its sources do.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        next = cause.source();
    }
    text
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
