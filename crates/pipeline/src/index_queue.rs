//! Index entries waiting for the next index commit, and the catch-up that lets the index heal from the store.
//!
//! The store is the truth; the index is derived from it and knows how far
//! it got. Two things say so, and both survive a crash:
//! - the index's mark ([`SearchIndex::mark`]), written by the same commit
//!   as the articles: every article up to it is indexed, so the placed
//!   articles beyond it are indexed by [`catch_up`] before a run does new
//!   work;
//! - the index's applied seq ([`SearchIndex::log_seq`]) in the store's
//!   change log ([`Store::change_log_after`]), whose entries are written in
//!   the same transaction as a story move: each commit files the moved
//!   articles beyond the seq under their current story and moves the seq
//!   on. Nothing is taken from the log (other indexes follow it too, see
//!   [`crate::follow`]); the leader prunes entries older than
//!   [`store::CHANGE_LOG_RETENTION_DAYS`] after its commits.

use std::sync::{Arc, OnceLock};

use index::{IndexedArticle, SearchIndex};
use store::{ArticleId, Store};

use crate::convert::indexed_of;
use crate::crash::{self, Point};
use crate::follow::{log_after, placed_after, rebuild};

/// How many articles go into one index commit. Commits are the slow part of
/// indexing, so they are batched; a crash loses none of them, since the next
/// run indexes what lies beyond the mark of the last commit.
///
/// Each commit makes a segment, and tantivy's merge policy counts every
/// segment under 10,000 articles as 10,000: they share one level with
/// segments up to 1.68 times that size, merged eight at a time. With
/// commits of 500, the first articles of such a level are rewritten at
/// 4,000, 7,500, 11,000, 14,500 and 18,000 articles, five times, before
/// their segment outgrows it; with commits of 1,000, at 8,000, 15,000 and
/// 22,000, three times, and half as many segments are written. (On 20,000
/// pages this cut an import's time by a seventh; 2,000, two rewrites, saved
/// little more and held 60 to 80 MB more in memory.)
const INDEX_BATCH: usize = 1000;

/// How many articles one catch-up commit (or one read of the reindex
/// queue) takes.
const CATCH_UP_BATCH: u32 = 1000;

/// The batch size: [`INDEX_BATCH`], unless the test-only variable
/// `RAVENWIRE_INDEX_BATCH` names another (the crash tests make it small so
/// that a few pages make several commits). Not for production use.
fn index_batch() -> usize {
    static SIZE: OnceLock<usize> = OnceLock::new();
    *SIZE.get_or_init(|| {
        std::env::var("RAVENWIRE_INDEX_BATCH")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(INDEX_BATCH)
    })
}

/// The articles added since the last index commit.
#[derive(Debug, Default)]
pub(crate) struct IndexQueue {
    pending: Vec<IndexedArticle>,
    /// The highest id of a newly stored article in `pending`: the next
    /// commit's mark.
    mark: Option<i64>,
    /// The last commit, still being written on a thread of its own while
    /// the pipeline goes on (see [`IndexQueue::commit`]).
    in_flight: Option<tokio::task::JoinHandle<crate::Result<()>>>,
}

impl IndexQueue {
    /// Queues a newly stored article. Articles must come in id order, after
    /// a [`catch_up`], for the mark to hold.
    pub(crate) fn push_new(&mut self, entry: IndexedArticle) {
        self.mark = self.mark.max(Some(entry.id));
        self.pending.push(entry);
    }

    /// Queues an article the mark already covers (placed late, say).
    pub(crate) fn push_again(&mut self, entry: IndexedArticle) {
        self.pending.push(entry);
    }

    /// Whether any entry is waiting for a commit.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Whether a whole batch is waiting.
    pub(crate) fn is_full(&self) -> bool {
        self.pending.len() >= index_batch()
    }

    /// How many more entries make a whole batch; at least one.
    pub(crate) fn room(&self) -> usize {
        index_batch().saturating_sub(self.pending.len()).max(1)
    }

    /// Waits for the commit in flight, if any, and passes on its error.
    pub(crate) async fn land(&mut self) -> crate::Result<()> {
        if let Some(commit) = self.in_flight.take() {
            commit
                .await
                .map_err(|err| crate::Error::Task(format!("the search index commit failed: {err}")))??;
        }
        Ok(())
    }

