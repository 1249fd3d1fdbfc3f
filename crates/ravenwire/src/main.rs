//! The `ravenwire` command: a thin layer that parses arguments, opens the
//! data folder and hands work to the library crates. One module per
//! subcommand lives in `cmd/`.

mod cmd;
mod data;
mod gather_args;
mod scheduler;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The story engine allocates many small vectors per document. With the
/// system allocator, malloc and free took about 15% of its time; the
/// README's "Main dependencies" table has the measured gain.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Asks Linux for no transparent huge pages in this process. mimalloc asks
/// for them on its arenas, and a huge page is resident in full (2 MiB) as
/// soon as one byte of it is written: the story engine's many small
/// allocations, freed and made again, left about a gigabyte of them partly
/// used. At 1.1M articles, 10,000 more pages peaked at 1,344 MiB without
/// them against 1,427 MiB with (README, "Scaling figures"). On failure
/// (an old kernel), nothing changes.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// A self-hosted world-news engine: gather, extract, cluster into stories,
/// trace provenance, search and serve.
#[derive(Debug, Parser)]
#[command(name = "ravenwire", version, about, propagate_version = true)]
struct Cli {
    /// The data folder (database and search index).
    #[arg(long, global = true, env = "RAVENWIRE_DATA", default_value = "ravenwire-data")]
    data: PathBuf,

    /// A PostgreSQL database instead of the SQLite file in the data folder
    /// (postgres://user:password@host/db). The search index and the story
    /// engine's snapshot stay in the data folder.
    #[arg(
        long,
        global = true,
        env = "RAVENWIRE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database: Option<String>,

    /// More log output (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import HTML pages, .html.gz files, folders and WARC archives.
    Import(cmd::import::Args),
    /// Subscribe to a feed or sitemap, or find one from a page or site.
    Add(cmd::add::Args),
    /// Unsubscribe from a source; its articles are kept.
    Remove(cmd::remove::Args),
    /// List sources with their health: last success, last error, next poll.
    Sources(cmd::sources::Args),
    /// Import or export subscriptions as OPML.
    Opml(cmd::opml::Args),
    /// Poll the sources that are due (all with --force), once, and store new entries.
    Fetch(cmd::fetch::Args),
    /// Extract articles from pages and print them as JSON lines (no storage).
    Extract(cmd::extract::Args),
    /// Group documents (JSON lines) into stories and print the assignments.
    Cluster(cmd::cluster::Args),
    /// Search stored articles.
    Search(cmd::search::Args),
    /// Serve the web front page and JSON API, and poll sources in the background.
    Serve(cmd::serve::Args),
    /// Serve a temporary data folder preloaded with fictional sample news.
    Demo(cmd::demo::Args),
    /// Rebuild the search index from the store.
    Reindex(cmd::reindex::Args),
    /// Verify the search index, story placement and engine snapshot against the store, and repair them.
    Check(cmd::check::Args),
    /// Set the admin password that the sources page and API writes need.
    Admin(cmd::admin::Args),
    /// Make, list and revoke API tokens (`Authorization: Bearer`).
    Token(cmd::token::Args),
    /// Put pages (files, folders, WARC archives) or URLs into the work queue.
    Enqueue(cmd::enqueue::Args),
    /// Claim jobs from the work queue: fetch, extract and store; one worker leads and places stories.
    Worker(cmd::worker::Args),
    /// Copy the data folder's SQLite store into an empty PostgreSQL database.
    Migrate(cmd::migrate::Args),
}

fn main() -> ExitCode {
    no_transparent_huge_pages();
    // Rust ignores SIGPIPE, so `ravenwire sources | head` would panic on
    // its next print; like other command-line tools, end quietly instead.
    sigpipe::reset();
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let data = match data::DataDir::new(cli.data, cli.database) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    // Extraction and clustering are plain loops over files: starting the
    // async runtime (and its worker threads) would only cost them time.
    let result = match cli.command {
        Command::Extract(args) => cmd::extract::run(args),
        Command::Cluster(args) => cmd::cluster::run(args),
        command => run_async(&data, command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a command that needs the async runtime (network, store, server).
fn run_async(data: &data::DataDir, command: Command) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        match command {
            Command::Import(args) => cmd::import::run(data, args).await,
            Command::Add(args) => cmd::add::run(data, args).await,
            Command::Remove(args) => cmd::remove::run(data, args).await,
            Command::Sources(args) => cmd::sources::run(data, args).await,
            Command::Opml(args) => cmd::opml::run(data, args).await,
            Command::Fetch(args) => cmd::fetch::run(data, args).await,
            Command::Extract(args) => cmd::extract::run(args),
            Command::Cluster(args) => cmd::cluster::run(args),
            Command::Search(args) => cmd::search::run(data, args).await,
            Command::Serve(args) => cmd::serve::run(data, args).await,
            Command::Demo(args) => cmd::demo::run(args).await,
            Command::Reindex(args) => cmd::reindex::run(data, args).await,
            Command::Check(args) => cmd::check::run(data, args).await,
            Command::Admin(args) => cmd::admin::run(data, args).await,
            Command::Token(args) => cmd::token::run(data, args).await,
            Command::Enqueue(args) => cmd::enqueue::run(data, args).await,
            Command::Worker(args) => cmd::worker::run(data, args).await,
            Command::Migrate(args) => cmd::migrate::run(data, args).await,
        }
    })
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        // Parsers of third-party crates warn about every odd page; only our
        // own progress lines and real errors belong on a quiet terminal.
        0 => "error,ravenwire=info",
        1 => "warn,ravenwire=info",
        2 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAVENWIRE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
