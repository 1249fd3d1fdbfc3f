//! `ravenwire worker`: claims jobs from the work queue, fetches and
//! extracts their pages and stores the articles; one worker at a time is
//! also the leader, which places the stored articles in stories.
//!
//! Any number of workers can share one store. Fetching and extraction, the
//! costly part, run in all of them at once; each page is then stored in the
//! queue's order: a worker stores a job's page once no job ahead of it in
//! the queue may still be stored (see [`store::Store::job_ahead`]). Story
//! assignment runs in the leader only, in article id order, which is
//! therefore the queue's order, so the stories do not depend on which
//! worker was faster: two workers make the stories one would. A job that
//! fails, or whose worker dies, stops holding the others back; its page is
//! placed when it comes, late. The leader is whoever holds the data folder's ingest lock
//! (the same lock `import` takes), so a worker can share a folder with an
//! import: one of them places, and none is lost. When the leader stops,
//! another worker takes the lock and goes on from the snapshot and the
//! store.
//!
//! A worker that dies holds its jobs only until their lease runs out; then
//! another worker takes them. Storing a page twice stores it once, so a
//! job done twice does no harm.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gather::Page;
use pipeline::{ExtractedPage, Outcome, Pipeline};
use store::{Job, JobId, JobKind, Store};

use crate::data::{DataDir, IngestLock};
use crate::gather_args::NetArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// This worker's name in the queue (default: host name and process id).
    #[arg(long)]
    name: Option<String>,

    /// Jobs claimed at a time.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    batch: u32,

    /// Seconds a claimed job stays this worker's; after that, another
    /// worker may take it.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(5..=86_400))]
    lease: u64,

    /// Stop when the queue is empty (and, for the leader, every stored
    /// article is placed), instead of waiting for more.
    #[arg(long)]
    until_idle: bool,

    /// Never lead: only fetch, extract and store.
    #[arg(long)]
    no_lead: bool,

    #[command(flatten)]
    net: NetArgs,
}

/// How long an idle worker sleeps before it looks at the queue again.
const IDLE_WAIT: Duration = Duration::from_millis(500);

/// The share of its lease a worker waits, from its claim, for the jobs
/// ahead of its own to finish; past it, it stores its pages anyway (out of
/// the queue's order, and says so) while it still holds them.
const IN_LINE_SHARE_OF_LEASE: f64 = 0.9;

/// The longest pause between two looks at the jobs ahead: the others
/// store a page in a few milliseconds, and each pause past their last
/// one is time the whole queue waits.
const IN_LINE_POLL: Duration = Duration::from_millis(10);

/// The longest a placed article waits for its index commit while the
/// leader keeps placing (it commits at once when it catches up).
const COMMIT_EVERY: Duration = Duration::from_secs(2);

/// How often the leader saves the story engine's snapshot while it works.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(60);

/// What a worker did, for its closing line.
#[derive(Debug, Default)]
struct Tally {
    stored: u64,
    known: u64,
    unreadable: u64,
    retried: u64,
    dead: u64,
    placed: u64,
    /// Pages stored before a job ahead of them in the queue finished,
    /// because waiting longer would have outlasted this worker's lease.
    out_of_order: u64,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("{}:{}", host_name(), std::process::id()));
    let store = data.open_store().await?;
    let fetcher = args.net.fetcher()?;
    let lease = Duration::from_secs(args.lease);
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping after the jobs in hand (interrupt again to stop at once)");
                stop.store(true, Ordering::SeqCst);
                let _ = tokio::signal::ctrl_c().await;
                std::process::exit(130);
            }
        });
    }
    let mut leader: Option<Leader> = None;
    let mut tally = Tally::default();
    tracing::info!(worker = %name, "worker started");
    while !stop.load(Ordering::SeqCst) {
        if leader.is_none() && !args.no_lead {
            if let Some(lock) = data.try_lock_ingest(&format!("worker {name}")).await? {
                tracing::info!(worker = %name, "leading: this worker places stored articles in stories");
                leader = Some(Leader::new(data, lock).await?);
            }
        }
        let mut placed = 0;
        if let Some(leader) = leader.as_mut() {
            placed = leader.place().await?;
            tally.placed += placed;
        }
        let claimed_at = Instant::now();
        let jobs = store.claim_jobs(&name, chrono::Utc::now(), lease, args.batch).await?;
        let claimed = jobs.len();
        // Fetch and extract the whole batch first, so that this worker's
        // extraction overlaps the others' storing; then store in order.
        let mut ready = Vec::with_capacity(claimed);
        for job in jobs {
            if let Some(page) = prepare(store.as_ref(), &fetcher, &name, job, &mut tally).await? {
                ready.push(page);
            }
        }
        let deadline = claimed_at + lease.mul_f64(IN_LINE_SHARE_OF_LEASE);
        for page in ready {
            wait_in_line(store.as_ref(), page.id, deadline, &mut tally).await?;
            store_job(store.as_ref(), &name, page, &mut tally).await?;
        }
        if claimed == 0 && placed == 0 {
            if args.until_idle && idle(store.as_ref(), leader.is_some()).await? {
                break;
            }
            tokio::time::sleep(IDLE_WAIT).await;
        }
    }
    if let Some(mut leader) = leader {
        tally.placed += leader.place().await?;
        leader.pipeline.flush().await?;
    }
    eprintln!(
        "worker {name}: stored {}, already known {}, unreadable {}, retried {}, dead {}, placed {}, out of queue order {}",
        tally.stored, tally.known, tally.unreadable, tally.retried, tally.dead, tally.placed, tally.out_of_order
    );
    let waiting = store.job_counts().await?.queued;
    if waiting > 0 {
        eprintln!("{waiting} wait for a retry or a worker");
    }
    Ok(ExitCode::SUCCESS)
}

