//! The scheduler's cycle: which sources are due, their polls run side by
//! side on the network, and their entries ingested one by one, each poll's
//! outcome stored with the source's next poll time.
//!
//! The network half ([`harvest`]) runs as many tasks as the fetcher's
//! limits allow (global, per host, robots.txt Crawl-delay); the ingest half
//! is this pipeline, which owns the story engine and so takes one harvest
//! at a time from a bounded channel.

mod cadence;
mod harvest;
mod state;
mod subscribe;
mod websub;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, Semaphore};

use gather::{FeedEntry, Fetcher};
use model::Article;
use store::{FetchRecord, SourceId, StoredSource};

pub use cadence::Bounds;
pub use subscribe::{subscribe, subscribe_unchecked, SubscribeError, Subscribed};
pub use websub::{WebSubConfig, WebSubPush};

use crate::{Outcome, Pipeline};
use harvest::{Found, Harvest, HarvestLimits, Item};

/// How the scheduler polls.
#[derive(Debug, Clone)]
pub struct GatherConfig {
    /// The shortest and longest time between two polls of one source.
    pub bounds: Bounds,
    /// Poll every source now, except those a server told to wait and those
    /// in back-off after errors.
    pub force: bool,
    /// New pages fetched per source and poll.
    pub max_new_pages: usize,
    /// Sources polled at once (the fetcher limits requests further).
    pub max_sources_at_once: usize,
    /// Where hubs can reach us, when WebSub is on.
    pub websub: Option<WebSubConfig>,
}

impl GatherConfig {
    pub fn new(min_interval: Duration, max_interval: Duration) -> Self {
        GatherConfig {
            bounds: Bounds {
                min: min_interval,
                max: max_interval.max(min_interval),
            },
            force: false,
            max_new_pages: 100,
            max_sources_at_once: 128,
            websub: None,
        }
    }
}

/// What one cycle did, source by source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleReport {
    pub polled: Vec<SourceReport>,
    /// Sources that were not polled because a server or back-off said wait.
    pub waiting: Vec<Waiting>,
}

