//! The ingest flow: one page or article through extraction, the story
//! engine, the store and the index.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use gather::Page;
use index::SearchIndex;
use model::{Article, Assignment};
use store::{ArticleId, SourceId, Store, StoredArticle, StoryId};

use crate::convert::{indexed_of, placement_of};
use crate::crash::{self, Point};
use crate::index_queue::{catch_up, IndexQueue};
use crate::related::RelatedRefresh;
pub use crate::storing::ExtractedPage;
use crate::storing::{self, Stored};
use crate::story_keys::StoryKeys;
use crate::timings::{lap, StageTimes};
use crate::warm::WarmEngine;

/// What happened to one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Imported(ArticleId),
    /// The same page (canonical URL, or identical bytes for pages without
    /// one) is stored already.
    Known(ArticleId),
    Failed(String),
}

/// What [`Pipeline::recover`] repaired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Articles stored in no story, now placed by the story engine.
    pub placed: u64,
    /// Articles beyond the index's mark, now indexed.
    pub indexed: u64,
    /// Moved articles filed again under their current story.
    pub refiled: u64,
}

/// The ingest pipeline over one store and one index.
///
/// It keeps the story engine warm in memory: the first new article of a
/// run replays what the store holds, so a story started in one import
/// continues in the next. A run that meets only known pages (a feed poll
/// with nothing new, an import repeated) never pays for the replay.
///
/// With a snapshot file ([`Pipeline::with_snapshot`]) the replay starts
/// from the engine saved by the last run and restores only the articles
/// stored after it. The snapshot's watermark is the highest article id the
/// saved engine had seen. The file is taken away once loaded and written
/// anew by [`Pipeline::flush`], so a run that dies in between leaves none
/// and the next run replays in full: a run may revise stories of articles
/// from before the watermark, which only a full replay would then see.
/// `flush` also writes a missing snapshot again, warming the engine to do
/// so, even in a run that found nothing new: the snapshot heals like the
/// rest of the derived state.
///
/// The store is the truth; the index, the story placement and the snapshot
/// are derived from it and heal after a crash. Before its first piece of
/// work a pipeline runs [`Pipeline::recover`]: it places the articles an
/// interrupted run stored in no story, indexes every article beyond the
/// index's mark (the highest id its last commit covers, kept in that
/// commit) and re-files the articles the store queued when their story
/// moved.
pub struct Pipeline {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) index: Arc<SearchIndex>,
    pub(crate) engine: WarmEngine,
    story_ids: StoryKeys,
    index_queue: IndexQueue,
    related: RelatedRefresh,
    /// Whether [`Pipeline::recover`] has run.
    recovered: bool,
    /// Whether [`Pipeline::place_stored`] placed articles whose related
    /// stories and index entries [`Pipeline::commit_placed`] has not yet
    /// written.
    uncommitted: bool,
    pub(crate) times: StageTimes,
}

impl Pipeline {
    /// Opens the pipeline. The story engine is warmed from the store when
    /// the first new article needs it.
    pub async fn open(store: Arc<dyn Store>, index: Arc<SearchIndex>) -> crate::Result<Self> {
        // Entities are derived state: an older store gets them here.
        crate::entities::catch_up(store.as_ref()).await?;
        Ok(Pipeline {
            store,
            index,
            engine: WarmEngine::new(),
            story_ids: StoryKeys::default(),
            index_queue: IndexQueue::default(),
            related: RelatedRefresh::default(),
            recovered: false,
            uncommitted: false,
            times: StageTimes::default(),
        })
    }

    /// Keeps the story engine in `path` between runs (see [`Pipeline`]).
    /// A missing or unreadable file only means a full replay.
    pub fn with_snapshot(mut self, path: impl Into<PathBuf>) -> Self {
        self.engine.set_snapshot(path.into());
        self
    }

