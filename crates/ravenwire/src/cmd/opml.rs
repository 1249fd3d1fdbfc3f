//! `ravenwire opml`: import and export subscriptions as OPML.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gather::Outline;
use model::SourceKind;

use crate::data::DataDir;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Subscribe to every feed in an OPML file, without checking them
    /// (their polls record any failure).
    Import(ImportArgs),
    /// Print every feed and sitemap subscribed to as OPML.
    Export,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["file", "starter"]))]
struct ImportArgs {
    /// The OPML file.
    file: Option<PathBuf>,

    /// Import the bundled starter list of about 30 world-news feeds instead.
    #[arg(long)]
    starter: bool,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Import(import) => run_import(data, import).await,
        Command::Export => run_export(data).await,
    }
}

async fn run_import(data: &DataDir, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let (text, origin) = match &args.file {
        Some(path) if !args.starter => (
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?,
            path.display().to_string(),
        ),
        _ => (gather::STARTER_OPML.to_string(), "the starter list".to_string()),
    };
    let outlines = gather::parse_opml(&text, &origin)?;
    let store = data.open_store().await?;
    let known: std::collections::HashMap<String, store::SourceId> =
        store.sources(None).await?.into_iter().map(|s| (s.url, s.id)).collect();
    let (mut added, mut already, mut refused) = (0, 0, 0);
    for outline in &outlines {
        if let Some(&id) = known.get(&outline.url) {
            already += 1;
            // A country the list names fills in one not set yet.
            if let Some(country) = &outline.country {
                if store.source_country(id).await?.is_none() {
                    store.set_source_country(id, Some(country)).await?;
                }
            }
            continue;
        }
        match pipeline::subscribe_unchecked(store.as_ref(), &outline.url).await {
            Ok(subscribed) => {
                added += 1;
                if let Some(country) = &outline.country {
                    store.set_source_country(subscribed.id, Some(country)).await?;
                }
                if let Some(title) = &outline.title {
                    // Adding again fills in the missing title.
                    store
                        .add_source(&model::Source {
                            kind: subscribed.kind,
                            url: subscribed.url,
                            title: Some(title.clone()),
                        })
                        .await?;
                }
            }
            Err(pipeline::SubscribeError::Store(e)) => return Err(e.into()),
            Err(e) => {
                refused += 1;
                eprintln!("skipped: {e}");
            }
        }
    }
    println!("imported {added} sources ({already} already known) from {origin}");
    if refused > 0 {
        eprintln!("{refused} outlines were skipped");
    }
    if added > 0 {
        eprintln!("`ravenwire fetch` polls them now; `ravenwire serve` polls them in the background");
    }
    Ok(if refused > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

async fn run_export(data: &DataDir) -> anyhow::Result<ExitCode> {
    data.require_existing()?;
    let store = data.open_store().await?;
    let mut outlines = Vec::new();
    for source in store.sources(None).await? {
        if !matches!(source.kind, SourceKind::Feed | SourceKind::Sitemap) {
            continue;
        }
        outlines.push(Outline {
            country: store.source_country(source.id).await?,
            url: source.url,
            title: source.title,
            site_url: None,
        });
    }
    print!("{}", gather::write_opml("ravenwire subscriptions", &outlines));
    Ok(ExitCode::SUCCESS)
}
