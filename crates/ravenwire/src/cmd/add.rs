//! `ravenwire add`: subscribe to a feed or sitemap, or find one from a page
//! or site.

use std::process::ExitCode;

use crate::data::DataDir;
use crate::gather_args::NetArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A feed (RSS, Atom, JSON Feed), a sitemap, or a page or site that
    /// links to one.
    url: String,

    /// Subscribe without checking, for a feed that is down right now; its
    /// failures are then recorded like any other's.
    #[arg(long)]
    force: bool,

    #[command(flatten)]
    net: NetArgs,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    let store = data.open_store().await?;
    if args.force {
        let subscribed = pipeline::subscribe_unchecked(store.as_ref(), &args.url).await?;
        println!(
            "subscribed to {} as source {} ({}) without checking",
            subscribed.url,
            subscribed.id,
            subscribed.kind.as_str()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let fetcher = args.net.fetcher()?;
    let subscribed = pipeline::subscribe(store.as_ref(), &fetcher, &args.url).await?;
    if let Some(page) = &subscribed.found_on {
        println!("found {} {} on {page}", subscribed.kind.as_str(), subscribed.url);
    }
    println!(
        "subscribed to {} ({}) as source {}",
        subscribed.url,
        subscribed.title.as_deref().unwrap_or(match subscribed.kind {
            model::SourceKind::Sitemap => "sitemap",
            _ => "untitled feed",
        }),
        subscribed.id
    );
    Ok(ExitCode::SUCCESS)
}
