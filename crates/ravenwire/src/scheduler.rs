//! The scheduler inside `serve`: wakes every few seconds, and when a source
//! is due or a hub has pushed content, takes the data folder's ingest lock
//! (skipping the turn if an `import` or `fetch` holds it), runs one cycle
//! of the pipeline's scheduler and lets the lock go.
//!
//! The pipeline stays open between cycles, its story engine warm, unless
//! another process stored articles meanwhile; then a fresh one is opened,
//! which catches up from the snapshot and the store.

use std::sync::Arc;
use std::time::Duration;

use index::SearchIndex;
use store::Store;

use gather::Fetcher;
use pipeline::{GatherConfig, Pipeline, WebSubPush};
use tokio::sync::mpsc;

use crate::data::DataDir;

/// Pushes waiting for the next cycle, at most.
pub const INBOX_SIZE: usize = 256;

pub struct Scheduler {
    pub data: DataDir,
    /// Shared with the web pages, so they see each commit.
    pub store: Arc<dyn Store>,
    pub index: Arc<SearchIndex>,
    pub fetcher: Fetcher,
    pub config: GatherConfig,
    pub pushes: mpsc::Receiver<web::Push>,
}

impl Scheduler {
    /// How often the scheduler looks for due sources: a quarter of the
    /// minimum interval, between one and thirty seconds.
    fn tick(&self) -> Duration {
        (self.config.bounds.min / 4).clamp(Duration::from_secs(1), Duration::from_secs(30))
    }

    /// Runs until the task is dropped (when `serve` stops). A failure of
    /// one cycle is logged and the next tick tries again.
    pub async fn run(mut self) {
        let tick = self.tick();
        tracing::info!(
            min_interval = self.config.bounds.min.as_secs_f64(),
            tick = tick.as_secs_f64(),
            "the scheduler is running"
        );
        let mut pipeline: Option<Pipeline> = None;
        let mut pending: Vec<web::Push> = Vec::new();
        // Closed when WebSub is off: there is then only the clock.
        let mut pushes_open = true;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(tick) => {}
                push = self.pushes.recv(), if pushes_open => match push {
                    Some(push) => pending.push(push),
                    None => pushes_open = false,
                },
            }
            while let Ok(push) = self.pushes.try_recv() {
                pending.push(push);
            }
            if let Err(e) = self.turn(&mut pipeline, &mut pending).await {
                tracing::error!(
                    error = format!("{e:#}"),
                    "a scheduler cycle failed; trying again at the next tick"
                );
                // Whatever it held may be stale now.
                pipeline = None;
            }
        }
    }

    async fn turn(&self, slot: &mut Option<Pipeline>, pending: &mut Vec<web::Push>) -> anyhow::Result<()> {
        if pending.is_empty() && self.store.due_sources(chrono::Utc::now(), false, 1).await?.is_empty() {
            return Ok(());
        }
        let Some(_lock) = self.data.try_lock_ingest("serve (scheduler)").await? else {
            tracing::debug!("another ingest holds the data folder; polling at the next tick");
            return Ok(());
        };
        let current = match slot.as_ref() {
            Some(pipeline) => pipeline.is_current().await?,
            None => false,
        };
        if !current {
            *slot = Some(
                self.data
                    .pipeline_with(Arc::clone(&self.store), Arc::clone(&self.index))
                    .await?,
            );
        }
        let Some(pipeline) = slot.as_mut() else { return Ok(()) };
        for push in pending.drain(..) {
            let push = WebSubPush {
                source: push.source,
                body: push.body,
            };
            if let Some(report) = pipeline.take_push(&self.fetcher, &self.config, push).await? {
                tracing::info!(source = %report.url, result = ?report.result, "took a WebSub push");
            }
        }
        let report = pipeline.gather_cycle(&self.fetcher, &self.config, |_| {}).await?;
        for source in &report.polled {
            tracing::info!(source = %source.url, result = ?source.result, "polled");
        }
        Ok(())
    }
}