/// The leader's state: the pipeline (story engine, index) and the lock
/// that makes it the only one.
struct Leader {
    pipeline: Pipeline,
    saved: Instant,
    committed: Instant,
    _lock: IngestLock,
}

impl Leader {
    async fn new(data: &DataDir, lock: IngestLock) -> anyhow::Result<Leader> {
        Ok(Leader {
            pipeline: data.open_pipeline().await?,
            saved: Instant::now(),
            committed: Instant::now(),
            _lock: lock,
        })
    }

    /// Places what the workers stored. Their index entries are committed
    /// once it has caught up (nothing new since the last call), or
    /// [`COMMIT_EVERY`] after the last commit, or when a whole index batch
    /// waits; the snapshot is saved now and then.
    async fn place(&mut self) -> anyhow::Result<u64> {
        let placed = self.pipeline.place_stored().await?;
        if placed > 0 {
            tracing::info!(articles = placed, "placed in stories");
        }
        if self.saved.elapsed() >= SNAPSHOT_EVERY {
            self.pipeline.flush().await?;
            self.saved = Instant::now();
            self.committed = self.saved;
        } else if placed == 0 || self.committed.elapsed() >= COMMIT_EVERY {
            self.pipeline.commit_placed().await?;
            self.committed = Instant::now();
        }
        Ok(placed)
    }
}

/// Whether there is nothing left to do now, when no job could be claimed:
/// no job running in another worker and, for the leader, no article
/// waiting for a story. Jobs waiting out a retry's back-off are left for a
/// later run.
async fn idle(store: &dyn Store, leading: bool) -> anyhow::Result<bool> {
    if store.job_counts().await?.running > 0 {
        return Ok(false);
    }
    Ok(!leading || store.unplaced_articles(1).await?.is_empty())
}

/// A job's page, fetched and extracted, waiting for its turn to be stored.
struct Ready {
    id: JobId,
    origin: String,
    page: ExtractedPage,
}

/// Fetches and extracts a job's page. A fetch that fails is recorded at
/// once (the job is retried later, or dead), so that it holds back no one.
async fn prepare(
    store: &dyn Store,
    fetcher: &gather::Fetcher,
    name: &str,
    job: Job,
    tally: &mut Tally,
) -> anyhow::Result<Option<Ready>> {
    let id = job.id;
    let origin = job.origin.clone();
    match page_of(fetcher, job).await {
        Ok(page) => {
            let page = tokio::task::spawn_blocking(move || ExtractedPage::new(&page)).await?;
            Ok(Some(Ready { id, origin, page }))
        }
        Err(reason) => {
            failed(store, name, id, &origin, &reason, tally).await?;
            Ok(None)
        }
    }
}

/// Waits until no job ahead of `job` in the queue may still be stored, or
/// until `deadline`. The leader does not place articles meanwhile: the
/// jobs it holds would hold back every worker behind it.
async fn wait_in_line(store: &dyn Store, job: JobId, deadline: Instant, tally: &mut Tally) -> anyhow::Result<()> {
    let mut pause = Duration::from_millis(1);
    while let Some(ahead) = store.job_ahead(job, chrono::Utc::now()).await? {
        if Instant::now() >= deadline {
            tracing::warn!(job = %job, %ahead, "stored out of the queue's order: the job ahead is still running near the end of this worker's lease");
            tally.out_of_order += 1;
            break;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(IN_LINE_POLL);
    }
    Ok(())
}

/// Stores a job's page and marks the job done. A page that cannot be read
/// is done (its reason is in the fetch log); a storage failure is retried
/// later.
async fn store_job(store: &dyn Store, name: &str, ready: Ready, tally: &mut Tally) -> anyhow::Result<()> {
    let Ready { id, origin, page } = ready;
    match pipeline::store_page(store, page, None).await {
        Ok(outcome) => {
            match outcome {
                Outcome::Imported(_) => tally.stored += 1,
                Outcome::Known(_) => tally.known += 1,
                Outcome::Failed(reason) => {
                    tracing::warn!(job = %id, %origin, %reason, "page could not be read");
                    tally.unreadable += 1;
                }
            }
            if !store.finish_job(id, name, chrono::Utc::now()).await? {
                tracing::warn!(job = %id, %origin, "lease ran out before the job was done; another worker has it");
            }
            Ok(())
        }
        Err(e) => failed(store, name, id, &origin, &e.to_string(), tally).await,
    }
}

/// Records a failed try of a job.
async fn failed(
    store: &dyn Store,
    name: &str,
    id: JobId,
    origin: &str,
    reason: &str,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    tracing::warn!(job = %id, %origin, %reason, "job failed");
    match store.fail_job(id, name, reason, chrono::Utc::now()).await? {
        Some(store::JobState::Dead) => tally.dead += 1,
        Some(_) => tally.retried += 1,
        None => tracing::warn!(job = %id, "lease ran out before the failure was recorded"),
    }
    Ok(())
}

/// The job's page: the bytes it carries, or a fetch of its URL.
async fn page_of(fetcher: &gather::Fetcher, job: Job) -> Result<Page, String> {
    match job.kind {
        JobKind::Page => {
            let body = job.body.ok_or_else(|| format!("job {} carries no page", job.id))?;
            Ok(Page {
                origin: job.origin,
                url: job.url,
                body,
                charset: job.charset,
                status: None,
                fetched_at: Some(chrono::Utc::now()),
            })
        }
        JobKind::Fetch => {
            let url = job.url.ok_or_else(|| format!("job {} has no URL to fetch", job.id))?;
            let fetched = fetcher.get_page(&url).await.map_err(|e| e.to_string())?;
            Ok(Page::from(fetched))
        }
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_string())
}
