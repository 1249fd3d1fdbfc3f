//! `ravenwire serve`: the web front page and JSON API.

use std::fmt;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use index::SearchIndex;
use store::Store;

use crate::data::DataDir;
use crate::gather_args::{NetArgs, ScheduleArgs};
use crate::scheduler::{Scheduler, INBOX_SIZE};
use pipeline::WebSubConfig;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub server: ServerArgs,

    /// Serve the pages only: do not poll sources in the background.
    #[arg(long)]
    pub no_gather: bool,

    /// Seconds between two rounds of the follower, which brings this data
    /// folder's search index up to the store: the articles placed since its
    /// mark and the story moves since its last applied entry, so that a
    /// serve process anywhere shows what other processes store.
    #[arg(long, env = "RAVENWIRE_FOLLOW_INTERVAL", value_name = "SECS", default_value_t = Seconds(DEFAULT_FOLLOW_INTERVAL))]
    pub follow_interval: Seconds,

    #[command(flatten)]
    pub net: NetArgs,

    #[command(flatten)]
    pub schedule: ScheduleArgs,
}

/// How the web server listens, links and limits its clients; shared by
/// `serve` and `demo`. The defaults are `web::Limits::DEFAULT`.
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The public URL the site is reached at (http or https, no query or
    /// fragment), for the absolute links in Atom feeds. Default: http:// and
    /// the listen address. The request's Host header is never used.
    #[arg(long, env = "RAVENWIRE_BASE_URL", value_name = "URL", value_parser = parse_base_url)]
    pub base_url: Option<web::BaseUrl>,

    /// Seconds a client has to send its request headers (after connecting,
    /// or between requests on a kept-alive connection) before it is
    /// disconnected.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(web::Limits::DEFAULT.header_read_timeout))]
    pub header_timeout: Seconds,

    /// Seconds a request may take before it is answered 503.
    #[arg(long, value_name = "SECS", default_value_t = Seconds(web::Limits::DEFAULT.request_timeout))]
    pub request_timeout: Seconds,

    /// Connections served at once; more wait to be accepted until one closes.
    #[arg(
        long,
        value_name = "N",
        default_value_t = web::Limits::DEFAULT.max_connections,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000),
    )]
    pub max_connections: u32,

    /// Searches run at once; more wait their turn, first come first served
    /// (default: two a core).
    #[arg(
        long,
        value_name = "N",
        env = "RAVENWIRE_SEARCHES_AT_ONCE",
        value_parser = clap::value_parser!(u32).range(1..=1024),
    )]
    pub searches_at_once: Option<u32>,

    /// Private reading: every page and API read needs a login session or
    /// an API token (the login, /static and /healthz stay open).
    #[arg(long, env = "RAVENWIRE_PRIVATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub private: bool,
}

impl ServerArgs {
    fn limits(&self) -> web::Limits {
        web::Limits {
            header_read_timeout: self.header_timeout.0,
            request_timeout: self.request_timeout.0,
            max_connections: self.max_connections,
            ..web::Limits::DEFAULT
        }
    }
}

fn parse_base_url(value: &str) -> Result<web::BaseUrl, String> {
    web::BaseUrl::parse(value).map_err(|err| err.to_string())
}

/// A duration given in (possibly fractional) seconds on the command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seconds(pub Duration);

impl FromStr for Seconds {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let secs: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("{value:?} is not a number of seconds"))?;
        if !(secs > 0.0 && secs <= 86_400.0) {
            return Err(format!(
                "{value:?} seconds is out of range: give more than 0 and at most 86400"
            ));
        }
        Ok(Seconds(Duration::from_secs_f64(secs)))
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

/// How often the follower looks at the store by default.
const DEFAULT_FOLLOW_INTERVAL: Duration = Duration::from_secs(2);

