//! The first half of ingest: a page through extraction into the store, not
//! yet in a story.
//!
//! [`crate::Pipeline`] runs both halves in one process. Workers that share
//! a store run only this half ([`store_page`]); the one leader then places
//! what they stored, in id order ([`crate::Pipeline::place_pending`]).

use std::time::{Duration, Instant};

use chrono::Utc;
use sha2::{Digest, Sha256};

use gather::Page;
use model::Article;
use store::{ArticleEntity, ArticleId, FetchId, FetchRecord, NewArticle, NewPage, PageStored, SourceId, Store};

use crate::convert::identity_url;
use crate::crash::{self, Point};
use crate::timings::{lap, StageTimes};
use crate::Outcome;

/// A page run through extraction, with the entities it names, and ready
/// for the rest of the pipeline. Making one is pure CPU work with no shared
/// state, so the scheduler, the importer and workers make them on other
/// threads than the one that stores and places them.
#[derive(Debug)]
pub struct ExtractedPage {
    fetch: FetchRecord,
    raw_hash: String,
    article: Result<(Article, Vec<ArticleEntity>), String>,
    /// How long extracting it took, wherever that ran.
    took: Duration,
}

impl ExtractedPage {
    pub fn new(page: &Page) -> ExtractedPage {
        let start = Instant::now();
        let raw_hash = format!("{:x}", Sha256::digest(&page.body));
        let fetch = FetchRecord {
            url: page.url.clone().unwrap_or_else(|| page.origin.clone()),
            final_url: page.url.clone(),
            status: page.status,
            content_hash: Some(raw_hash.clone()),
            fetched_at: page.fetched_at.unwrap_or_else(Utc::now),
            error: None,
        };
        let article = extract::extract_with_charset(&page.body, page.url.as_deref(), page.charset.as_deref())
            .map(|article| {
                let entities = crate::entities::entities_of(&article);
                (article, entities)
            })
            .map_err(|e| e.to_string());
        ExtractedPage {
            fetch,
            raw_hash,
            article,
            took: start.elapsed(),
        }
    }

    /// How long extracting the page (and finding its entities) took.
    pub fn took(&self) -> Duration {
        self.took
    }
}

/// What storing a page came to.
pub(crate) enum Stored {
    /// Nothing new: the page was known, or failed.
    Done(Outcome),
    /// A new article, in no story yet.
    New(ArticleId),
}

/// Stores a page extracted beforehand, without placing it in a story.
/// [`Outcome::Imported`] means stored; the leader places it.
///
/// Only storage failures are errors; a page that cannot be read is an
/// [`Outcome::Failed`] with its reason, recorded in the fetch log.
/// Storing the same page twice, from two workers at once even, stores it
/// once.
pub async fn store_page(store: &dyn Store, page: ExtractedPage, source: Option<SourceId>) -> crate::Result<Outcome> {
    Ok(
        match store_extracted(store, page, source, &mut StageTimes::default()).await? {
            Stored::Done(outcome) => outcome,
            Stored::New(id) => Outcome::Imported(id),
        },
    )
}

pub(crate) async fn store_extracted(
    store: &dyn Store,
    page: ExtractedPage,
    source: Option<SourceId>,
    times: &mut StageTimes,
) -> crate::Result<Stored> {
    let mut stored = store_extracted_batch(store, vec![page], source, times).await?;
    Ok(stored
        .pop()
        .unwrap_or_else(|| Stored::Done(Outcome::Failed("the store answered nothing for the page".into()))))
}

