//! `ravenwire sources`: every source with its health, as text or JSON.

use std::process::ExitCode;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use store::{JobCounts, Store, StoredSource};

use crate::data::DataDir;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON array instead of one line per source.
    #[arg(long)]
    json: bool,

    /// List the work queue's dead jobs (failed on every try) instead of
    /// the sources; with --json, as a JSON object with the queue's counts.
    #[arg(long)]
    dead: bool,

    /// Put every dead job back in the work queue, with its tries reset.
    #[arg(long, conflicts_with = "dead")]
    requeue_dead: bool,
}

/// Dead jobs listed at most.
const DEAD_SHOWN: u32 = 100;

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    data.require_existing()?;
    let store = data.open_store().await?;
    if args.requeue_dead {
        let n = store.requeue_dead_jobs(Utc::now()).await?;
        eprintln!("requeued {n} dead jobs");
        return Ok(ExitCode::SUCCESS);
    }
    if args.dead {
        return dead_jobs(store.as_ref(), args.json).await;
    }
    let sources = store.sources(None).await?;
    let mut rows = Vec::with_capacity(sources.len());
    for source in &sources {
        let articles = store.count_articles_of_source(source.id).await?;
        rows.push(row(source, articles));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&Value::Array(rows))?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        eprintln!("no sources; add one with `ravenwire add URL` or `ravenwire opml import --starter`");
    }
    for (source, row) in sources.iter().zip(&rows) {
        let health = match (&source.state.last_error, source.state.last_success) {
            (Some(error), _) => format!("failing ({} in a row): {error}", source.state.error_count),
            (None, Some(at)) => format!("ok, last success {}", time(at)),
            (None, None) => "not polled yet".to_string(),
        };
        let next = source.state.next_poll.map(time).unwrap_or_else(|| "now".to_string());
        let title = source.title.as_deref().map(|t| format!(" ({t})")).unwrap_or_default();
        println!(
            "{:>5} {:<7} {}{title}: {} articles; {health}; next poll {next}",
            source.id,
            source.kind.as_str(),
            source.url,
            row["articles"],
        );
    }
    let queue = store.job_counts().await?;
    if queue != JobCounts::default() {
        println!(
            "work queue: {} queued, {} running, {} done, {} dead{}",
            queue.queued,
            queue.running,
            queue.done,
            queue.dead,
            if queue.dead > 0 { " (list them with --dead)" } else { "" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The dead-letter list: jobs that failed every try, the latest first.
async fn dead_jobs(store: &dyn Store, json: bool) -> anyhow::Result<ExitCode> {
    let counts = store.job_counts().await?;
    let dead = store.dead_jobs(DEAD_SHOWN).await?;
    if json {
        let value = json!({ "queue": counts, "dead": dead });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    if dead.is_empty() {
        eprintln!("no dead jobs ({} queued, {} running)", counts.queued, counts.running);
    }
    for job in &dead {
        println!(
            "{:>7} {:<5} {}: {} tries, last {}: {}",
            job.id,
            job.kind.as_str(),
            job.origin,
            job.attempts,
            time(job.failed_at),
            job.error
        );
    }
    if counts.dead > dead.len() as u64 {
        println!("… and {} more", counts.dead - dead.len() as u64);
    }
    Ok(ExitCode::SUCCESS)
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn row(source: &StoredSource, articles: u64) -> Value {
    let state = &source.state;
    json!({
        "id": source.id.0,
        "url": source.url,
        "title": source.title,
        "kind": source.kind.as_str(),
        "added_at": time(source.added_at),
        "last_poll": state.last_poll.map(time),
        "last_success": state.last_success.map(time),
        "last_status": state.last_status,
        "last_error": state.last_error,
        "error_count": state.error_count,
        "interval_secs": state.interval_secs,
        "next_poll": state.next_poll.map(time),
        "wait_until": state.wait_until.map(time),
        "articles": articles,
        "websub": source.websub.as_ref().map(|w| json!({
            "hub": w.hub,
            "topic": w.topic,
            "state": format!("{:?}", w.state).to_lowercase(),
            "lease_until": w.lease_until.map(time),
        })),
    })
}
