//! Politeness limits: how many requests run at once, overall and per host,
//! and how long to wait between two requests to one host.
//!
//! Every request the [`crate::Fetcher`] sends (feeds, pages, robots.txt)
//! first takes a [`HostPermit`] from the shared [`HostLimiter`] and holds it
//! until its body is read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// The longest wait between two requests to one host a robots.txt
/// Crawl-delay can impose.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// Hosts remembered before idle ones are forgotten.
const PRUNE_AT: usize = 4096;

/// Shared concurrency and pacing limits. Cheap to clone: clones share state.
#[derive(Debug, Clone)]
pub struct HostLimiter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    global: Arc<Semaphore>,
    per_host: usize,
    delay: Duration,
    hosts: Mutex<HashMap<String, Host>>,
}

#[derive(Debug)]
struct Host {
    slots: Arc<Semaphore>,
    /// When the latest request to this host started.
    last_start: Option<Instant>,
    /// A robots.txt Crawl-delay, when longer than the configured delay.
    crawl_delay: Option<Duration>,
}

/// Held while one request runs; dropping it frees the slots.
#[derive(Debug)]
pub struct HostPermit {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl HostLimiter {
    /// `max_concurrency` requests at once overall, `per_host` at once to one
    /// host, request starts to one host at least `delay` apart (zero values
    /// for the counts are taken as one).
    pub fn new(max_concurrency: usize, per_host: usize, delay: Duration) -> Self {
        HostLimiter {
            inner: Arc::new(Inner {
                global: Arc::new(Semaphore::new(max_concurrency.max(1))),
                per_host: per_host.max(1),
                delay,
                hosts: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Waits for a free slot on `key`'s host and overall, and for the host's
    /// delay since the previous request start to pass.
    pub async fn acquire(&self, key: &str) -> HostPermit {
        let slots = {
            let mut hosts = self.hosts();
            self.host(&mut hosts, key).slots.clone()
        };
        let host_permit = match slots.acquire_owned().await {
            Ok(permit) => permit,
            // The semaphores are never closed.
            Err(_) => unreachable!("host semaphore closed"),
        };
        // Wait for the host's turn, then for a slot overall, then claim the
        // turn: a start is recorded only when the request really starts, so
        // a wait for the global slot can never bring two starts to one host
        // closer than the delay.
        self.take_turn(key, false).await;
        let global_permit = match self.inner.global.clone().acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => unreachable!("global semaphore closed"),
        };
        self.take_turn(key, true).await;
        HostPermit {
            _host: host_permit,
            _global: global_permit,
        }
    }

    /// Sleeps until the delay since the host's last request start has
    /// passed; with `claim`, records now as its last start once it has.
    async fn take_turn(&self, key: &str, claim: bool) {
        loop {
            let wait_until = {
                let mut hosts = self.hosts();
                let delay = self.inner.delay;
                let host = self.host(&mut hosts, key);
                let gap = host.crawl_delay.map_or(delay, |c| c.max(delay));
                let now = Instant::now();
                match host.last_start {
                    Some(last) if last + gap > now => last + gap,
                    _ => {
                        if claim {
                            host.last_start = Some(now);
                        }
                        return;
                    }
                }
            };
            tokio::time::sleep_until(wait_until).await;
        }
    }

    /// Raises the gap between request starts to `key`'s host to `delay`
    /// (a robots.txt Crawl-delay), capped at [`MAX_CRAWL_DELAY`]. A delay
    /// shorter than the configured one changes nothing.
    pub fn set_crawl_delay(&self, key: &str, delay: Duration) {
        let mut hosts = self.hosts();
        let host = self.host(&mut hosts, key);
        host.crawl_delay = Some(delay.min(MAX_CRAWL_DELAY));
    }

    /// The gap now kept between request starts to `key`'s host.
    pub fn delay_for(&self, key: &str) -> Duration {
        let hosts = self.hosts();
        let crawl = hosts.get(key).and_then(|h| h.crawl_delay);
        crawl.map_or(self.inner.delay, |c| c.max(self.inner.delay))
    }

    fn hosts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Host>> {
        // The map stays consistent even if a holder panicked.
        self.inner.hosts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn host<'a>(&self, hosts: &'a mut HashMap<String, Host>, key: &str) -> &'a mut Host {
        if hosts.len() >= PRUNE_AT && !hosts.contains_key(key) {
            self.prune(hosts);
        }
        hosts.entry(key.to_string()).or_insert_with(|| Host {
            slots: Arc::new(Semaphore::new(self.inner.per_host)),
            last_start: None,
            crawl_delay: None,
        })
    }

    /// Forgets hosts with no request running and none started within the
    /// longest possible gap, so the map does not grow without end.
    fn prune(&self, hosts: &mut HashMap<String, Host>) {
        let now = Instant::now();
        let horizon = MAX_CRAWL_DELAY.max(self.inner.delay);
        hosts.retain(|_, host| {
            let busy = host.slots.available_permits() < self.inner.per_host;
            let recent = host.last_start.is_some_and(|t| t + horizon > now);
            busy || recent
        });
    }
}

/// The limiter's key for a URL: lower-case host with the port (the scheme's
/// default when none is written), e.g. `news.invalid:443`.
pub fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lower_case_hosts_with_ports() {
        let key = |u: &str| host_key(&Url::parse(u).unwrap());
        assert_eq!(key("https://News.Invalid/feed"), "news.invalid:443");
        assert_eq!(key("http://news.invalid/feed"), "news.invalid:80");
        assert_eq!(key("http://news.invalid:8080/"), "news.invalid:8080");
        assert_eq!(key("http://[::1]:9/"), "[::1]:9");
    }

    #[tokio::test]
    async fn starts_to_one_host_are_spaced_by_the_delay() {
        let limiter = HostLimiter::new(8, 2, Duration::from_millis(300));
        let started = Instant::now();
        let first = limiter.acquire("a.invalid:80").await;
        let t1 = started.elapsed();
        let second = limiter.acquire("a.invalid:80").await;
        let t2 = started.elapsed();
        assert!(t2 - t1 >= Duration::from_millis(300), "{t1:?} {t2:?}");
        assert!(t2 < Duration::from_secs(10));
        // Another host is not held back.
        let other_started = Instant::now();
        let _other = limiter.acquire("b.invalid:80").await;
        assert!(other_started.elapsed() < Duration::from_millis(250));
        drop((first, second));
    }

    /// Found measuring 1,000 feeds: when starts were booked before the wait
    /// for a global slot, two requests to one host that both waited for it
    /// could start together.
    #[tokio::test]
    async fn a_wait_for_a_global_slot_never_brings_two_starts_to_one_host_closer() {
        let limiter = HostLimiter::new(1, 2, Duration::from_millis(300));
        let clock = Instant::now();
        // Another host holds the only global slot for 500 ms.
        let blocker = limiter.acquire("b.invalid:80").await;
        let first = {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                let permit = limiter.acquire("a.invalid:80").await;
                let at = clock.elapsed();
                drop(permit);
                at
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                let permit = limiter.acquire("a.invalid:80").await;
                let at = clock.elapsed();
                drop(permit);
                at
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        drop(blocker);
        let (t1, t2) = (first.await.unwrap(), second.await.unwrap());
        let (early, late) = (t1.min(t2), t1.max(t2));
        assert!(late - early >= Duration::from_millis(300), "{t1:?} {t2:?}");
        assert!(late < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn per_host_slots_bound_concurrency() {
        let limiter = HostLimiter::new(8, 1, Duration::ZERO);
        let held = limiter.acquire("a.invalid:80").await;
        let waiting = tokio::time::timeout(Duration::from_millis(100), limiter.acquire("a.invalid:80")).await;
        assert!(waiting.is_err(), "a second request must wait for the only slot");
        drop(held);
        let again = tokio::time::timeout(Duration::from_secs(10), limiter.acquire("a.invalid:80")).await;
        assert!(again.is_ok());

        let global = HostLimiter::new(1, 4, Duration::ZERO);
        let held = global.acquire("a.invalid:80").await;
        let waiting = tokio::time::timeout(Duration::from_millis(100), global.acquire("b.invalid:80")).await;
        assert!(waiting.is_err(), "the global limit holds across hosts");
        drop(held);
    }

    #[test]
    fn crawl_delay_raises_but_is_capped() {
        let limiter = HostLimiter::new(8, 2, Duration::from_secs(1));
        assert_eq!(limiter.delay_for("a.invalid:80"), Duration::from_secs(1));
        limiter.set_crawl_delay("a.invalid:80", Duration::from_millis(200));
        assert_eq!(limiter.delay_for("a.invalid:80"), Duration::from_secs(1));
        limiter.set_crawl_delay("a.invalid:80", Duration::from_secs(5));
        assert_eq!(limiter.delay_for("a.invalid:80"), Duration::from_secs(5));
        limiter.set_crawl_delay("a.invalid:80", Duration::from_secs(3600));
        assert_eq!(limiter.delay_for("a.invalid:80"), MAX_CRAWL_DELAY);
        assert_eq!(limiter.delay_for("b.invalid:80"), Duration::from_secs(1));
    }
}
