//! `ravenwire reindex`: rebuild the search index from the store.

use std::process::ExitCode;

use indicatif::ProgressBar;

use crate::data::DataDir;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(data: &DataDir, _args: Args) -> anyhow::Result<ExitCode> {
    data.require_existing()?;
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