    /// Writes the waiting entries and the articles of the change log beyond
    /// the index's applied seq to `index` in one commit, with the new mark
    /// and seq, after pruning the log's old entries. An index that the log
    /// was pruned past is first rebuilt from the store. Returns how many
    /// moved articles were filed again.
    ///
    /// The last commit of a call is left in flight: it is written (words,
    /// word pairs, merges) on a blocking thread while the pipeline judges
    /// the next articles, and [`IndexQueue::land`] waits for it. The next
    /// call lands it first, so there is one writer and commits stay in
    /// order. A crash before it lands leaves the mark where the last landed
    /// commit put it, and the next run indexes the rest, as before.
    pub(crate) async fn commit(&mut self, store: &dyn Store, index: &Arc<SearchIndex>) -> crate::Result<u64> {
        self.land().await?;
        let before = chrono::Utc::now() - chrono::Duration::days(store::CHANGE_LOG_RETENTION_DAYS);
        let pruned = store.prune_change_log(before).await?;
        if pruned > 0 {
            tracing::debug!(entries = pruned, "pruned the change log");
        }
        let mut refiled = 0;
        loop {
            let applied = index.log_seq()?.unwrap_or(0);
            let Some(moves) = log_after(store, applied, CATCH_UP_BATCH).await? else {
                tracing::warn!(
                    applied,
                    "the change log was pruned past this search index's last applied entry; rebuilding it"
                );
                // The waiting entries are in the store, and go in again
                // with their mark at the next turn.
                rebuild(store, index, |_| {}).await?;
                continue;
            };
            let mut moved = Vec::with_capacity(moves.len());
            for entry in &moves {
                // An article that is gone has nothing to re-file.
                if let Some(stored) = store.article(entry.article).await? {
                    moved.push(indexed_of(&stored, stored.story));
                }
            }
            if self.pending.is_empty() && moves.is_empty() {
                return Ok(refiled);
            }
            let entries: Vec<IndexedArticle> = self.pending.drain(..).chain(moved).collect();
            let mark = self.mark.take();
            let seq = moves.last().map(|last| last.seq);
            let writing = Arc::clone(index);
            let write = move || -> crate::Result<()> {
                let mut batch = writing.batch()?;
                for entry in &entries {
                    batch.upsert(entry)?;
                }
                if let Some(mark) = mark {
                    batch.set_mark(mark);
                }
                if let Some(seq) = seq {
                    batch.set_log_seq(seq);
                }
                crash::point(Point::BeforeIndexCommit);
                batch.commit()?;
                crash::point(Point::AfterIndexCommit);
                Ok(())
            };
            refiled += moves.len() as u64;
            if moves.len() < CATCH_UP_BATCH as usize {
                self.in_flight = Some(tokio::task::spawn_blocking(write));
                return Ok(refiled);
            }
            // More of the log waits: this commit must land before the
            // next reads the applied seq.
            tokio::task::spawn_blocking(write)
                .await
                .map_err(|err| crate::Error::Task(format!("the search index commit failed: {err}")))??;
        }
    }
}

/// Indexes every placed article beyond the index's mark (up to the first
/// one in no story: see [`crate::follow`]), with its current story, a
/// commit per [`CATCH_UP_BATCH`] articles each advancing the mark. Returns
/// how many articles it indexed.
pub(crate) async fn catch_up(store: &dyn Store, index: &SearchIndex) -> crate::Result<u64> {
    let mut after = index.mark()?.map(ArticleId);
    let mut count = 0;
    loop {
        let (page, cut) = placed_after(store, after, CATCH_UP_BATCH).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let mut batch = index.batch()?;
        for stored in &page {
            batch.upsert(&indexed_of(stored, stored.story))?;
        }
        batch.set_mark(last.id.0);
        batch.commit()?;
        count += page.len() as u64;
        if cut {
            break;
        }
    }
    if count > 0 {
        tracing::info!(articles = count, "indexed the articles the search index lacked");
    }
    Ok(count)
}