/// The lease asked of WebSub hubs.
const WEBSUB_LEASE: Duration = Duration::from_secs(7 * 24 * 3600);

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    let store = data.open_store().await?;
    let index = data.open_index()?;
    if store.admin_password_hash().await?.is_none() {
        eprintln!(
            "no admin password is set: the sources page and API writes stay locked until one is; \
             run `ravenwire admin set-password`"
        );
    }
    let mut inbox = None;
    let scheduler = if args.no_gather {
        None
    } else {
        let mut config = args.schedule.config();
        // WebSub needs a callback URL hubs can reach: only one set on purpose.
        if let Some(base_url) = &args.server.base_url {
            config.websub = Some(WebSubConfig {
                callback_base: base_url.to_string(),
                lease: WEBSUB_LEASE,
            });
        }
        let (sender, pushes) = tokio::sync::mpsc::channel(INBOX_SIZE);
        if config.websub.is_some() {
            inbox = Some(sender);
        }
        let scheduler = Scheduler {
            data: data.clone(),
            store: Arc::clone(&store),
            index: Arc::clone(&index),
            fetcher: args.net.fetcher()?,
            config,
            pushes,
        };
        Some(tokio::spawn(scheduler.run()))
    };
    let follower = tokio::spawn(follow(
        data.clone(),
        Arc::clone(&store),
        Arc::clone(&index),
        args.follow_interval.0,
    ));
    let served = serve(store, index, &args.server, inbox).await;
    // Stopped at its next await: its commits are whole or not made.
    follower.abort();
    if let Some(scheduler) = scheduler {
        // Stopped at its next await; the store's transactions and the
        // derived state's recovery make any stopping point safe.
        scheduler.abort();
    }
    served
}

/// The follower: every `every`, when no ingest holds the data folder (one
/// that does keeps the index up to date itself), brings the index up to
/// the store (see [`pipeline::follow`]). Searches see each commit at once.
/// A failed round is logged and the next one tries again.
async fn follow(data: DataDir, store: Arc<dyn Store>, index: Arc<SearchIndex>, every: Duration) {
    loop {
        // The lock only for a round with work, so that an `import --no-wait`
        // in this folder rarely meets it.
        match pipeline::behind(store.as_ref(), &index).await {
            Ok(true) => follow_round(&data, store.as_ref(), &index).await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "cannot compare the search index with the store"),
        }
        tokio::time::sleep(every).await;
    }
}

/// One round of the follower under the data folder's lock, if it is free.
async fn follow_round(data: &DataDir, store: &dyn Store, index: &SearchIndex) {
    match data.try_lock_folder("serve (follower)") {
        Ok(Some(_lock)) => match pipeline::follow(store, index).await {
            Ok(followed) if followed.changed() => tracing::info!(
                indexed = followed.indexed,
                moves = followed.applied,
                rebuilt = ?followed.rebuilt,
                "the search index followed the store"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "following the store failed; trying again at the next round"),
        },
        Ok(None) => tracing::debug!("another ingest holds the data folder; following at the next round"),
        Err(e) => tracing::warn!(
            error = format!("{e:#}"),
            "cannot take the data folder's lock to follow the store"
        ),
    }
}

/// Binds, prints the URL to open, and serves until SIGINT or SIGTERM.
pub async fn serve(
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    args: &ServerArgs,
    websub: Option<web::Inbox>,
) -> anyhow::Result<ExitCode> {
    // Listen for the stop signals before anyone can learn the address: one
    // arriving earlier would kill the process without a clean stop.
    let signals = web::StopSignals::install()?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let local = listener.local_addr()?;
    let base_url = match &args.base_url {
        Some(base_url) => base_url.clone(),
        None => {
            if local.ip().is_unspecified() {
                tracing::warn!(
                    %local,
                    "links in feeds name an unspecified address; set --base-url to the address readers use"
                );
            }
            web::BaseUrl::of_listen_address(local)
        }
    };
    println!("ravenwire is serving at http://{local}/");
    if args.base_url.is_some() {
        println!("links in feeds start with {base_url}");
    }
    if args.private {
        println!("private: pages and the API need a login session or an API token");
    }
    let state = web::AppState {
        store,
        index,
        base_url,
        websub,
        private: args.private,
        login_limiter: web::LoginLimiter::default(),
        searches: match args.searches_at_once {
            Some(n) => web::SearchTurns::new(n as usize),
            None => web::SearchTurns::default(),
        },
    };
    web::serve(listener, state, args.limits(), signals).await?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_positive_and_may_be_fractional() {
        assert_eq!("10".parse::<Seconds>(), Ok(Seconds(Duration::from_secs(10))));
        assert_eq!("0.25".parse::<Seconds>(), Ok(Seconds(Duration::from_millis(250))));
        assert_eq!(Seconds(Duration::from_millis(1500)).to_string(), "1.5");
        for bad in ["0", "-1", "NaN", "inf", "ten", "", "86401"] {
            let err = bad.parse::<Seconds>().expect_err(bad);
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }
}
