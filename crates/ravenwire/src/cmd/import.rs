//! `ravenwire import`: pages, folders and WARC archives into the store.

use std::path::PathBuf;
use std::process::ExitCode;

use gather::Page;
use indicatif::{ProgressBar, ProgressStyle};
use pipeline::{ExtractedPage, Outcome, Pipeline};

use crate::data::{DataDir, EXIT_BUSY};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files (.html, .html.gz, .warc, .warc.gz) and folders (read recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,

    /// Fail at once (exit status 75) instead of waiting when another
    /// import or fetch is running in the data folder.
    #[arg(long)]
    no_wait: bool,

    /// Print the time spent per pipeline stage (one JSON line on stderr,
    /// `timings {...}`) after every EVERY new articles and at the end; for
    /// benchmarks (bench/scale.py).
    #[arg(long, value_name = "EVERY", num_args = 0..=1, default_missing_value = "10000")]
    timings: Option<u64>,
}

/// Counts for the closing summary.
#[derive(Debug, Default)]
pub struct Tally {
    pub imported: u64,
    pub known: u64,
    pub failed: Vec<(String, String)>,
}

impl Tally {
    pub fn print(&self) {
        eprintln!(
            "imported {}, already known {}, failed {}",
            self.imported,
            self.known,
            self.failed.len()
        );
        for (origin, reason) in &self.failed {
            eprintln!("  failed: {origin}: {reason}");
        }
    }

    /// 0 when every page went in or was known, 2 when some failed, so that
    /// scripts can tell a partial import from a clean one.
    pub fn exit_code(&self) -> ExitCode {
        if self.failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        }
    }

    async fn record(
        &mut self,
        pipeline: &mut Pipeline,
        origin: &str,
        page: Result<(String, ExtractedPage), String>,
    ) -> anyhow::Result<()> {
        let outcome = match page {
            Ok((page_origin, page)) => Ok((page_origin, pipeline.ingest_extracted(page, None).await?)),
            Err(reason) => Err(reason),
        };
        self.count(origin, outcome);
        Ok(())
    }

    /// Counts one page's outcome; a page its reader could not read is a
    /// failure of the input it came from, `origin`.
    fn count(&mut self, origin: &str, page: Result<(String, Outcome), String>) {
        match page {
            Ok((_, Outcome::Imported(_))) => self.imported += 1,
            Ok((_, Outcome::Known(_))) => self.known += 1,
            Ok((page_origin, Outcome::Failed(reason))) => self.failed.push((page_origin, reason)),
            Err(reason) => self.failed.push((origin.to_string(), reason)),
        }
    }
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    let inputs = gather::list_inputs(&args.paths)?;
    // Held until the end of the run: one story engine per data folder.
    let Some(_lock) = data.lock_ingest("import", args.no_wait).await? else {
        return Ok(ExitCode::from(EXIT_BUSY));
    };
    let mut pipeline = data.open_pipeline().await?;
    let bar = ProgressBar::new(inputs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} files {msg}")
            .expect("static progress template is valid"),
    );
    let mut tally = Tally::default();
    for input in &inputs {
        let origin = input.path.display().to_string();
        // Reading is blocking file I/O (and gunzip), and extraction is pure
        // CPU work: both run on a thread of their own, beside the pipeline,
        // and hand pages over a small channel in input order, so a large
        // WARC streams through instead of being held in memory. The
        // pipeline stores the pages read so far (up to 16, in one
        // transaction) while it places those before.
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let reader = {
            let input = input.clone();
            tokio::task::spawn_blocking(move || {
                for page in gather::read_input(&input) {
                    let page = page
                        .map(|page| (page.origin.clone(), ExtractedPage::new(&page)))
                        .map_err(|e| e.to_string());
                    if tx.blocking_send(page).is_err() {
                        break;
                    }
                }
            })
        };
        let every = args.timings.filter(|&n| n > 0);
        pipeline
            .ingest_overlapped(rx, |times, page| {
                let before = tally.imported;
                tally.count(&origin, page);
                if let Some(every) = every {
                    if tally.imported != before && tally.imported % every == 0 {
                        bar.suspend(|| eprintln!("timings {}", times.to_json()));
                    }
                }
                bar.set_message(format!(
                    "{} new, {} known, {} failed",
                    tally.imported,
                    tally.known,
                    tally.failed.len()
                ));
            })
            .await?;
        reader.await?;
        bar.inc(1);
    }
    pipeline.flush().await?;
    bar.finish_and_clear();
    if args.timings.is_some() {
        eprintln!("timings {}", pipeline.timings().to_json());
    }
    tally.print();
    tracing::debug!(
        imported = tally.imported,
        known = tally.known,
        failed = tally.failed.len(),
        "import done"
    );
    Ok(tally.exit_code())
}

/// Imports pages that are already in memory (the demo corpus).
pub async fn run_pages(pipeline: &mut Pipeline, pages: Vec<Page>) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    for page in pages {
        let origin = page.origin.clone();
        let extracted = ExtractedPage::new(&page);
        tally.record(pipeline, &origin, Ok((origin.clone(), extracted))).await?;
    }
    pipeline.flush().await?;
    Ok(tally)
}
