//! `ravenwire fetch`: one cycle of the scheduler that `serve` runs.

use std::process::ExitCode;

use indicatif::ProgressBar;
use pipeline::{CycleReport, PollResult};

use crate::data::{DataDir, EXIT_BUSY};
use crate::gather_args::{NetArgs, ScheduleArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Poll every source now, not only those that are due; sources a
    /// server told to wait (Retry-After) or in back-off after errors still
    /// wait.
    #[arg(long)]
    force: bool,

    /// Fail at once (exit status 75) instead of waiting when another
    /// import or fetch is running in the data folder.
    #[arg(long)]
    no_wait: bool,

    #[command(flatten)]
    net: NetArgs,

    #[command(flatten)]
    schedule: ScheduleArgs,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    // Held until the end of the run: one story engine per data folder.
    let Some(_lock) = data.lock_ingest("fetch", args.no_wait).await? else {
        return Ok(ExitCode::from(EXIT_BUSY));
    };
    let mut pipeline = data.open_pipeline().await?;
    let fetcher = args.net.fetcher()?;
    let mut config = args.schedule.config();
    config.force = args.force;
    if pipeline.store().sources(None).await?.is_empty() {
        eprintln!("no sources subscribed; add one with `ravenwire add URL` or `ravenwire opml import --starter`");
        return Ok(ExitCode::SUCCESS);
    }
    let bar = ProgressBar::new_spinner();
    let mut done = 0u64;
    let report = pipeline
        .gather_cycle(&fetcher, &config, |source| {
            done += 1;
            bar.set_message(format!("{done} sources polled; last {source}"));
            bar.tick();
        })
        .await?;
    bar.finish_and_clear();
    print_report(&report);
    if report.polled.is_empty() && report.waiting.is_empty() {
        eprintln!("no source is due; `ravenwire fetch --force` polls them all now");
    }
    Ok(if report.failed() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// One line per source polled or left waiting, on stderr.
pub fn print_report(report: &CycleReport) {
    for source in &report.polled {
        match &source.result {
            PollResult::Failed(error) => eprintln!("{}: cannot read the feed: {error}", source.url),
            PollResult::NotModified => eprintln!("{}: not modified", source.url),
            PollResult::Polled(summary) => {
                let deferred = if summary.deferred > 0 {
                    format!(", left for the next poll {}", summary.deferred)
                } else {
                    String::new()
                };
                eprintln!(
                    "{}: imported {}, from feed content {}, already known {}, failed {}{deferred}",
                    source.url,
                    summary.imported,
                    summary.from_feed,
                    summary.known,
                    summary.failed.len()
                );
                for (entry, reason) in &summary.failed {
                    eprintln!("  failed: {entry}: {reason}");
                }
            }
        }
    }
    for waiting in &report.waiting {
        eprintln!(
            "{}: waiting until {} ({})",
            waiting.url,
            waiting.until.format("%Y-%m-%dT%H:%M:%SZ"),
            waiting.reason
        );
    }
}
