//! `ravenwire reindex`: rebuild the search index from the store.

use std::process::ExitCode;

use indicatif::ProgressBar;

use crate::data::{DataDir, EXIT_BUSY};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fail at once (exit status 75) instead of waiting when an import or
    /// fetch is running in the data folder.
    #[arg(long)]
    no_wait: bool,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    data.require_existing()?;
    // The rebuild writes the whole index: not while an ingest runs.
    let Some(_lock) = data.lock_ingest("reindex", args.no_wait).await? else {
        return Ok(ExitCode::from(EXIT_BUSY));
    };
    let store = data.open_store().await?;
    let index = data.open_index()?;
    let bar = ProgressBar::new_spinner();
    let count = pipeline::Pipeline::reindex(store.as_ref(), &index, |n| {
        bar.set_message(format!("{n} articles"));
        bar.tick();
    })
    .await?;
    bar.finish_and_clear();
    eprintln!("reindexed {count} articles");
    Ok(ExitCode::SUCCESS)
}
