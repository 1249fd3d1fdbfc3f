//! Ingest with storing and placing side by side: while the pipeline places
//! one page's article in its story, a task of its own stores the next.
//!
//! Storing is a round of store writes and placing is mostly the story
//! engine's CPU work, its store writes and the index, so on two cores the
//! two halves overlap instead of taking turns. Pages are stored one at a
//! time, in the order they come, so article ids follow that order, and
//! they are placed in the same order: the stories are those of
//! [`Pipeline::ingest_extracted`] page by page. A crash leaves at most the
//! pages stored ahead unplaced, and the next pipeline's recovery places
//! them, as after a worker.

use tokio::sync::mpsc;

use crate::storing::{store_extracted, ExtractedPage, Stored};
use crate::timings::StageTimes;
use crate::{Outcome, Pipeline};

/// How many pages the storing task may store before the pipeline has
/// placed them.
const STORED_AHEAD: usize = 16;

/// One page through the storing task: its origin and what storing it came
/// to, with the time that took.
type StoredPage = (String, Stored, StageTimes);

impl Pipeline {
    /// Ingests `pages` in the order they come, as
    /// [`Pipeline::ingest_extracted`] would one by one, storing each page
    /// while the one before it is placed. `each` hears of every page in
    /// order: its origin and outcome, or the reason its reader gave for
    /// not reading it; it sees the timings so far. Only storage failures
    /// are errors: the first one ends the run.
    pub async fn ingest_overlapped(
        &mut self,
        mut pages: mpsc::Receiver<Result<(String, ExtractedPage), String>>,
        mut each: impl FnMut(&StageTimes, Result<(String, Outcome), String>),
    ) -> crate::Result<()> {
        // Recovery places what an interrupted run left unplaced; it must
        // finish before new articles are stored, or it would place them too.
        self.recover().await?;
        let store = self.store.clone();
        let (tx, mut stored) = mpsc::channel::<crate::Result<Result<StoredPage, String>>>(STORED_AHEAD);
        let storer = tokio::spawn(async move {
            while let Some(page) = pages.recv().await {
                let item = match page {
                    Err(reason) => Ok(Err(reason)),
                    Ok((origin, page)) => {
                        let mut times = StageTimes {
                            extract: page.took(),
                            ..StageTimes::default()
                        };
                        store_extracted(store.as_ref(), page, None, &mut times)
                            .await
                            .map(|outcome| Ok((origin, outcome, times)))
                    }
                };
                let failed = item.is_err();
                // A closed channel: the pipeline stopped on an error.
                if tx.send(item).await.is_err() || failed {
                    break;
                }
            }
        });
        while let Some(item) = stored.recv().await {
            let (origin, outcome, times) = match item? {
                Ok(page) => page,
                Err(reason) => {
                    each(&self.times, Err(reason));
                    continue;
                }
            };
            self.times.extract += times.extract;
            self.times.store += times.store;
            let outcome = match outcome {
                Stored::Done(outcome) => outcome,
                Stored::New(id) => self.place_new(id).await?,
            };
            each(&self.times, Ok((origin, outcome)));
        }
        storer
            .await
            .map_err(|e| crate::Error::Task(format!("the storing task ended abnormally: {e}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use index::SearchIndex;
    use store::{SqliteStore, Store};

    use super::*;
    use crate::ingest::tests::{page, strike_pages};

    async fn open(dir: &std::path::Path) -> Pipeline {
        let store = SqliteStore::open(&dir.join("db.sqlite")).await.unwrap();
        let index = SearchIndex::open(&dir.join("index")).unwrap();
        Pipeline::open(Arc::new(store), Arc::new(index)).await.unwrap()
    }

    /// The story of every article, by origin, as sets of origins.
    async fn partition(store: &dyn Store) -> Vec<Vec<String>> {
        let mut by_story = std::collections::BTreeMap::<i64, Vec<String>>::new();
        for article in store.articles_after(None, 1000).await.unwrap() {
            by_story
                .entry(article.story.expect("placed").0)
                .or_default()
                .push(article.article.title.clone().unwrap_or_default());
        }
        let mut groups: Vec<_> = by_story.into_values().collect();
        groups.sort();
        groups
    }

    #[tokio::test]
    async fn storing_beside_placing_gives_the_outcomes_and_stories_of_one_page_at_a_time() {
        let mut pages: Vec<(String, String)> = strike_pages();
        // A page met twice in one run, one that cannot be read, and a
        // reader's own failure.
        pages.insert(3, pages[0].clone());
        pages.insert(5, ("empty".to_string(), String::new()));

        let one = tempfile::tempdir().unwrap();
        let mut pipeline = open(one.path()).await;
        let mut expected = Vec::new();
        for (name, html) in &pages {
            let outcome = pipeline
                .ingest_extracted(ExtractedPage::new(&page(html, name)), None)
                .await
                .unwrap();
            expected.push((name.clone(), outcome));
        }
        expected.push((
            "unreadable".to_string(),
            Outcome::Failed("truncated record".to_string()),
        ));
        pipeline.flush().await.unwrap();

        let two = tempfile::tempdir().unwrap();
        let mut pipeline = open(two.path()).await;
        let (tx, rx) = mpsc::channel(4);
        let feeder = tokio::spawn(async move {
            for (name, html) in pages {
                let extracted = ExtractedPage::new(&page(&html, &name));
                tx.send(Ok((name, extracted))).await.unwrap();
            }
            tx.send(Err("truncated record".to_string())).await.unwrap();
        });
        let mut got = Vec::new();
        pipeline
            .ingest_overlapped(rx, |_, page| match page {
                Ok(page) => got.push(page),
                Err(reason) => got.push(("unreadable".to_string(), Outcome::Failed(reason))),
            })
            .await
            .unwrap();
        feeder.await.unwrap();
        pipeline.flush().await.unwrap();

        assert_eq!(got, expected, "the same outcomes, ids included, in the same order");
        assert!(matches!(got[3].1, Outcome::Known(_)));
        assert!(matches!(got[5].1, Outcome::Failed(_)));
        let (a, b) = (open(one.path()).await, open(two.path()).await);
        let stories = partition(b.store().as_ref()).await;
        assert_eq!(stories, partition(a.store().as_ref()).await);
        assert_eq!(stories.len(), 2, "{stories:?}");
        assert_eq!(b.index.search("Brekkestad", 20).unwrap().len(), 6);
    }
}
