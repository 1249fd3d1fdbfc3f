//! The settings of gathering, shared by `fetch`, `add`, `opml` and `serve`:
//! flags with environment variables, turned into the fetcher's and the
//! scheduler's configurations.

use std::time::Duration;

use gather::{FetchConfig, Fetcher};
use pipeline::GatherConfig;

/// How ravenwire reaches other servers.
#[derive(Debug, Clone, clap::Args)]
pub struct NetArgs {
    /// Lift the SSRF guard: allow requests to loopback, private, link-local
    /// and other internal addresses. For tests and closed networks only.
    #[arg(
        long,
        env = "RAVENWIRE_ALLOW_PRIVATE_NETWORKS",
        value_parser = clap::builder::FalseyValueParser::new(),
        num_args = 0..=1,
        default_missing_value = "true",
        default_value = "false"
    )]
    pub allow_private_networks: bool,

    /// A URL (or mailto:) where server operators can reach whoever runs
    /// this ravenwire; it goes in the User-Agent.
    #[arg(long, env = "RAVENWIRE_CONTACT", value_name = "URL")]
    pub contact: Option<String>,

    /// Seconds one request may take in all, body included.
    #[arg(long, env = "RAVENWIRE_FETCH_TIMEOUT", value_name = "SECS", default_value = "30", value_parser = positive_seconds)]
    pub fetch_timeout: Duration,

    /// Seconds to wait for a connection.
    #[arg(long, env = "RAVENWIRE_CONNECT_TIMEOUT", value_name = "SECS", default_value = "10", value_parser = positive_seconds)]
    pub connect_timeout: Duration,

    /// The most bytes one response body may have, after decompression.
    #[arg(long, env = "RAVENWIRE_MAX_BODY", value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body: u64,

    /// Seconds between two requests to one host (a robots.txt Crawl-delay
    /// raises it for that host).
    #[arg(long, env = "RAVENWIRE_HOST_DELAY", value_name = "SECS", default_value = "1", value_parser = seconds_or_zero)]
    pub host_delay: Duration,

    /// Requests to one host at once.
    #[arg(long, env = "RAVENWIRE_HOST_CONCURRENCY", value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub host_concurrency: u32,

    /// Requests at once in all.
    #[arg(long, env = "RAVENWIRE_MAX_REQUESTS", value_name = "N", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_requests: u32,
}

impl NetArgs {
    pub fn fetcher(&self) -> anyhow::Result<Fetcher> {
        let config = FetchConfig {
            timeout: self.fetch_timeout,
            connect_timeout: self.connect_timeout,
            max_bytes: self.max_body,
            allow_private: self.allow_private_networks,
            contact: self.contact.clone(),
            per_host_concurrency: self.host_concurrency as usize,
            per_host_delay: self.host_delay,
            max_concurrency: self.max_requests as usize,
            ..FetchConfig::default()
        };
        if self.allow_private_networks {
            tracing::warn!("the SSRF guard is lifted: requests may reach loopback and private addresses");
        }
        Ok(Fetcher::new(config)?)
    }
}

/// How often sources are polled.
#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleArgs {
    /// The shortest time between two polls of one source, in seconds.
    #[arg(long, env = "RAVENWIRE_MIN_INTERVAL", value_name = "SECS", default_value = "300", value_parser = positive_seconds)]
    pub min_interval: Duration,

    /// The longest time between two polls of one source, in seconds.
    #[arg(long, env = "RAVENWIRE_MAX_INTERVAL", value_name = "SECS", default_value = "86400", value_parser = positive_seconds)]
    pub max_interval: Duration,
}

impl ScheduleArgs {
    pub fn config(&self) -> GatherConfig {
        GatherConfig::new(self.min_interval, self.max_interval)
    }
}

fn parse_seconds(value: &str, allow_zero: bool) -> Result<Duration, String> {
    let secs: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a number of seconds"))?;
    let low_ok = if allow_zero { secs >= 0.0 } else { secs > 0.0 };
    if !(low_ok && secs <= 30.0 * 86_400.0) {
        let low = if allow_zero { "0 or more" } else { "more than 0" };
        return Err(format!(
            "{value:?} seconds is out of range: give {low} and at most 2592000"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn positive_seconds(value: &str) -> Result<Duration, String> {
    parse_seconds(value, false)
}

fn seconds_or_zero(value: &str) -> Result<Duration, String> {
    parse_seconds(value, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse_with_and_without_zero() {
        assert_eq!(positive_seconds("2"), Ok(Duration::from_secs(2)));
        assert_eq!(seconds_or_zero("0"), Ok(Duration::ZERO));
        assert_eq!(seconds_or_zero("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["0", "-1", "NaN", "inf", "x", ""] {
            let err = positive_seconds(bad).expect_err(bad);
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
        assert!(seconds_or_zero("-0.1").is_err());
    }
}
