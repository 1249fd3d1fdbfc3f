//! `ravenwire add`: subscribe to a feed.

use std::process::ExitCode;

use crate::data::DataDir;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The feed's URL (RSS, Atom or JSON Feed).
    url: String,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    let pipeline = data.open_pipeline().await?;
    let fetcher = gather::Fetcher::new(gather::FetchConfig::default())?;
    let (id, title) = pipeline.subscribe(&fetcher, &args.url).await?;
    println!(
        "subscribed to {} ({}) as source {id}",
        args.url,
        title.as_deref().unwrap_or("untitled feed")
    );
    Ok(ExitCode::SUCCESS)
}