    /// Whether the story engine still holds everything in the store. It
    /// stops being so when another process stores articles; a long-lived
    /// caller (the scheduler in `serve`) then opens a new pipeline, which
    /// warms from the snapshot and the store.
    pub async fn is_current(&self) -> crate::Result<bool> {
        match self.engine.holds_up_to() {
            None => Ok(true),
            Some(seen) => Ok(self.store.count_articles_after(seen).await? == 0),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Where this pipeline has spent its time so far, per stage.
    pub fn timings(&self) -> StageTimes {
        self.times
    }

    /// Runs one page through extraction, stories, storage and the index.
    ///
    /// Only storage failures are errors; a page that cannot be read or
    /// extracted is an [`Outcome::Failed`] with its reason, recorded in the
    /// fetch log.
    pub async fn ingest_page(&mut self, page: &Page, source: Option<SourceId>) -> crate::Result<Outcome> {
        self.ingest_extracted(ExtractedPage::new(page), source).await
    }

    /// [`Pipeline::ingest_page`] for a page extracted beforehand, perhaps
    /// on another thread. Its extraction time counts in the timings'
    /// extract stage wherever it ran.
    pub async fn ingest_extracted(&mut self, page: ExtractedPage, source: Option<SourceId>) -> crate::Result<Outcome> {
        self.times.extract += page.took();
        self.recover().await?;
        match storing::store_extracted(self.store.as_ref(), page, source, &mut self.times).await? {
            Stored::Done(outcome) => Ok(outcome),
            Stored::New(id) => self.place_new(id).await,
        }
    }

    /// Stores an article that was extracted elsewhere (a feed entry's own
    /// content, say). `identity_hash` names pages that carry no URL at all.
    pub async fn ingest_article(
        &mut self,
        article: Article,
        identity_hash: &str,
        source: Option<SourceId>,
        fetch: Option<store::FetchId>,
    ) -> crate::Result<Outcome> {
        self.recover().await?;
        let stored = storing::store_article(
            self.store.as_ref(),
            article,
            identity_hash,
            source,
            fetch,
            &mut self.times,
        );
        match stored.await? {
            Stored::Done(outcome) => Ok(outcome),
            Stored::New(id) => self.place_new(id).await,
        }
    }

    /// Places an article just stored and queues it for the index.
    pub(crate) async fn place_new(&mut self, id: ArticleId) -> crate::Result<Outcome> {
        let start = Instant::now();
        let Some(stored) = self.store.article(id).await? else {
            return Ok(Outcome::Failed(format!("article {id} vanished after insert")));
        };
        lap(&mut self.times.store, start);
        self.times.articles += 1;
        let story = self.place(&stored).await?;
        self.queue_placed(&stored, story);
        self.flush_index_if_full().await?;
        Ok(Outcome::Imported(id))
    }

    /// Queues a newly placed article for the index.
    pub(crate) fn queue_placed(&mut self, stored: &StoredArticle, story: StoryId) {
        crash::point(Point::AfterPlacement);
        self.index_queue.push_new(indexed_of(stored, Some(story)));
    }

    /// How many more placed articles fill the index queue; at least one.
    pub(crate) fn index_room(&self) -> usize {
        self.index_queue.room()
    }

    /// Flushes the index queue once it holds a whole batch.
    pub(crate) async fn flush_index_if_full(&mut self) -> crate::Result<()> {
        if self.index_queue.is_full() {
            self.flush_index().await?;
        }
        Ok(())
    }

    /// Notes the story a verdict put an article in: its key's id, and that
    /// its related stories need a refresh.
    pub(crate) fn note_story(&mut self, key: String, story: StoryId) {
        self.story_ids.insert(key.clone(), story);
        self.related.touch(key);
    }

    /// Places, in id order, every article that is in no story yet: those
    /// that workers stored ([`crate::store_page`]) since the last call, and
    /// any a crashed run left. This is the leader's work when workers share
    /// the store; it returns how many it placed. Their index entries are
    /// committed before it returns.
    pub async fn place_pending(&mut self) -> crate::Result<u64> {
        let placed = self.place_stored().await?;
        self.commit_placed().await?;
        Ok(placed)
    }

    /// [`Pipeline::place_pending`], with the index commit left for later:
    /// entries are committed only when a whole index batch is waiting, as
    /// in an import, or by [`Pipeline::commit_placed`]. A leader that
    /// places a few articles at a time calls this, and commits when it has
    /// caught up or a while has passed, so that it does not write a segment
    /// (and refresh related stories) for every handful of articles. A crash
    /// loses nothing: what the index's mark does not cover is indexed by
    /// the next run.
    pub async fn place_stored(&mut self) -> crate::Result<u64> {
        let recovered = self.recover().await?.placed;
        let mark = self.index.mark()?;
        let placed = recovered + self.place_unplaced(mark, true).await?;
        self.uncommitted |= placed > 0;
        Ok(placed)
    }

    /// Refreshes related stories and commits the index entries that
    /// [`Pipeline::place_stored`] left waiting, if any; the commit has
    /// landed when this returns.
    pub async fn commit_placed(&mut self) -> crate::Result<()> {
        if self.uncommitted || self.index_queue.has_pending() {
            self.flush_index().await?;
        }
        self.index_queue.land().await
    }

    /// Places the articles in no story, lowest id first, and queues them
    /// for the index again when the index's `mark` says an earlier commit
    /// may have filed them without a story; those beyond the mark are
    /// queued as new with `beyond_mark`, and left to the caller's catch-up
    /// without.
    async fn place_unplaced(&mut self, mark: Option<i64>, beyond_mark: bool) -> crate::Result<u64> {
        let mut placed = 0;
        loop {
            let unplaced = self.store.unplaced_articles(1000).await?;
            if unplaced.is_empty() {
                return Ok(placed);
            }
            for id in unplaced {
                let Some(stored) = self.store.article(id).await? else {
                    continue;
                };
                let story = self.place(&stored).await?;
                let entry = indexed_of(&stored, Some(story));
                if mark.is_some_and(|mark| id.0 <= mark) {
                    self.index_queue.push_again(entry);
                } else if beyond_mark {
                    self.index_queue.push_new(entry);
                }
                placed += 1;
            }
            if self.index_queue.is_full() {
                // Related stories first: see `flush_index`.
                self.flush_index().await?;
            }
        }
    }

    /// Puts a stored article into its story, and applies the revisions the
    /// engine made to earlier verdicts.
    async fn place(&mut self, stored: &StoredArticle) -> crate::Result<StoryId> {
        let (assignment, revisions) = self.judge(stored).await?;
        self.settle(stored, assignment, revisions).await
    }

    /// The story engine's verdict on a stored article, and the revisions it
    /// made to earlier verdicts on the way; nothing is written yet.
    pub(crate) async fn judge(&mut self, stored: &StoredArticle) -> crate::Result<(Assignment, Vec<Assignment>)> {
        let start = Instant::now();
        self.engine.warm(self.store.as_ref(), &mut self.story_ids).await?;
        let start = lap(&mut self.times.warm, start);
        let assignment = self.engine.add(stored);
        let revisions = self.engine.revised();
        lap(&mut self.times.engine, start);
        Ok((assignment, revisions))
    }

    /// Writes a verdict of [`Pipeline::judge`] and its revisions to the
    /// store. The store queues every article that moves to another story
    /// for the index, in the same transaction.
    pub(crate) async fn settle(
        &mut self,
        stored: &StoredArticle,
        assignment: Assignment,
        revisions: Vec<Assignment>,
    ) -> crate::Result<StoryId> {
        let start = Instant::now();
        // The article's own placement, then the earlier verdicts it revised:
        // copies stored before their original arrived now name it, and
        // articles of a story split in review move to the new story. All in
        // one transaction, so a crash never keeps the one without the others
        // (the engine, warmed from the store, would not decide them again),
        // and each story's rank is worked out once.
        let mut placements = Vec::with_capacity(1 + revisions.len());
        let mut keys = Vec::with_capacity(1 + revisions.len());
        placements.push((stored.id, placement_of(&assignment)));
        keys.push(assignment.story_key);
        for revised in revisions {
            let Ok(earlier) = revised.id.parse().map(ArticleId) else {
                tracing::warn!(id = %revised.id, "revised verdict for an id that is not an article");
                continue;
            };
            placements.push((earlier, placement_of(&revised)));
            keys.push(revised.story_key);
        }
        let placed = self.store.assign_stories(&placements).await?;
        let mut story = None;
        for (key, placed) in keys.into_iter().zip(placed) {
            story.get_or_insert(placed.story);
            self.note_story(key, placed.story);
            // The story it left has its related stories refreshed too,
            // unless it was merged away and the store dropped it.
            if let Some(left) = placed.left {
                if left.removed {
                    self.story_ids.remove(&left.key);
                    self.related.forget(&left.key);
                } else {
                    self.related.touch(left.key);
                }
            }
        }
        let story = story.ok_or_else(|| {
            crate::Error::from(store::Error::NotFound(format!(
                "the placement of article {}",
                stored.id
            )))
        })?;
        lap(&mut self.times.placement, start);
        Ok(story)
    }

    /// Brings the derived state up to the store before new work, once per
    /// pipeline (the first ingest or flush calls it): refreshes the related
    /// stories a crashed run left stale, places the articles it stored in no
    /// story, indexes every article beyond the index's mark and re-files the
    /// moved articles the store queued.
    /// Cheap when there is nothing to do: a few counting queries.
    pub async fn recover(&mut self) -> crate::Result<Recovery> {
        if self.recovered {
            return Ok(Recovery::default());
        }
        let mut recovery = Recovery::default();
        // Articles beyond the mark are indexed by the catch-up below.
        let mark = self.index.mark()?;
        self.related
            .recover(
                self.store.as_ref(),
                &mut self.engine,
                &mut self.story_ids,
                mark,
                self.index.log_seq()?,
            )
            .await?;
        recovery.placed = self.place_unplaced(mark, false).await?;
        if recovery.placed > 0 {
            tracing::warn!(
                articles = recovery.placed,
                "placed articles that an interrupted run left in no story"
            );
        }
        recovery.refiled += self.index_queue.commit(self.store.as_ref(), &self.index).await?;
        self.index_queue.land().await?;
        recovery.indexed = catch_up(self.store.as_ref(), &self.index).await?;
        // More documents than articles: the index holds one twice (as after
        // a kill, found by bench/crash_kills.py) or one the store lost.
        let articles = self.store.count_articles_after(None).await?;
        if self.index.len()? > articles {
            tracing::warn!(
                documents = self.index.len()?,
                articles,
                "the search index holds more documents than the store; rebuilding it"
            );
            Pipeline::reindex(self.store.as_ref(), &self.index, |_| {}).await?;
        }
        self.recovered = true;
        Ok(recovery)
    }

    /// Commits pending index entries, refreshes related stories and saves
    /// the story engine's snapshot. Call it at the end of every run; it is
    /// cheap when there is nothing to do.
    pub async fn flush(&mut self) -> crate::Result<()> {
        self.recover().await?;
        self.flush_index().await?;
        self.index_queue.land().await?;
        crash::point(Point::BeforeSnapshotSave);
        let start = Instant::now();
        self.engine.heal(self.store.as_ref(), &mut self.story_ids).await?;
        self.engine.save();
        lap(&mut self.times.snapshot, start);
        crash::point(Point::AfterSnapshotSave);
        Ok(())
    }

    /// [`Pipeline::flush`] less the snapshot, which costs too much to
    /// write at every index batch. The related stories are refreshed before
    /// the index commit: until that commit moves the mark past the articles
    /// that touched them, a crash leaves the next run to refresh them again
    /// (see [`Pipeline::recover`]).
    pub(crate) async fn flush_index(&mut self) -> crate::Result<()> {
        self.uncommitted = false;
        let start = Instant::now();
        self.related
            .refresh(self.store.as_ref(), &mut self.engine, &mut self.story_ids)
            .await?;
        let start = lap(&mut self.times.related, start);
        self.index_queue.commit(self.store.as_ref(), &self.index).await?;
        lap(&mut self.times.index, start);
        Ok(())
    }

    /// Rebuilds the search index from the store. Returns how many articles
    /// were indexed.
    ///
    /// The rebuilt index holds every placed article (see [`crate::follow`])
    /// and carries the mark of the last, and the change log's head as its
    /// applied seq: it filed every article under its current story.
    pub async fn reindex(store: &dyn Store, index: &SearchIndex, progress: impl FnMut(u64)) -> crate::Result<u64> {
        crate::follow::rebuild(store, index, progress).await
    }
}

#[cfg(test)]
pub(crate) mod tests;
