//! Ingest with storing and placing side by side: while the pipeline places
//! one page's article in its story, a task of its own stores the next.
//!
//! Storing is a round of store writes and placing is mostly the story
//! engine's CPU work, its store writes and the index, so on two cores the
//! two halves overlap instead of taking turns. Pages are stored in the
//! order they come, those ready together in one transaction, so article
//! ids follow that order, and they are placed in the same order: the
//! stories are those of
//! [`Pipeline::ingest_extracted`] page by page. A crash leaves at most the
//! pages stored ahead unplaced, and the next pipeline's recovery places
//! them, as after a worker.
//!
//! Placing overlaps with itself too: the verdicts on one group of articles
//! are written by a task of their own while the engine judges the next
//! group ([`InFlight`]). Only one such write runs at a time, and the next
//! write, a settle, an index flush and the end of the run each wait for
//! it first, so the store sees the writes in the order the engine made
//! them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use model::Assignment;
use store::{ArticleId, Placed, StoredArticle};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::convert::placement_of;
use crate::storing::{store_extracted_batch, ExtractedPage, Stored};
use crate::timings::{lap, StageTimes};
use crate::{Outcome, Pipeline};

/// How many pages the storing task may store before the pipeline has
/// placed them.
const STORED_AHEAD: usize = 16;

/// The most pages stored with one store transaction: those the reader has
/// ready when the storing task comes back for more.
const STORED_TOGETHER: usize = 16;

/// The most stored pages placed with one store transaction.
const PLACED_TOGETHER: usize = STORED_AHEAD;

/// What the storing task made of one page.
enum Ready {
    /// Nothing to place: the page was known, or failed.
    Done(Outcome),
    /// A new article, read back from the store by the storing task, so that
    /// the placing side does not wait for that read; `None` if it vanished.
    New(ArticleId, Option<Box<StoredArticle>>),
}

/// One page of a group on the placing side, in its place in the order the
/// pages came.
enum Placing {
    /// The reader's reason for not reading it.
    Unread(String),
    /// Its outcome is known already.
    Done(String, Outcome),
    /// A new article, placed with the group; its outcome is the placing's.
    New(String, ArticleId),
}

/// One page through the storing task: its origin and what storing it came
/// to, with the time that took.
type StoredPage = (String, Ready, StageTimes);

