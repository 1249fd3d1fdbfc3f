//! robots.txt: fetched once per origin, kept in memory, obeyed for article
//! pages under the product token `ravenwire`.
//!
//! A 2xx robots.txt is parsed and obeyed; a 4xx one (no robots.txt) allows
//! everything; a 5xx answer or a network failure disallows the whole origin
//! for a short while, since the site may be in trouble. A Crawl-delay raises
//! the host limiter's gap for that host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use texting_robots::Robot;
use tokio::time::Instant;
use url::Url;

use crate::error::{Error, Result};
use crate::fetch::Fetcher;
use crate::hosts::host_key;

/// The product token matched against robots.txt User-agent lines.
pub const ROBOTS_TOKEN: &str = "ravenwire";
/// The most robots.txt bytes read; the rest is ignored.
pub const MAX_ROBOTS_BYTES: u64 = 512 * 1024;
/// How long a fetched (or missing) robots.txt is trusted.
pub const ROBOTS_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long an unreachable robots.txt keeps its origin disallowed.
pub const ROBOTS_RETRY: Duration = Duration::from_secs(10 * 60);

/// The robots.txt rules of each origin. Cheap to clone: clones share it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RobotsCache {
    origins: Arc<Mutex<HashMap<String, Slot>>>,
}

/// One origin's rules; its lock is held while they are fetched, so
/// concurrent callers wait for one fetch.
type Slot = Arc<tokio::sync::Mutex<Option<Entry>>>;

#[derive(Debug, Clone)]
struct Entry {
    rules: Rules,
    expires: Instant,
}

#[derive(Clone)]
enum Rules {
    AllowAll,
    DisallowAll,
    Parsed(Arc<Robot>),
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rules::AllowAll => f.write_str("AllowAll"),
            Rules::DisallowAll => f.write_str("DisallowAll"),
            Rules::Parsed(_) => f.write_str("Parsed"),
        }
    }
}

impl RobotsCache {
    /// Whether robots.txt lets `fetcher` get `url`, fetching the origin's
    /// robots.txt first when it is not cached (or has expired). Concurrent
    /// callers for one origin wait for a single fetch.
    pub(crate) async fn allowed(&self, fetcher: &Fetcher, url: &Url) -> Result<bool> {
        let origin = origin_of(url);
        let slot = {
            let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
            origins.entry(origin.clone()).or_default().clone()
        };
        let mut entry = slot.lock().await;
        let now = Instant::now();
        let rules = match entry.as_ref() {
            Some(cached) if cached.expires > now => cached.rules.clone(),
            _ => {
                let fresh = fetch_rules(fetcher, &origin).await?;
                let rules = fresh.rules.clone();
                *entry = Some(fresh);
                rules
            }
        };
        drop(entry);
        Ok(match rules {
            Rules::AllowAll => true,
            Rules::DisallowAll => false,
            Rules::Parsed(robot) => {
                if let Some(delay) = robot.delay.filter(|d| d.is_finite() && *d > 0.0) {
                    let delay = Duration::from_secs_f32(delay.min(3600.0));
                    fetcher.limiter().set_crawl_delay(&host_key(url), delay);
                }
                robot.allowed(url.as_str())
            }
        })
    }
}

/// `scheme://host[:port]`, the part of a URL one robots.txt governs.
fn origin_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

async fn fetch_rules(fetcher: &Fetcher, origin: &str) -> Result<Entry> {
    let robots_url = format!("{origin}/robots.txt");
    let now = Instant::now();
    let entry = |rules, ttl| Entry {
        rules,
        expires: now + ttl,
    };
    match fetcher.get_capped(&robots_url, MAX_ROBOTS_BYTES).await {
        Ok(fetched) => match Robot::new(ROBOTS_TOKEN, &fetched.body) {
            Ok(robot) => Ok(entry(Rules::Parsed(Arc::new(robot)), ROBOTS_TTL)),
            // Unreadable rules are taken as no rules, as when there is no file.
            Err(_) => Ok(entry(Rules::AllowAll, ROBOTS_TTL)),
        },
        Err(Error::Status { status, .. }) if (400..500).contains(&status) && status != 429 => {
            Ok(entry(Rules::AllowAll, ROBOTS_TTL))
        }
        // The guard refusing the host refuses the page too: say so.
        Err(error @ Error::Refused { .. }) => Err(error),
        Err(Error::InvalidUrl { url, reason }) => Err(Error::InvalidUrl { url, reason }),
        // 5xx, 429, timeouts and network failures: stay away for a while.
        Err(_) => Ok(entry(Rules::DisallowAll, ROBOTS_RETRY)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_keep_scheme_host_and_explicit_port() {
        let origin = |u: &str| origin_of(&Url::parse(u).unwrap());
        assert_eq!(origin("https://News.Invalid/a/b?c"), "https://news.invalid");
        assert_eq!(origin("http://news.invalid:8080/a"), "http://news.invalid:8080");
        assert_eq!(origin("http://news.invalid:80/a"), "http://news.invalid");
    }

    #[test]
    fn our_token_is_matched() {
        let txt = b"User-agent: *\nDisallow: /private/\n\nUser-agent: ravenwire\nDisallow: /drafts/\nCrawl-delay: 2\n";
        let robot = Robot::new(ROBOTS_TOKEN, txt).unwrap();
        assert!(!robot.allowed("http://news.invalid/drafts/one"));
        assert!(robot.allowed("http://news.invalid/private/one"));
        assert_eq!(robot.delay, Some(2.0));
    }
}
