//! Feed polling: each new entry's page is fetched and ingested, with the
//! feed's own content as the fallback.

use chrono::Utc;
use sha2::{Digest, Sha256};

use gather::{FeedEntry, Fetcher, Page};
use model::{Article, Source, SourceKind};
use store::{SourceId, StoredSource};

use crate::{Outcome, Pipeline};

/// What one poll of one feed did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedSummary {
    pub feed: String,
    /// Entries stored from their fetched page.
    pub imported: u32,
    /// Entries stored from the feed's own content because the page failed.
    pub from_feed: u32,
    pub known: u32,
    /// Entries that could not be stored at all, with the reason.
    pub failed: Vec<(String, String)>,
    /// Why the feed itself could not be read, if it could not.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedReport {
    pub feeds: Vec<FeedSummary>,
}

impl Pipeline {
    /// Subscribes to a feed after checking that the URL serves one.
    pub async fn subscribe(&self, fetcher: &Fetcher, url: &str) -> crate::Result<(SourceId, Option<String>)> {
        let fetched = fetcher.get(url).await?;
        let feed = gather::parse_feed(&fetched.body, &fetched.final_url)?;
        let source = Source {
            kind: SourceKind::Feed,
            url: url.to_string(),
            title: feed.title.clone(),
        };
        let id = self.store().add_source(&source).await?;
        Ok((id, feed.title))
    }

    /// Polls every subscribed feed once, storing new entries. One failing
    /// feed or entry never stops the others.
    pub async fn poll_feeds(&mut self, fetcher: &Fetcher, mut on_entry: impl FnMut(&str)) -> crate::Result<FeedReport> {
        let feeds = self.store().sources(Some(SourceKind::Feed)).await?;
        let mut report = FeedReport::default();
        for feed in feeds {
            let summary = self.poll_feed(fetcher, &feed, &mut on_entry).await?;
            report.feeds.push(summary);
        }
        self.flush().await?;
        Ok(report)
    }

    async fn poll_feed(
        &mut self,
        fetcher: &Fetcher,
        feed: &StoredSource,
        on_entry: &mut impl FnMut(&str),
    ) -> crate::Result<FeedSummary> {
        let mut summary = FeedSummary {
            feed: feed.url.clone(),
            ..FeedSummary::default()
        };
        let parsed = match fetcher.get(&feed.url).await {
            Ok(fetched) => gather::parse_feed(&fetched.body, &fetched.final_url),
            Err(e) => Err(e),
        };
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(e) => {
                summary.error = Some(e.to_string());
                return Ok(summary);
            }
        };
        self.store().mark_source_polled(feed.id, Utc::now()).await?;
        for entry in &parsed.entries {
            let label = entry.url.clone().unwrap_or_else(|| entry.id.clone());
            on_entry(&label);
            if let Some(url) = &entry.url {
                if let Some(canonical) = stories::canonical_url(url) {
                    if self.store().find_article_by_url(&canonical).await?.is_some() {
                        summary.known += 1;
                        continue;
                    }
                }
            }
            let page_failure = match &entry.url {
                Some(url) => match fetcher.get(url).await {
                    Ok(fetched) => {
                        let page = Page::from(fetched);
                        match self.ingest_page(&page, Some(feed.id)).await? {
                            Outcome::Imported(_) => {
                                summary.imported += 1;
                                continue;
                            }
                            Outcome::Known(_) => {
                                summary.known += 1;
                                continue;
                            }
                            Outcome::Failed(reason) => reason,
                        }
                    }
                    Err(e) => e.to_string(),
                },
                None => "entry has no link".to_string(),
            };
            match self.ingest_feed_content(entry, feed.id).await? {
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
        }
        Ok(summary)
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
