//! `ravenwire search`: query the index from the command line.

use std::process::ExitCode;

use chrono::DateTime;
use serde_json::json;

use crate::data::DataDir;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The query: words, "phrases", AND/OR/NOT, field:value (title:, source:,
    /// language:, story:). Apostrophes belong to words (O'Brien); an overlong
    /// or deeply nested query is refused with the limit it broke.
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
    /// How many hits to show.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// One JSON object per hit instead of text.
    #[arg(long)]
    json: bool,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    data.require_existing()?;
    let index = data.open_index()?;
    let query = args.query.join(" ");
    let hits = index.search(&query, args.limit)?;
    for hit in &hits {
        let published = hit
            .published
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .map(|t| t.to_rfc3339());
        if args.json {
            let line = json!({
                "id": hit.id,
                "title": hit.title,
                "url": hit.url,
                "source": hit.source,
                "language": hit.language,
                "published": published,
                "story": hit.story,
                "score": hit.score,
                "snippet": hit.snippet,
            });
            println!("{line}");
        } else {
            let day = published.as_deref().map(|p| &p[..10]).unwrap_or("undated");
            println!("{}  [{}, {}]", hit.title, hit.source, day);
            println!("    {}", hit.url);
            if !hit.snippet.is_empty() {
                println!("    {}", hit.snippet.replace('\n', " "));
            }
        }
    }
    if hits.is_empty() && !args.json {
        eprintln!("no matches for {query:?}");
    }
    Ok(ExitCode::SUCCESS)
}
