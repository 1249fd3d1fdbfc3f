//! HTTP fetching with timeouts, redirects, decompression, a size cap, the
//! SSRF guard, per-host politeness, conditional GET and robots.txt.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use reqwest::header::{
    HeaderMap, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    RETRY_AFTER,
};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use url::Url;

use crate::error::{Error, Result};
use crate::guard::{self, Cause, GuardedResolver, NetPolicy, RedirectStop};
use crate::hosts::{host_key, HostLimiter};
use crate::limits::parse_content_type;
use crate::robots::RobotsCache;
use crate::Page;

/// How the [`Fetcher`] behaves on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// An explicit User-Agent. `None` (the default) sends the one built by
    /// [`FetchConfig::user_agent`] from the version and `contact`.
    pub user_agent: Option<String>,
    /// A URL where site owners can learn about (or reach) whoever runs this
    /// ravenwire; it goes into the User-Agent.
    pub contact: Option<String>,
    /// The whole exchange, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// The most body bytes accepted (after content decoding).
    pub max_bytes: u64,
    pub max_redirects: usize,
    /// Lift the SSRF guard: allow loopback, private and other non-public
    /// addresses.
    pub allow_private: bool,
    /// Requests at once to one host.
    pub per_host_concurrency: usize,
    /// The least time between two request starts to one host; a robots.txt
    /// Crawl-delay raises it for that host (up to 60 s).
    pub per_host_delay: Duration,
    /// Requests at once overall.
    pub max_concurrency: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: None,
            contact: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_bytes: 16 * 1024 * 1024,
            max_redirects: 5,
            allow_private: false,
            per_host_concurrency: 2,
            per_host_delay: Duration::from_secs(1),
            max_concurrency: 32,
        }
    }
}

impl FetchConfig {
    /// The User-Agent sent: the explicit `user_agent` when set, else
    /// `ravenwire/<version> (+<contact>)`, or `ravenwire/<version>` with no
    /// contact.
    pub fn user_agent(&self) -> String {
        if let Some(agent) = &self.user_agent {
            return agent.clone();
        }
        let version = env!("CARGO_PKG_VERSION");
        match self.contact.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(contact) => format!("ravenwire/{version} (+{contact})"),
            None => format!("ravenwire/{version}"),
        }
    }

    /// The SSRF guard's policy.
    pub fn net_policy(&self) -> NetPolicy {
        NetPolicy {
            allow_private: self.allow_private,
        }
    }
}

/// What a previous answer said about its version, sent back on the next
/// request so an unchanged resource costs a 304.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a conditional GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conditional {
    Modified(Fetched),
    /// 304: what we have is current. `max_age` is the server's
    /// Cache-Control max-age, when given.
    NotModified {
        max_age: Option<Duration>,
    },
}

/// One successful (2xx) HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL asked for.
    pub url: String,
    /// Where the redirects ended.
    pub final_url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub charset: Option<String>,
    pub body: Vec<u8>,
    pub fetched_at: DateTime<Utc>,
    /// The ETag header, for the next conditional GET.
    pub etag: Option<String>,
    /// The Last-Modified header, for the next conditional GET.
    pub last_modified: Option<String>,
    /// Cache-Control max-age; `None` without one or with no-store/no-cache.
    pub max_age: Option<Duration>,
}

impl Fetched {
    /// The validators to send on the next conditional GET of this URL.
    pub fn validators(&self) -> Validators {
        Validators {
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
        }
    }
}

impl From<Fetched> for Page {
    fn from(fetched: Fetched) -> Self {
        Page {
            origin: fetched.url,
            url: Some(fetched.final_url),
            body: fetched.body,
            charset: fetched.charset,
            status: Some(fetched.status),
            fetched_at: Some(fetched.fetched_at),
        }
    }
}

/// An HTTP client with ravenwire's limits built in. Cheap to clone: clones
/// share one connection pool, one host limiter and one robots.txt cache.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: Arc<FetchConfig>,
    limiter: HostLimiter,
    robots: RobotsCache,
}

