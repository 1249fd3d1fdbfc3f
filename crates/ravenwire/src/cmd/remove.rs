//! `ravenwire remove`: unsubscribe from a source, keeping its articles.

use std::process::ExitCode;

use store::SourceId;

use crate::data::DataDir;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source's URL or its id (as `ravenwire sources` lists them).
    source: String,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    data.require_existing()?;
    let store = data.open_store().await?;
    let found = match args.source.trim().parse::<i64>() {
        Ok(id) => store.source(SourceId(id)).await?,
        Err(_) => store.source_by_url(args.source.trim()).await?,
    };
    let Some(source) = found else {
        anyhow::bail!(
            "no source {:?} (see `ravenwire sources` for their ids and URLs)",
            args.source
        );
    };
    let articles = store.count_articles_of_source(source.id).await?;
    if !store.remove_source(source.id).await? {
        anyhow::bail!("source {} ({}) was removed meanwhile", source.id, source.url);
    }
    println!(
        "removed source {} ({}); its {articles} articles are kept",
        source.id, source.url
    );
    Ok(ExitCode::SUCCESS)
}
