//! `ravenwire enqueue`: pages and URLs into the work queue, for
//! `ravenwire worker` processes to read.

use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use store::{JobKind, NewJob};

use crate::data::DataDir;

/// How many jobs go to the store in one transaction.
const BATCH: usize = 200;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files (.html, .html.gz, .warc, .warc.gz) and folders (read recursively):
    /// each page goes into the queue with its bytes.
    paths: Vec<PathBuf>,

    /// A page for a worker to fetch (repeat for more).
    #[arg(long = "url", value_name = "URL")]
    urls: Vec<String>,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    if args.paths.is_empty() && args.urls.is_empty() {
        anyhow::bail!("nothing to queue: name files, folders or --url addresses");
    }
    let mut fetches = Vec::new();
    for url in &args.urls {
        let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("--url {url:?} is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            anyhow::bail!("--url {url:?} is not an http or https address");
        }
        fetches.push(NewJob {
            kind: JobKind::Fetch,
            key: format!("fetch {parsed}"),
            origin: parsed.to_string(),
            url: Some(parsed.to_string()),
            body: None,
            charset: None,
            source: None,
        });
    }
    let inputs = gather::list_inputs(&args.paths)?;
    let store = data.open_store().await?;
    let mut offered = fetches.len() as u64;
    let mut queued = store.enqueue_jobs(&fetches, chrono::Utc::now()).await?;
    let mut unreadable = Vec::new();
    let bar = ProgressBar::new(inputs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} files {msg}")
            .expect("static progress template is valid"),
    );
    for input in &inputs {
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let reader = {
            let input = input.clone();
            tokio::task::spawn_blocking(move || {
                for page in gather::read_input(&input) {
                    if tx.blocking_send(page.map_err(|e| e.to_string())).is_err() {
                        break;
                    }
                }
            })
        };
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let next = rx.recv().await;
            let end = next.is_none();
            match next {
                Some(Ok(page)) => batch.push(job_of(page)),
                Some(Err(reason)) => unreadable.push((input.path.display().to_string(), reason)),
                None => {}
            }
            if batch.len() >= BATCH || (end && !batch.is_empty()) {
                offered += batch.len() as u64;
                queued += store.enqueue_jobs(&batch, chrono::Utc::now()).await?;
                batch.clear();
                bar.set_message(format!("{queued} queued"));
            }
            if end {
                break;
            }
        }
        reader.await?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    eprintln!(
        "queued {queued}, already queued {}, unreadable {}",
        offered - queued,
        unreadable.len()
    );
    for (origin, reason) in &unreadable {
        eprintln!("  unreadable: {origin}: {reason}");
    }
    Ok(if unreadable.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// A page's job: keyed by its bytes and address, so the same page is
/// queued once however often it is offered.
fn job_of(page: gather::Page) -> NewJob {
    let mut hash = Sha256::new();
    hash.update(&page.body);
    hash.update(page.url.as_deref().unwrap_or("").as_bytes());
    NewJob {
        kind: JobKind::Page,
        key: format!("page {:x}", hash.finalize()),
        origin: page.origin,
        url: page.url,
        body: Some(page.body),
        charset: page.charset,
        source: None,
    }
}
