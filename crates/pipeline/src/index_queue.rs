//! Index entries waiting for the next index commit.

use index::{IndexedArticle, SearchIndex};

/// How many articles go into one index commit. Commits are the slow part of
/// indexing, so they are batched; a crash loses at most this many index
/// entries, which `reindex` restores from the store.
const INDEX_BATCH: usize = 500;

/// The articles added or moved since the last index commit.
#[derive(Debug, Default)]
pub(crate) struct IndexQueue {
    pending: Vec<IndexedArticle>,
}

impl IndexQueue {
    pub(crate) fn push(&mut self, entry: IndexedArticle) {
        self.pending.push(entry);
    }

    /// Whether a whole batch is waiting.
    pub(crate) fn is_full(&self) -> bool {
        self.pending.len() >= INDEX_BATCH
    }

    /// Writes the waiting entries to `index` in one commit, if there are any.
    pub(crate) fn commit(&mut self, index: &SearchIndex) -> crate::Result<()> {
        if !self.pending.is_empty() {
            let mut batch = index.batch()?;
            for entry in self.pending.drain(..) {
                batch.upsert(&entry)?;
            }
            batch.commit()?;
        }
        Ok(())
    }
}
