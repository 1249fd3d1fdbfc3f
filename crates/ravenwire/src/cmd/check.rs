//! `ravenwire check`: verifies the search index, story placement and engine snapshot against the store, and repairs them.

use std::process::ExitCode;

use crate::data::{DataDir, EXIT_BUSY};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only report; change nothing (exit 1 when something needs repair).
    #[arg(long)]
    dry_run: bool,
    /// Fail at once (exit status 75) instead of waiting when an import or
    /// fetch is running in the data folder.
    #[arg(long)]
    no_wait: bool,
}

/// Prints what it found and did. Exit 0 when everything is healthy or was
/// repaired, 1 when something still disagrees with the store.
pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    data.require_existing()?;
    // A repair writes the index, the story placement and the snapshot, so it
    // is an ingest like any other: one at a time per data folder. A dry run
    // only reads.
    let _lock = if args.dry_run {
        None
    } else {
        let Some(lock) = data.lock_ingest("check", args.no_wait).await? else {
            return Ok(ExitCode::from(EXIT_BUSY));
        };
        Some(lock)
    };
    let mut pipeline = data.open_pipeline().await?;
    let before = pipeline.survey().await?;
    println!("{before}");
    if before.is_healthy() {
        println!("healthy");
        return Ok(ExitCode::SUCCESS);
    }
    if args.dry_run {
        println!("needs repair (run `ravenwire check` without --dry-run)");
        return Ok(ExitCode::FAILURE);
    }
    let repairs = pipeline.repair().await?;
    println!("{repairs}");
    let after = pipeline.survey().await?;
    if after.is_healthy() {
        println!("repaired");
        println!("{after}");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("could not repair everything:");
        println!("{after}");
        Ok(ExitCode::FAILURE)
    }
}