/// Verdicts on a group of articles on their way to the store: the write
/// runs on a task of its own while the engine judges the next group.
pub(crate) struct InFlight {
    write: JoinHandle<(store::Result<Vec<Placed>>, Duration)>,
    judged: Vec<(StoredArticle, Assignment)>,
}

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
            while let Some(first) = pages.recv().await {
                // The pages read by now are stored together, in one
                // transaction; the reader's failures keep their places.
                let mut batch = vec![first];
                while batch.len() < STORED_TOGETHER {
                    match pages.try_recv() {
                        Ok(page) => batch.push(page),
                        Err(_) => break,
                    }
                }
                let mut times = StageTimes::default();
                let mut origins = Vec::with_capacity(batch.len());
                let mut extracted = Vec::new();
                for page in batch {
                    match page {
                        Err(reason) => origins.push(Err(reason)),
                        Ok((origin, page)) => {
                            times.extract += page.took();
                            origins.push(Ok(origin));
                            extracted.push(page);
                        }
                    }
                }
                let stored = match store_extracted_batch(store.as_ref(), extracted, None, &mut times).await {
                    Ok(stored) => read_back(store.as_ref(), stored, &mut times).await,
                    Err(e) => Err(e),
                };
                let mut outcomes = match stored {
                    Ok(outcomes) => outcomes.into_iter(),
                    Err(e) => {
                        // A closed channel: the pipeline stopped on an error.
                        let _ = tx.send(Err(e)).await;
                        break;
                    }
                };
                let mut times = Some(times);
                for origin in origins {
                    let item = match origin {
                        Err(reason) => Ok(Err(reason)),
                        Ok(origin) => {
                            let outcome = outcomes
                                .next()
                                .unwrap_or_else(|| Ready::Done(Outcome::Failed("not stored".into())));
                            // The batch's times go with its first page.
                            Ok(Ok((origin, outcome, times.take().unwrap_or_default())))
                        }
                    };
                    if tx.send(item).await.is_err() {
                        return;
                    }
                }
            }
        });
        let mut in_flight = None;
        while let Some(first) = stored.recv().await {
            // The pages stored by now are placed together, their story
            // writes in one transaction; never more than fill the index
            // queue, the write in flight counted, so that it is flushed
            // after the same articles as one page at a time would flush it.
            let most = PLACED_TOGETHER.min(self.index_room_beside(&in_flight));
            let mut group = vec![first];
            while group.len() < most {
                match stored.try_recv() {
                    Ok(item) => group.push(item),
                    Err(_) => break,
                }
            }
            let mut pages = Vec::with_capacity(group.len());
            let mut failure = None;
            for item in group {
                match item {
                    Err(e) => {
                        // The pages before it are placed first.
                        failure = Some(e);
                        break;
                    }
                    Ok(Err(reason)) => pages.push(Err(reason)),
                    Ok(Ok((origin, outcome, times))) => {
                        self.times.extract += times.extract;
                        self.times.store += times.store;
                        pages.push(Ok((origin, outcome)));
                    }
                }
            }
            let mut new = Vec::new();
            let pages: Vec<_> = pages
                .into_iter()
                .map(|page| match page {
                    Ok((origin, Ready::New(id, stored))) => {
                        new.push((id, stored.map(|s| *s)));
                        Placing::New(origin, id)
                    }
                    Ok((origin, Ready::Done(outcome))) => Placing::Done(origin, outcome),
                    Err(reason) => Placing::Unread(reason),
                })
                .collect();
            // The outcomes are reported while the group's write may still
            // be in flight: `Imported` means stored, and a crash before the
            // write commits leaves the articles to the next run's recovery.
            let mut placed = match self.place_new_group(new, &mut in_flight).await {
                Ok(placed) => placed.into_iter(),
                Err(e) => {
                    // A write that was sent still ends before the error does.
                    let _ = self.land(&mut in_flight).await;
                    return Err(e);
                }
            };
            for page in pages {
                let report = match page {
                    Placing::Unread(reason) => Err(reason),
                    Placing::Done(origin, outcome) => Ok((origin, outcome)),
                    Placing::New(origin, id) => Ok((
                        origin,
                        placed
                            .next()
                            .unwrap_or_else(|| Outcome::Failed(format!("article {} was not placed", id.0))),
                    )),
                };
                each(&self.times, report);
            }
            if let Some(e) = failure {
                self.land(&mut in_flight).await?;
                return Err(e);
            }
        }
        self.land(&mut in_flight).await?;
        storer
            .await
            .map_err(|e| crate::Error::Task(format!("the storing task ended abnormally: {e}")))?;
        Ok(())
    }
}

/// Reads back the articles a batch stored, for the placing side, in one
/// read: the batch's ids rise in the order they were stored, so the rows
/// from its first id to its last hold them all (and, on a shared
/// PostgreSQL, perhaps another writer's, which are passed over).
async fn read_back(store: &dyn store::Store, stored: Vec<Stored>, times: &mut StageTimes) -> crate::Result<Vec<Ready>> {
    let start = Instant::now();
    let ids = stored.iter().filter_map(|s| match s {
        Stored::New(id) => Some(id.0),
        Stored::Done(_) => None,
    });
    let mut rows = HashMap::new();
    if let (Some(first), Some(last)) = (ids.clone().min(), ids.max()) {
        let span = u32::try_from(last - first + 1)
            .map_err(|_| crate::Error::Task(format!("articles {first} to {last} are too far apart to read back")))?;
        for article in store.articles_after(Some(ArticleId(first - 1)), span).await? {
            rows.insert(article.id, article);
        }
    }
    let ready = stored
        .into_iter()
        .map(|stored| match stored {
            Stored::Done(outcome) => Ready::Done(outcome),
            Stored::New(id) => Ready::New(id, rows.remove(&id).map(Box::new)),
        })
        .collect();
    lap(&mut times.store, start);
    Ok(ready)
}

