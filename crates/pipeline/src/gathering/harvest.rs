//! The network half of a poll: fetch one source (feed or sitemap) and the
//! pages of its new entries. Runs concurrently for many sources; it reads
//! the store only to skip entries already stored, and writes nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use gather::{Conditional, FeedEntry, Fetched, Fetcher, Validators};
use model::SourceKind;
use store::{Store, StoredSource};

use crate::ExtractedPage;

/// Sitemaps of a sitemap index read per poll.
const MAX_CHILD_SITEMAPS: usize = 20;

/// Entries (or sitemap URLs, newest first) looked at per poll: each costs
/// a look-up in the store, and a sitemap index can name millions.
const MAX_ENTRIES_LOOKED_AT: usize = 1000;

/// What one source's poll brought back, for the ingest half.
pub(crate) struct Harvest {
    pub source: StoredSource,
    pub started: DateTime<Utc>,
    pub elapsed: Duration,
    pub result: Result<Found, gather::Error>,
}

pub(crate) enum Found {
    NotModified { max_age: Option<Duration> },
    Items(Box<Items>),
}

/// A feed or sitemap that answered with content.
pub(crate) struct Items {
    pub status: u16,
    pub bytes: u64,
    pub validators: Validators,
    pub max_age: Option<Duration>,
    pub title: Option<String>,
    /// WebSub: the hub and the topic the feed names for itself.
    pub hub: Option<String>,
    pub self_url: Option<String>,
    /// Every entry's date, known or new, for the polling interval.
    pub dates: Vec<DateTime<Utc>>,
    pub entries: u32,
    pub items: Vec<Item>,
    /// New entries left for the next poll (a sitemap's cap per poll).
    pub deferred: u32,
}

/// One entry of a feed or URL of a sitemap.
pub(crate) struct Item {
    pub entry: FeedEntry,
    pub known: bool,
    /// The entry's page, fetched and extracted, when it has a link and was
    /// not known.
    pub page: Option<Result<ExtractedPage, gather::Error>>,
}

/// Limits of one harvest.
#[derive(Debug, Clone)]
pub(crate) struct HarvestLimits {
    /// New pages fetched per source and poll; more wait for the next one.
    pub max_new_pages: usize,
    /// Extractions at once, shared by every harvest of a cycle: one per
    /// core, so that hundreds of sources polled at once do not start
    /// hundreds of extraction threads (each with its allocator caches).
    pub extractions: Arc<tokio::sync::Semaphore>,
}