/// How much body one request accepts, and whether going over is an error
/// or the end of what is read.
#[derive(Debug, Clone, Copy)]
struct BodyCap {
    max: u64,
    truncate: bool,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Self> {
        let policy = config.net_policy();
        let max_redirects = config.max_redirects;
        let redirects = Policy::custom(move |attempt| {
            match guard::check_redirect(attempt.url(), attempt.previous(), max_redirects, policy) {
                Ok(()) => attempt.follow(),
                Err(error) => attempt.error(error),
            }
        });
        let mut builder = reqwest::Client::builder()
            .user_agent(config.user_agent())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(redirects);
        if !config.allow_private {
            // A proxy would resolve names where the guard cannot see them.
            builder = builder.dns_resolver(Arc::new(GuardedResolver { policy })).no_proxy();
        }
        let client = builder.build().map_err(|source| Error::Http {
            url: "(client setup)".to_string(),
            source,
        })?;
        let limiter = HostLimiter::new(
            config.max_concurrency,
            config.per_host_concurrency,
            config.per_host_delay,
        );
        Ok(Fetcher {
            client,
            config: Arc::new(config),
            limiter,
            robots: RobotsCache::default(),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// The shared per-host limiter every request goes through.
    pub fn limiter(&self) -> &HostLimiter {
        &self.limiter
    }

    /// GETs `url`, following redirects. A non-2xx answer is an
    /// [`Error::Status`]; a body over `max_bytes` is an [`Error::TooLarge`],
    /// found while streaming (after decoding) so it is never held whole; a
    /// URL the SSRF guard refuses is an [`Error::Refused`].
    pub async fn get(&self, url: &str) -> Result<Fetched> {
        match self.fetch(url, None, self.body_cap()).await? {
            Conditional::Modified(fetched) => Ok(fetched),
            // Only a conditional request gets a 304 taken as success.
            Conditional::NotModified { .. } => Err(Error::Status {
                url: url.to_string(),
                status: 304,
                retry_after: None,
            }),
        }
    }

    /// GETs `url` sending `validators` (If-None-Match, If-Modified-Since);
    /// a 304 answer is [`Conditional::NotModified`].
    pub async fn get_conditional(&self, url: &str, validators: &Validators) -> Result<Conditional> {
        self.fetch(url, Some(validators), self.body_cap()).await
    }

    /// Like [`Fetcher::get`], for an article page: first checks the
    /// origin's robots.txt (fetched once, cached), and answers
    /// [`Error::Robots`] when it disallows `url`.
    pub async fn get_page(&self, url: &str) -> Result<Fetched> {
        let parsed = self.parse(url)?;
        if !self.robots.allowed(self, &parsed).await? {
            return Err(Error::Robots { url: url.to_string() });
        }
        self.get(url).await
    }

    /// GETs `url` reading at most `max` body bytes and ignoring the rest
    /// (robots.txt).
    /// POSTs a form (a WebSub subscription request, say) and returns the
    /// answer's status; the body is dropped unread. The SSRF guard and the
    /// host limits hold as for a GET.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<u16> {
        let parsed = self.parse(url)?;
        let _permit = self.limiter.acquire(&host_key(&parsed)).await;
        let response = self
            .client
            .post(parsed)
            .form(form)
            .send()
            .await
            .map_err(|e| self.request_error(url, e))?;
        Ok(response.status().as_u16())
    }

    pub(crate) async fn get_capped(&self, url: &str, max: u64) -> Result<Fetched> {
        let cap = BodyCap { max, truncate: true };
        match self.fetch(url, None, cap).await? {
            Conditional::Modified(fetched) => Ok(fetched),
            Conditional::NotModified { .. } => Err(Error::Status {
                url: url.to_string(),
                status: 304,
                retry_after: None,
            }),
        }
    }

    fn body_cap(&self) -> BodyCap {
        BodyCap {
            max: self.config.max_bytes,
            truncate: false,
        }
    }

    fn parse(&self, url: &str) -> Result<Url> {
        let parsed = Url::parse(url).map_err(|e| Error::InvalidUrl {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        guard::check_url(&parsed, self.config.net_policy()).map_err(|refusal| Error::Refused {
            url: url.to_string(),
            reason: refusal.reason,
        })?;
        Ok(parsed)
    }

    async fn fetch(&self, url: &str, validators: Option<&Validators>, cap: BodyCap) -> Result<Conditional> {
        let parsed = self.parse(url)?;
        let _permit = self.limiter.acquire(&host_key(&parsed)).await;

        let mut request = self.client.get(parsed);
        if let Some(validators) = validators {
            if let Some(etag) = &validators.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = &validators.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date);
            }
        }
        let mut response = request.send().await.map_err(|e| self.request_error(url, e))?;
        let fetched_at = Utc::now();
        let status = response.status();
        let headers = response.headers();
        if status == StatusCode::NOT_MODIFIED && validators.is_some() {
            return Ok(Conditional::NotModified {
                max_age: max_age(headers),
            });
        }
        if !status.is_success() {
            return Err(Error::Status {
                url: url.to_string(),
                status: status.as_u16(),
                retry_after: retry_after(headers, SystemTime::now()),
            });
        }
        let final_url = response.url().to_string();
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = text(CONTENT_TYPE);
        let etag = text(ETAG);
        let last_modified = text(LAST_MODIFIED);
        let max_age = max_age(headers);
        let charset = content_type.as_deref().and_then(|ct| parse_content_type(ct).1);

        let too_large = || Error::TooLarge {
            origin: url.to_string(),
            limit: cap.max,
        };
        // An honest Content-Length lets an oversized body be refused before
        // any of it is read. reqwest drops the header when it decodes a
        // compressed body, so a value still here is the size to be read.
        let declared = text(CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
        if !cap.truncate && declared.is_some_and(|len| len > cap.max) {
            return Err(too_large());
        }

        // The chunks come decoded, so this count holds for compressed bodies
        // too: a small gzip bomb stops at the cap, not at its inflated size.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.request_error(url, e))? {
            let room = (cap.max as usize).saturating_sub(body.len());
            if chunk.len() > room {
                if cap.truncate {
                    body.extend_from_slice(&chunk[..room]);
                    break;
                }
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }

        Ok(Conditional::Modified(Fetched {
            url: url.to_string(),
            final_url,
            status: status.as_u16(),
            content_type,
            charset,
            body,
            fetched_at,
            etag,
            last_modified,
            max_age,
        }))
    }

    fn request_error(&self, url: &str, source: reqwest::Error) -> Error {
        let url = url.to_string();
        match guard::find_cause(&source) {
            Some(Cause::Refused(reason)) => return Error::Refused { url, reason },
            Some(Cause::Redirect(RedirectStop::Loop)) => return Error::RedirectLoop { url },
            Some(Cause::Redirect(RedirectStop::TooMany)) => {
                return Error::TooManyRedirects {
                    url,
                    limit: self.config.max_redirects,
                }
            }
            None => {}
        }
        if source.is_timeout() {
            Error::Timeout { url }
        } else if source.is_redirect() {
            Error::TooManyRedirects {
                url,
                limit: self.config.max_redirects,
            }
        } else {
            Error::Http { url, source }
        }
    }
}

/// Cache-Control max-age, or `None` without one or when the answer must
/// not be reused (no-store, no-cache).
pub(crate) fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut found = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',') {
            let directive = directive.trim();
            let (name, arg) = match directive.split_once('=') {
                Some((name, arg)) => (name.trim(), Some(arg.trim().trim_matches('"'))),
                None => (directive, None),
            };
            if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                return None;
            }
            if name.eq_ignore_ascii_case("max-age") {
                if let Some(secs) = arg.and_then(|a| a.parse::<u64>().ok()) {
                    found.get_or_insert(Duration::from_secs(secs));
                }
            }
        }
    }
    found
}

/// Retry-After as a wait from `now`: delta-seconds or an HTTP-date (a date
/// in the past is no wait).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
#[path = "fetch_tests.rs"]
mod tests;
