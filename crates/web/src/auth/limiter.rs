//! Failed logins, counted in memory: at most [`MAX_FAILURES`] in any
//! [`WINDOW`] per client address, after which logins from it are refused
//! until the oldest failure leaves the window.
//!
//! The client address is the peer address that the server (`server.rs`)
//! puts in each request as axum's `ConnectInfo<SocketAddr>`. Where it is
//! absent (a router driven without that server, as in some tests), every
//! client shares one count. Behind a reverse proxy every client has the
//! proxy's address, and the limit is then shared too: a flood of wrong
//! passwords also holds the admin off for a few minutes, and a password
//! still cannot be guessed faster than five tries per five minutes.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures allowed per client within [`WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// The span over which failures are counted.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);
/// Clients remembered at once; past this the oldest entries are forgotten
/// first, so that a spray of addresses cannot grow memory without bound.
const MAX_CLIENTS: usize = 10_000;

/// The login rate limiter; clones share one count.
#[derive(Debug, Clone, Default)]
pub struct LoginLimiter {
    failures: Arc<Mutex<HashMap<Option<IpAddr>, VecDeque<Instant>>>>,
}

impl LoginLimiter {
    /// How long `client` must wait before trying again; `None` when it may
    /// try now.
    pub fn wait(&self, client: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let mut failures = self.lock();
        let times = failures.get_mut(&client)?;
        forget_old(times, now);
        if times.len() < MAX_FAILURES {
            return None;
        }
        let oldest = *times.front()?;
        Some(WINDOW.saturating_sub(now.saturating_duration_since(oldest)))
    }

    /// Counts a failed login of `client`.
    pub fn failed(&self, client: Option<IpAddr>, now: Instant) {
        let mut failures = self.lock();
        if failures.len() >= MAX_CLIENTS && !failures.contains_key(&client) {
            failures.retain(|_, times| {
                forget_old(times, now);
                !times.is_empty()
            });
            if failures.len() >= MAX_CLIENTS {
                // Still full of recent failures: forget the client whose
                // last failure is oldest.
                let stalest = failures
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(key, _)| *key);
                if let Some(key) = stalest {
                    failures.remove(&key);
                }
            }
        }
        let times = failures.entry(client).or_default();
        forget_old(times, now);
        times.push_back(now);
        while times.len() > MAX_FAILURES {
            times.pop_front();
        }
    }

    /// A successful login clears the client's count.
    pub fn succeeded(&self, client: Option<IpAddr>) {
        self.lock().remove(&client);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Option<IpAddr>, VecDeque<Instant>>> {
        // A panic while holding the lock cannot leave the counts invalid
        // (each change is one push or pop), so a poisoned lock is usable.
        self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn forget_old(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|at| now.saturating_duration_since(*at) >= WINDOW)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_in_five_minutes_hold_a_client_off_until_the_oldest_ages_out() {
        let limiter = LoginLimiter::default();
        let client = Some(IpAddr::from([192, 0, 2, 7]));
        let start = Instant::now();
        for n in 0..MAX_FAILURES as u64 {
            assert_eq!(limiter.wait(client, start), None);
            limiter.failed(client, start + Duration::from_secs(n * 10));
        }
        let later = start + Duration::from_secs(60);
        assert_eq!(limiter.wait(client, later), Some(WINDOW - Duration::from_secs(60)));
        // Another address is not held off.
        assert_eq!(limiter.wait(Some(IpAddr::from([192, 0, 2, 8])), later), None);
        // Once the first failure is five minutes old, one more try is allowed.
        assert_eq!(limiter.wait(client, start + WINDOW), None);
        limiter.failed(client, start + WINDOW);
        assert!(limiter.wait(client, start + WINDOW).is_some());
        limiter.succeeded(client);
        assert_eq!(limiter.wait(client, start + WINDOW), None);
    }

    #[test]
    fn memory_stays_bounded_under_a_spray_of_addresses() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for n in 0..(MAX_CLIENTS as u32 + 50) {
            limiter.failed(Some(IpAddr::from(n.to_be_bytes())), now);
        }
        assert!(limiter.lock().len() <= MAX_CLIENTS);
    }
}