impl HarvestLimits {
    pub fn new(max_new_pages: usize) -> HarvestLimits {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        HarvestLimits {
            max_new_pages,
            extractions: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }
}

pub(crate) async fn harvest(
    fetcher: Fetcher,
    store: Arc<dyn Store>,
    source: StoredSource,
    limits: HarvestLimits,
) -> Harvest {
    let started = Utc::now();
    let clock = Instant::now();
    let result = fetch_source(&fetcher, store.as_ref(), &source, &limits).await;
    Harvest {
        source,
        started,
        elapsed: clock.elapsed(),
        result,
    }
}

/// Content a WebSub hub pushed, taken like a poll that found it.
pub(crate) async fn from_push(
    fetcher: Fetcher,
    store: Arc<dyn Store>,
    source: StoredSource,
    body: Vec<u8>,
    limits: HarvestLimits,
) -> Harvest {
    let started = Utc::now();
    let clock = Instant::now();
    let result = match read_feed(&body, &source.url) {
        Ok(mut items) => {
            items.bytes = body.len() as u64;
            // A push carries no validators; the last poll's still hold.
            items.validators = Validators {
                etag: source.state.etag.clone(),
                last_modified: source.state.last_modified.clone(),
            };
            fetch_new_pages(&fetcher, store.as_ref(), &mut items, &limits).await;
            Ok(Found::Items(Box::new(items)))
        }
        Err(e) => Err(e),
    };
    Harvest {
        source,
        started,
        elapsed: clock.elapsed(),
        result,
    }
}

async fn fetch_source(
    fetcher: &Fetcher,
    store: &dyn Store,
    source: &StoredSource,
    limits: &HarvestLimits,
) -> Result<Found, gather::Error> {
    let validators = Validators {
        etag: source.state.etag.clone(),
        last_modified: source.state.last_modified.clone(),
    };
    let fetched = match fetcher.get_conditional(&source.url, &validators).await? {
        Conditional::NotModified { max_age } => return Ok(Found::NotModified { max_age }),
        Conditional::Modified(fetched) => fetched,
    };
    let mut items = match source.kind {
        SourceKind::Sitemap => read_sitemap(fetcher, &fetched).await?,
        _ => read_feed(&fetched.body, &fetched.final_url)?,
    };
    items.status = fetched.status;
    items.bytes = fetched.body.len() as u64;
    items.validators = Validators {
        etag: fetched.etag.clone(),
        last_modified: fetched.last_modified.clone(),
    };
    items.max_age = fetched.max_age;
    fetch_new_pages(fetcher, store, &mut items, limits).await;
    Ok(Found::Items(Box::new(items)))
}

fn read_feed(body: &[u8], url: &str) -> Result<Items, gather::Error> {
    let feed = gather::parse_feed(body, url)?;
    let dates = feed
        .entries
        .iter()
        .filter_map(|e| e.published.map(|p| p.to_utc()))
        .collect();
    Ok(Items {
        title: feed.title,
        hub: feed.hub,
        self_url: feed.self_url,
        dates,
        entries: feed.entries.len() as u32,
        items: feed
            .entries
            .into_iter()
            .take(MAX_ENTRIES_LOOKED_AT)
            .map(|entry| Item {
                entry,
                known: false,
                page: None,
            })
            .collect(),
        ..Items::empty()
    })
}

async fn read_sitemap(fetcher: &Fetcher, fetched: &Fetched) -> Result<Items, gather::Error> {
    let sitemap = gather::parse_sitemap(&fetched.body, &fetched.final_url)?;
    let mut urls = sitemap.urls;
    // An index names other sitemaps; read the first few of them. One that
    // fails costs its own URLs only.
    for child in sitemap.sitemaps.iter().take(MAX_CHILD_SITEMAPS) {
        match fetcher.get(child).await {
            Ok(page) => match gather::parse_sitemap(&page.body, &page.final_url) {
                Ok(inner) => urls.extend(inner.urls),
                Err(e) => tracing::warn!(sitemap = %child, error = %e, "cannot read a child sitemap"),
            },
            Err(e) => tracing::warn!(sitemap = %child, error = %e, "cannot fetch a child sitemap"),
        }
    }
    // Newest first, so a cap per poll takes the latest news.
    urls.sort_by_key(|u| std::cmp::Reverse(u.news_published.or(u.lastmod).map(|t| t.unix())));
    let dates = urls
        .iter()
        .filter_map(|u| u.news_published.or(u.lastmod).map(|t| t.to_utc()))
        .collect();
    Ok(Items {
        dates,
        entries: urls.len() as u32,
        items: urls
            .into_iter()
            .take(MAX_ENTRIES_LOOKED_AT)
            .map(|u| Item {
                entry: FeedEntry {
                    id: u.url.clone(),
                    url: Some(u.url),
                    title: u.news_title,
                    published: u.news_published,
                    content_html: None,
                    summary: None,
                    authors: Vec::new(),
                },
                known: false,
                page: None,
            })
            .collect(),
        ..Items::empty()
    })
}

/// Marks the entries the store already has, and fetches the pages of up
/// to `max_new_pages` others (robots.txt obeyed, the SSRF guard on every
/// hop); new entries past the cap are dropped from this poll.
async fn fetch_new_pages(fetcher: &Fetcher, store: &dyn Store, items: &mut Items, limits: &HarvestLimits) {
    let mut fetched = 0;
    let mut keep = Vec::with_capacity(items.items.len());
    for mut item in std::mem::take(&mut items.items) {
        if let Some(url) = &item.entry.url {
            if let Some(canonical) = stories::canonical_url(url) {
                // A failed look-up only costs a fetch; the ingest checks again.
                if matches!(store.find_article_by_url(&canonical).await, Ok(Some(_))) {
                    item.known = true;
                    keep.push(item);
                    continue;
                }
            }
            if fetched >= limits.max_new_pages {
                items.deferred += 1;
                continue;
            }
            fetched += 1;
            item.page = Some(match fetcher.get_page(url).await {
                // Extraction is the costly part of a page; it runs here, on
                // a blocking thread, so many sources' pages are extracted at
                // once while the pipeline stores one at a time, and a harvest
                // holds articles rather than raw pages.
                Ok(page) => {
                    let page = gather::Page::from(page);
                    // Never closed, so a permit always comes.
                    let _slot = limits.extractions.acquire().await;
                    match tokio::task::spawn_blocking(move || ExtractedPage::new(&page)).await {
                        Ok(extracted) => Ok(extracted),
                        Err(e) => Err(gather::Error::Io {
                            origin: url.clone(),
                            source: std::io::Error::other(format!("extraction task failed: {e}")),
                        }),
                    }
                }
                Err(e) => Err(e),
            });
        }
        keep.push(item);
    }
    items.items = keep;
}

impl Items {
    fn empty() -> Items {
        Items {
            status: 200,
            bytes: 0,
            validators: Validators {
                etag: None,
                last_modified: None,
            },
            max_age: None,
            title: None,
            hub: None,
            self_url: None,
            dates: Vec::new(),
            entries: 0,
            items: Vec::new(),
            deferred: 0,
        }
    }
}