impl Pipeline {
    /// Places newly stored articles in order, as [`Pipeline::place_new`]
    /// would one by one, with their story writes in one store transaction,
    /// sent off as the next write in flight (see [`InFlight`]). An article
    /// whose verdict revised earlier ones is settled on its own, once those
    /// before it are written, since its revisions read the store. A crash
    /// before the commit leaves them all unplaced, for the next pipeline's
    /// recovery.
    pub(crate) async fn place_new_group(
        &mut self,
        articles: Vec<(ArticleId, Option<StoredArticle>)>,
        in_flight: &mut Option<InFlight>,
    ) -> crate::Result<Vec<Outcome>> {
        let mut outcomes = Vec::with_capacity(articles.len());
        let mut judged: Vec<(StoredArticle, Assignment)> = Vec::new();
        for (id, stored) in articles {
            let Some(stored) = stored else {
                outcomes.push(Outcome::Failed(format!("article {id} vanished after insert")));
                continue;
            };
            self.times.articles += 1;
            let (assignment, revisions) = self.judge(&stored).await?;
            outcomes.push(Outcome::Imported(id));
            if revisions.is_empty() {
                judged.push((stored, assignment));
                continue;
            }
            self.send_judged(&mut judged, in_flight).await?;
            self.land(in_flight).await?;
            let story = self.settle(&stored, assignment, revisions).await?;
            self.queue_placed(&stored, story);
        }
        self.send_judged(&mut judged, in_flight).await?;
        if self.index_room() <= in_flight_len(in_flight) {
            // The queue is full once the write lands.
            self.land(in_flight).await?;
        }
        self.flush_index_if_full().await?;
        Ok(outcomes)
    }

    /// How many more articles fill the index queue, counting those of the
    /// write in flight; at least one.
    fn index_room_beside(&self, in_flight: &Option<InFlight>) -> usize {
        self.index_room().saturating_sub(in_flight_len(in_flight)).max(1)
    }

    /// Sends the verdicts judged so far to the store as one transaction,
    /// once the write before it has landed.
    async fn send_judged(
        &mut self,
        judged: &mut Vec<(StoredArticle, Assignment)>,
        in_flight: &mut Option<InFlight>,
    ) -> crate::Result<()> {
        if judged.is_empty() {
            return Ok(());
        }
        self.land(in_flight).await?;
        let placements: Vec<_> = judged.iter().map(|(stored, a)| (stored.id, placement_of(a))).collect();
        let store = self.store.clone();
        let write = tokio::spawn(async move {
            let start = Instant::now();
            let placed = store.assign_stories(&placements).await;
            (placed, start.elapsed())
        });
        *in_flight = Some(InFlight {
            write,
            judged: std::mem::take(judged),
        });
        Ok(())
    }

    /// Waits for the write in flight, if any, and files its articles under
    /// their stories for the index.
    pub(crate) async fn land(&mut self, in_flight: &mut Option<InFlight>) -> crate::Result<()> {
        let Some(InFlight { write, judged }) = in_flight.take() else {
            return Ok(());
        };
        let (placed, took) = write
            .await
            .map_err(|e| crate::Error::Task(format!("a placement write ended abnormally: {e}")))?;
        self.times.placement += took;
        for ((stored, assignment), placed) in judged.into_iter().zip(placed?) {
            self.note_story(assignment.story_key, placed.story);
            self.queue_placed(&stored, placed.story);
        }
        Ok(())
    }
}