/// Stores pages extracted beforehand, in order, with one store call
/// ([`Store::store_pages`]: one transaction on SQLite), each as an article
/// of `source` unless it failed: a failure is recorded in the fetch log
/// only, and a page whose URL is stored already (before, or earlier in the
/// same call) leaves no trace at all, so importing the same input twice adds
/// nothing, not even to the fetch log. The store time is all put on `times`.
pub(crate) async fn store_extracted_batch(
    store: &dyn Store,
    pages: Vec<ExtractedPage>,
    source: Option<SourceId>,
    times: &mut StageTimes,
) -> crate::Result<Vec<Stored>> {
    let start = Instant::now();
    let mut failures = Vec::with_capacity(pages.len());
    let new_pages: Vec<NewPage> = pages
        .into_iter()
        .map(|page| {
            let ExtractedPage {
                mut fetch,
                raw_hash,
                article,
                took: _,
            } = page;
            match article {
                Err(reason) => {
                    fetch.error = Some(reason.clone());
                    failures.push(Some(reason));
                    NewPage { fetch, article: None }
                }
                Ok((article, entities)) => {
                    failures.push(None);
                    let new = NewArticle {
                        content_hash: stories::content_fingerprint(&article.text),
                        canonical_url: identity_url(&article, &raw_hash),
                        article,
                        source,
                        fetch: None,
                    };
                    NewPage {
                        fetch,
                        article: Some((new, entities)),
                    }
                }
            }
        })
        .collect();
    crash::point(Point::BeforeStoreCommit);
    let stored = store.store_pages(new_pages, stories::entities::RULES_VERSION).await?;
    crash::point(Point::AfterStoreCommit);
    lap(&mut times.store, start);
    Ok(stored
        .into_iter()
        .zip(failures)
        .map(|(stored, failure)| match stored {
            PageStored::New(id) => Stored::New(id),
            PageStored::Known(id) => Stored::Done(Outcome::Known(id)),
            PageStored::Recorded(_) => Stored::Done(Outcome::Failed(failure.unwrap_or_default())),
            PageStored::Lost => Stored::Done(Outcome::Failed(
                "its URL was stored by another writer and is gone again".into(),
            )),
        })
        .collect())
}

/// Stores an article extracted elsewhere (a feed entry's own content, say),
/// and the entities it names. `identity_hash` names pages that carry no URL
/// at all.
pub(crate) async fn store_article(
    store: &dyn Store,
    article: Article,
    identity_hash: &str,
    source: Option<SourceId>,
    fetch: Option<FetchId>,
    times: &mut StageTimes,
) -> crate::Result<Stored> {
    let start = Instant::now();
    if let Some(id) = store
        .find_article_by_url(&identity_url(&article, identity_hash))
        .await?
    {
        lap(&mut times.store, start);
        return Ok(Stored::Done(Outcome::Known(id)));
    }
    let start = lap(&mut times.store, start);
    let entities = crate::entities::entities_of(&article);
    lap(&mut times.entities, start);
    let unknown = Unknown {
        article,
        entities,
        identity_hash,
        source,
        fetch,
    };
    store_unknown(store, unknown, times).await
}

/// An article its caller just looked up by URL and did not find, with the
/// entities it names.
struct Unknown<'a> {
    article: Article,
    entities: Vec<ArticleEntity>,
    identity_hash: &'a str,
    source: Option<SourceId>,
    fetch: Option<FetchId>,
}

