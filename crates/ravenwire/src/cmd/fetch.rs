//! `ravenwire fetch`: poll every subscribed feed once.

use std::process::ExitCode;

use indicatif::ProgressBar;

use crate::data::{DataDir, EXIT_BUSY};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fail at once (exit status 75) instead of waiting when another
    /// import or fetch is running in the data folder.
    #[arg(long)]
    no_wait: bool,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    // Held until the end of the run: one story engine per data folder.
    let Some(_lock) = data.lock_ingest("fetch", args.no_wait).await? else {
        return Ok(ExitCode::from(EXIT_BUSY));
    };
    let mut pipeline = data.open_pipeline().await?;
    let fetcher = gather::Fetcher::new(gather::FetchConfig::default())?;
    let bar = ProgressBar::new_spinner();
    let report = pipeline
        .poll_feeds(&fetcher, |entry| {
            bar.set_message(entry.to_string());
            bar.tick();
        })
        .await?;
    bar.finish_and_clear();
    if report.feeds.is_empty() {
        eprintln!("no feeds subscribed; add one with `ravenwire add URL`");
    }
    let mut failed = false;
    for feed in &report.feeds {
        if let Some(error) = &feed.error {
            failed = true;
            eprintln!("{}: cannot read the feed: {error}", feed.feed);
            continue;
        }
        eprintln!(
            "{}: imported {}, from feed content {}, already known {}, failed {}",
            feed.feed,
            feed.imported,
            feed.from_feed,
            feed.known,
            feed.failed.len()
        );
        for (entry, reason) in &feed.failed {
            failed = true;
            eprintln!("  failed: {entry}: {reason}");
        }
    }
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