fn in_flight_len(in_flight: &Option<InFlight>) -> usize {
    in_flight.as_ref().map_or(0, |f| f.judged.len())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use index::SearchIndex;
    use store::{SqliteStore, Store};

    use super::*;
    use crate::ingest::tests::{page, strike_pages, PAGE};

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

    /// The outcomes of ingesting `pages` one at a time into a pipeline on
    /// `dir`, flushed.
    async fn one_at_a_time(dir: &std::path::Path, pages: &[(String, String)]) -> Vec<(String, Outcome)> {
        let mut pipeline = open(dir).await;
        let mut outcomes = Vec::new();
        for (name, html) in pages {
            let outcome = pipeline
                .ingest_extracted(ExtractedPage::new(&page(html, name)), None)
                .await
                .unwrap();
            outcomes.push((name.clone(), outcome));
        }
        pipeline.flush().await.unwrap();
        outcomes
    }

    #[tokio::test]
    async fn storing_beside_placing_gives_the_outcomes_and_stories_of_one_page_at_a_time() {
        let mut pages: Vec<(String, String)> = strike_pages();
        // A page met twice in one run, one that cannot be read, and a
        // reader's own failure.
        pages.insert(3, pages[0].clone());
        pages.insert(5, ("empty".to_string(), String::new()));

        let one = tempfile::tempdir().unwrap();
        let mut expected = one_at_a_time(one.path(), &pages).await;
        expected.push((
            "unreadable".to_string(),
            Outcome::Failed("truncated record".to_string()),
        ));

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

    /// Stores `pages` in one transaction, as the storing task does, and
    /// gives the id of each one's new article.
    async fn store_new_batch(pipeline: &Pipeline, pages: &[(String, String)]) -> Vec<ArticleId> {
        let extracted = pages
            .iter()
            .map(|(name, html)| ExtractedPage::new(&page(html, name)))
            .collect();
        let stored = store_extracted_batch(pipeline.store.as_ref(), extracted, None, &mut StageTimes::default())
            .await
            .unwrap();
        stored
            .into_iter()
            .zip(pages)
            .map(|(stored, (name, _))| match stored {
                Stored::New(id) => id,
                Stored::Done(outcome) => panic!("{name}: {outcome:?}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn articles_stored_and_placed_together_get_the_stories_and_revisions_of_one_at_a_time() {
        let mut pages: Vec<(String, String)> = strike_pages();
        // A re-dated re-post met before its original: the original's
        // verdict revises the re-post's, in the middle of the group.
        let repost = PAGE
            .replace("fjord-post.example.com", "news-farm.example.com")
            .replace("Fjord Post", "News Farm")
            .replace("2025-05-02T08:00:00+02:00", "2025-09-10T06:00:00+00:00");
        pages.insert(4, ("farm".to_string(), repost));
        pages.insert(7, ("original".to_string(), PAGE.to_string()));

        let one = tempfile::tempdir().unwrap();
        let expected: Vec<Outcome> = one_at_a_time(one.path(), &pages)
            .await
            .into_iter()
            .map(|(_, o)| o)
            .collect();

        let two = tempfile::tempdir().unwrap();
        let mut pipeline = open(two.path()).await;
        pipeline.recover().await.unwrap();
        // All stored in one transaction, then placed together.
        let mut articles = Vec::new();
        for id in store_new_batch(&pipeline, &pages).await {
            articles.push((id, pipeline.store.article(id).await.unwrap()));
        }
        let mut in_flight = None;
        let got = pipeline.place_new_group(articles, &mut in_flight).await.unwrap();
        pipeline.land(&mut in_flight).await.unwrap();
        pipeline.flush().await.unwrap();
        assert_eq!(got, expected);

        let (a, b) = (open(one.path()).await, open(two.path()).await);
        assert_eq!(partition(b.store().as_ref()).await, partition(a.store().as_ref()).await);
        let verdicts = |articles: Vec<StoredArticle>| {
            articles
                .into_iter()
                .map(|s| (s.id, s.canonical_url, s.copy_of, s.redated))
                .collect::<Vec<_>>()
        };
        let ours = verdicts(b.store().articles_after(None, 1000).await.unwrap());
        assert_eq!(ours, verdicts(a.store().articles_after(None, 1000).await.unwrap()));
        let farm = ours.iter().find(|v| v.1.contains("news-farm")).expect("the re-post");
        assert!(farm.2.is_some() && farm.3, "revised to a re-dated copy: {farm:?}");
        assert_eq!(
            b.index.search("Oskarvik", 50).unwrap().len(),
            a.index.search("Oskarvik", 50).unwrap().len()
        );
    }

    #[tokio::test]
    async fn a_batch_is_read_back_in_one_read_passing_over_rows_between_its_ids() {
        // On a shared PostgreSQL another writer's rows may fall between a
        // batch's ids: here the pages at odd places stand for them.
        let dir = tempfile::tempdir().unwrap();
        let pipeline = open(dir.path()).await;
        let ids = store_new_batch(&pipeline, &strike_pages()).await;
        assert!(ids.len() >= 5);
        let ours = vec![
            Stored::New(ids[0]),
            Stored::Done(Outcome::Known(ids[0])),
            Stored::New(ids[2]),
            Stored::New(ids[4]),
        ];
        let ready = read_back(pipeline.store.as_ref(), ours, &mut StageTimes::default())
            .await
            .unwrap();
        let got: Vec<_> = ready
            .iter()
            .map(|r| match r {
                Ready::New(id, article) => (Some(*id), article.as_ref().map(|a| a.id)),
                Ready::Done(_) => (None, None),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(ids[0]), Some(ids[0])),
                (None, None),
                (Some(ids[2]), Some(ids[2])),
                (Some(ids[4]), Some(ids[4])),
            ]
        );
        let read = read_back(
            pipeline.store.as_ref(),
            vec![Stored::New(ArticleId(ids[4].0 + 100))],
            &mut StageTimes::default(),
        )
        .await
        .unwrap();
        assert!(
            matches!(read[..], [Ready::New(_, None)]),
            "an id not in the store reads back as vanished"
        );
    }
}