/// Stores an [`Unknown`] article and its entities. Another writer may have
/// stored the same URL since the look-up: the store's conflict says so.
async fn store_unknown(store: &dyn Store, unknown: Unknown<'_>, times: &mut StageTimes) -> crate::Result<Stored> {
    let start = Instant::now();
    let Unknown {
        article,
        entities,
        identity_hash,
        source,
        fetch,
    } = unknown;
    let canonical_url = identity_url(&article, identity_hash);
    let new = NewArticle {
        content_hash: stories::content_fingerprint(&article.text),
        canonical_url,
        article,
        source,
        fetch,
    };
    crash::point(Point::BeforeStoreCommit);
    let inserted = store
        .insert_scanned_article(&new, stories::entities::RULES_VERSION, &entities)
        .await;
    let id = match inserted {
        Ok(id) => id,
        // Another writer stored the same URL between our look-up and insert.
        Err(store::Error::Conflict(_)) => {
            return Ok(Stored::Done(
                match store.find_article_by_url(&new.canonical_url).await? {
                    Some(id) => Outcome::Known(id),
                    None => Outcome::Failed(format!("conflicting URL {}", new.canonical_url)),
                },
            ))
        }
        Err(e) => return Err(e.into()),
    };
    // From here on a crash leaves the article stored in no story (on
    // PostgreSQL perhaps unscanned too); the next pipeline's recovery
    // places it, and its opening scans it.
    crash::point(Point::AfterStoreCommit);
    lap(&mut times.store, start);
    Ok(Stored::New(id))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use index::SearchIndex;
    use store::SqliteStore;

    use super::*;
    use crate::Pipeline;

    fn strike_page(port: &str, day: u32) -> Page {
        let (title, text) = if port == "Oskarvik" {
            (
                format!("Sjomann ferry strike against Fjord Line in Oskarvik, day {day}"),
                "Sjomann crews in Oskarvik kept up their walkout against Fjord Line over pay, and Fjord Line \
                 cancelled every crossing to the outer islands while Sjomann officials met its managers. \
                 Islanders said fresh milk and bread were running short.",
            )
        } else {
            (
                format!("Brekkestad council counts votes on the new harbour bridge, day {day}"),
                "Brekkestad council officials counted the postal ballots on the proposed harbour bridge, \
                 which would link the old town to the railway station. Turnout among pensioners was the \
                 highest recorded, and the mayor promised a result before the regional budget debate.",
            )
        };
        let html = format!(
            "<html><head><title>{title}</title>\
             <meta property=\"article:published_time\" content=\"2025-03-{day:02}T08:00:00Z\"></head>\
             <body><article><h1>{title}</h1><p>{text}</p></article></body></html>"
        );
        Page {
            origin: format!("{port}-{day}.html"),
            url: Some(format!("https://{}.example/strike-{day}", port.to_lowercase())),
            body: html.into_bytes(),
            charset: None,
            status: Some(200),
            fetched_at: None,
        }
    }

    fn pages() -> Vec<Page> {
        (1..=4)
            .flat_map(|day| [strike_page("Oskarvik", day), strike_page("Brekkestad", day)])
            .collect()
    }

    async fn open(dir: &std::path::Path) -> (Arc<SqliteStore>, Arc<SearchIndex>) {
        let store = Arc::new(SqliteStore::open(&dir.join("db.sqlite")).await.unwrap());
        let index = Arc::new(SearchIndex::open(&dir.join("index")).unwrap());
        (store, index)
    }

    /// The story of each page, by origin, in a store.
    async fn partition(store: &dyn Store) -> Vec<Vec<String>> {
        let mut by_story = std::collections::BTreeMap::<i64, Vec<String>>::new();
        for article in store.articles_after(None, 1000).await.unwrap() {
            let story = article.story.expect("every article is placed").0;
            by_story.entry(story).or_default().push(article.canonical_url);
        }
        let mut groups: Vec<_> = by_story.into_values().collect();
        groups.sort();
        groups
    }

    #[tokio::test]
    async fn pages_stored_by_workers_and_placed_by_the_leader_make_the_stories_of_one_process() {
        let one = tempfile::tempdir().unwrap();
        let (store, index) = open(one.path()).await;
        let mut pipeline = Pipeline::open(store.clone(), index).await.unwrap();
        for page in pages() {
            pipeline.ingest_page(&page, None).await.unwrap();
        }
        pipeline.flush().await.unwrap();
        let expected = partition(store.as_ref()).await;
        assert_eq!(expected.len(), 2, "{expected:?}");

        let shared = tempfile::tempdir().unwrap();
        let (store, index) = open(shared.path()).await;
        // Two workers store, each page twice over between them; nothing is placed yet.
        let pages = pages();
        let (a, b) = pages.split_at(4);
        for page in a.iter().chain(b).chain(a) {
            let outcome = store_page(store.as_ref(), ExtractedPage::new(page), None)
                .await
                .unwrap();
            assert!(
                matches!(outcome, Outcome::Imported(_) | Outcome::Known(_)),
                "{outcome:?}"
            );
        }
        assert_eq!(store.stats().await.unwrap().articles, 8);
        assert_eq!(store.unplaced_articles(100).await.unwrap().len(), 8);
        let mut leader = Pipeline::open(store.clone(), index.clone()).await.unwrap();
        assert_eq!(leader.place_pending().await.unwrap(), 8);
        assert_eq!(leader.place_pending().await.unwrap(), 0);
        assert_eq!(partition(store.as_ref()).await, expected);
        assert_eq!(index.search("sjomann", 100).unwrap().len(), 4);
        assert_eq!(index.search("bridge", 100).unwrap().len(), 4);
        assert!(store
            .articles_lacking_entities(stories::entities::RULES_VERSION, 10)
            .await
            .unwrap()
            .is_empty());
    }
}