impl CycleReport {
    pub fn failed(&self) -> bool {
        self.polled.iter().any(|s| match &s.result {
            PollResult::Failed(_) => true,
            PollResult::Polled(summary) => !summary.failed.is_empty(),
            PollResult::NotModified => false,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceReport {
    pub id: SourceId,
    pub url: String,
    pub result: PollResult,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollResult {
    Polled(FeedSummary),
    /// 304: nothing changed, nothing written but the poll log.
    NotModified,
    /// The source itself could not be read.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: SourceId,
    pub url: String,
    pub until: DateTime<Utc>,
    pub reason: String,
}

/// What one poll of one source stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedSummary {
    /// Entries stored from their fetched page.
    pub imported: u32,
    /// Entries stored from the feed's own content because the page failed.
    pub from_feed: u32,
    pub known: u32,
    /// New entries left for the next poll.
    pub deferred: u32,
    /// Entries that could not be stored at all, with the reason.
    pub failed: Vec<(String, String)>,
}

impl Pipeline {
    /// Runs one scheduler cycle: polls the sources that are due (every one
    /// with `config.force`, except those told to wait), ingests what they
    /// bring and stores each poll's outcome. One failing source or entry
    /// never stops the others; only storage failures are errors.
    pub async fn gather_cycle(
        &mut self,
        fetcher: &Fetcher,
        config: &GatherConfig,
        mut progress: impl FnMut(&str),
    ) -> crate::Result<CycleReport> {
        self.recover().await?;
        let now = Utc::now();
        let mut report = CycleReport::default();
        if config.force {
            for source in self.store.sources(None).await? {
                if let Some(until) = source.state.wait_until.filter(|until| *until > now) {
                    report.waiting.push(Waiting {
                        id: source.id,
                        url: source.url.clone(),
                        until,
                        reason: source
                            .state
                            .last_error
                            .clone()
                            .unwrap_or_else(|| "told to wait".to_string()),
                    });
                }
            }
        }
        let due = interleave_hosts(self.store.due_sources(now, config.force, u32::MAX).await?);
        if due.is_empty() {
            return Ok(report);
        }
        tracing::info!(sources = due.len(), "polling sources");

        let (sender, mut receiver) = mpsc::channel::<Harvest>(16);
        let limits = HarvestLimits::new(config.max_new_pages);
        let slots = Arc::new(Semaphore::new(config.max_sources_at_once.max(1)));
        let producer = {
            let fetcher = fetcher.clone();
            let store = Arc::clone(&self.store);
            tokio::spawn(async move {
                let mut tasks = tokio::task::JoinSet::new();
                for source in due {
                    let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
                        break;
                    };
                    let (fetcher, store, sender, limits) =
                        (fetcher.clone(), Arc::clone(&store), sender.clone(), limits.clone());
                    tasks.spawn(async move {
                        let harvest = harvest::harvest(fetcher, store, source, limits).await;
                        drop(slot);
                        // The receiver is gone only when the cycle failed.
                        let _ = sender.send(harvest).await;
                    });
                }
                while tasks.join_next().await.is_some() {}
            })
        };
        while let Some(harvest) = receiver.recv().await {
            progress(&harvest.source.url);
            let polled = self.take_harvest(fetcher, config, harvest).await?;
            report.polled.push(polled);
        }
        if let Err(e) = producer.await {
            tracing::error!(error = %e, "a polling task failed");
        }
        self.flush().await?;
        report.polled.sort_by_key(|s| s.id);
        Ok(report)
    }

    /// Takes content a WebSub hub pushed (its signature already checked):
    /// its new entries are ingested as a poll's would be. `None` when the
    /// source has been removed since.
    pub async fn take_push(
        &mut self,
        fetcher: &Fetcher,
        config: &GatherConfig,
        push: WebSubPush,
    ) -> crate::Result<Option<SourceReport>> {
        self.recover().await?;
        let Some(source) = self.store.source(push.source).await? else {
            return Ok(None);
        };
        let limits = HarvestLimits::new(config.max_new_pages);
        let harvest = harvest::from_push(fetcher.clone(), Arc::clone(&self.store), source, push.body, limits).await;
        let report = self.take_harvest(fetcher, config, harvest).await?;
        self.flush().await?;
        Ok(Some(report))
    }

    /// Ingests what one source's poll brought and stores its outcome.
    async fn take_harvest(
        &mut self,
        fetcher: &Fetcher,
        config: &GatherConfig,
        harvest: Harvest,
    ) -> crate::Result<SourceReport> {
        let Harvest {
            source,
            started,
            elapsed,
            result,
        } = harvest;
        let now = Utc::now();
        let mut poll = state::poll_record(&source, started, elapsed);
        let (result, next) = match result {
            Err(error) => {
                let next = state::after_failure(&source, &error, now, config.bounds);
                state::describe_failure(&mut poll, &error);
                (PollResult::Failed(error.to_string()), next)
            }
            Ok(Found::NotModified { max_age }) => {
                poll.not_modified = true;
                poll.status = Some(304);
                (
                    PollResult::NotModified,
                    state::after_not_modified(&source, max_age, now, config.bounds),
                )
            }
            Ok(Found::Items(items)) => {
                let items = *items;
                poll.status = Some(items.status);
                poll.bytes = items.bytes;
                poll.entries = items.entries;
                let next = state::after_success(&source, &items, now, config.bounds);
                let mut summary = FeedSummary {
                    deferred: items.deferred,
                    ..FeedSummary::default()
                };
                for item in items.items {
                    self.take_item(&source, item, &mut summary).await?;
                }
                poll.new_articles = summary.imported + summary.from_feed;
                if let Some(websub) = &config.websub {
                    websub::renew_if_needed(
                        self.store.as_ref(),
                        fetcher,
                        websub,
                        &source,
                        &items.hub,
                        &items.self_url,
                    )
                    .await?;
                }
                if source.title.is_none() {
                    if let Some(title) = &items.title {
                        // Adding again fills in a missing title and nothing else.
                        let titled = model::Source {
                            kind: source.kind,
                            url: source.url.clone(),
                            title: Some(title.clone()),
                        };
                        self.store.add_source(&titled).await?;
                    }
                }
                (PollResult::Polled(summary), next)
            }
        };
        match self.store.record_poll(&poll, &next).await {
            // Removed while it was being polled: its articles stay, its
            // poll is not recorded anywhere.
            Err(store::Error::NotFound(_)) => {}
            other => other?,
        }
        Ok(SourceReport {
            id: source.id,
            url: source.url,
            result,
        })
    }

    async fn take_item(&mut self, source: &StoredSource, item: Item, summary: &mut FeedSummary) -> crate::Result<()> {
        let Item { entry, known, page } = item;
        let label = entry.url.clone().unwrap_or_else(|| entry.id.clone());
        if known {
            summary.known += 1;
            return Ok(());
        }
        let page_failure = match page {
            Some(Ok(extracted)) => match self.ingest_extracted(extracted, Some(source.id)).await? {
                Outcome::Imported(_) => {
                    summary.imported += 1;
                    return Ok(());
                }
                Outcome::Known(_) => {
                    summary.known += 1;
                    return Ok(());
                }
                Outcome::Failed(reason) => reason,
            },
            Some(Err(error)) => {
                // The refusal or failure goes in the fetch log, like a page
                // that failed extraction.
                self.store
                    .record_fetch(&FetchRecord {
                        url: label.clone(),
                        final_url: None,
                        status: error.http_status(),
                        content_hash: None,
                        fetched_at: Utc::now(),
                        error: Some(error.to_string()),
                    })
                    .await?;
                error.to_string()
            }
            None => "entry has no link".to_string(),
        };
        match self.ingest_feed_content(&entry, source.id).await? {
            Some(Outcome::Imported(_)) => summary.from_feed += 1,
            Some(Outcome::Known(_)) => summary.known += 1,
            Some(Outcome::Failed(reason)) => summary
                .failed
                .push((label, format!("{page_failure}; feed content: {reason}"))),
            None => summary.failed.push((
                label,
                format!("{page_failure}; the feed carries no content to fall back on"),
            )),
        }
        Ok(())
    }

    /// Stores an entry from the feed's own content, for when its page fails.
    async fn ingest_feed_content(&mut self, entry: &FeedEntry, source: SourceId) -> crate::Result<Option<Outcome>> {
        let Some(article) = article_from_entry(entry) else {
            return Ok(None);
        };
        let identity = format!("{:x}", Sha256::digest(entry.id.as_bytes()));
        self.ingest_article(article, &identity, Some(source), None)
            .await
            .map(Some)
    }
}

/// Orders sources so that those polled side by side are on different
/// hosts: the first source of every host, then the second of every host,
/// and so on, each host's in their given order. A host's delay then holds
/// up one slot, not many.
fn interleave_hosts(sources: Vec<StoredSource>) -> Vec<StoredSource> {
    let mut hosts: Vec<(String, std::collections::VecDeque<StoredSource>)> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for source in sources {
        let host = url::Url::parse(&source.url)
            .map(|u| gather::host_key(&u))
            .unwrap_or_else(|_| source.url.clone());
        let slot = *at.entry(host.clone()).or_insert_with(|| {
            hosts.push((host, Default::default()));
            hosts.len() - 1
        });
        hosts[slot].1.push_back(source);
    }
    let mut out = Vec::new();
    loop {
        let before = out.len();
        for (_, queue) in hosts.iter_mut() {
            if let Some(source) = queue.pop_front() {
                out.push(source);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Builds an article from a feed entry's content (or summary), using the
/// extractor on the fragment so the body gets the same cleaning as a page.
fn article_from_entry(entry: &FeedEntry) -> Option<Article> {
    let fragment = entry.content_html.as_deref().or(entry.summary.as_deref())?;
    let title = entry.title.clone().unwrap_or_default();
    let html = format!(
        "<html><head><title>{}</title></head><body><article>{}</article></body></html>",
        model::html::escape(&title),
        fragment
    );
    let mut article = extract::extract(html.as_bytes(), entry.url.as_deref()).ok()?;
    if entry.title.is_some() {
        article.title = entry.title.clone();
    }
    article.url = entry.url.clone();
    article.canonical_url = entry.url.clone();
    article.published = entry.published.or(article.published);
    if article.authors.is_empty() {
        article.authors = entry.authors.clone();
    }
    Some(article)
}
