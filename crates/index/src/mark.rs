//! The index's high-water mark: the highest article id up to which every stored article is indexed, and the last change-log entry applied, both kept in the commit itself.
//!
//! The mark travels as tantivy's commit payload, so it is written by the
//! very commit that makes the articles searchable: a crash leaves the old
//! commit with the old mark, or the new commit with the new one. A commit
//! that does not set a mark keeps the one before it; a batch that cleared
//! the index and set none leaves no mark.
//!
//! The applied sequence number rides in the same payload, by the same
//! rules: the highest entry of the store's change log (story moves) whose
//! article this index has filed again under its current story. Each index
//! keeps its own, so any number of indexes follow one log.

use tantivy::{IndexWriter, TantivyDocument};

use crate::{IndexBatch, Result, SearchIndex};

/// The payload's prefix, so that a payload written by something else is
/// not taken for a mark.
const PREFIX: &str = "ravenwire-indexed-up-to:";

/// What follows the mark when the payload also names the applied entry.
const LOG_KEY: &str = ";log-applied:";

/// What a batch's commit does to the mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct MarkUpdate {
    /// The batch removed everything: the last commit's mark no longer holds.
    pub(crate) cleared: bool,
    /// The mark the batch set, if any.
    pub(crate) set: Option<i64>,
    /// The applied change-log entry the batch set, if any.
    pub(crate) log_seq: Option<i64>,
}

impl SearchIndex {
    /// The mark of the last commit: every article with an id up to it is
    /// indexed. `None` for a new index, one rebuilt without a mark, or one
    /// written before marks were kept; such an index may lack any article.
    pub fn mark(&self) -> Result<Option<i64>> {
        Ok(parse(self.index.load_metas()?.payload.as_deref()).mark)
    }

    /// The last commit's applied change-log entry: every entry of the
    /// store's change log up to it has been applied (its article filed
    /// under the story it has now). `None` for an index that never applied
    /// one.
    pub fn log_seq(&self) -> Result<Option<i64>> {
        Ok(parse(self.index.load_metas()?.payload.as_deref()).log_seq)
    }
}

impl IndexBatch<'_> {
    /// Records that, once this batch commits, every article with an id up
    /// to `id` is indexed. A lower mark than the last commit's is ignored
    /// unless the batch cleared the index.
    pub fn set_mark(&mut self, id: i64) {
        self.mark.set = Some(self.mark.set.map_or(id, |old| old.max(id)));
    }

    /// Records that, once this batch commits, every change-log entry up to
    /// `seq` is applied. A lower one than the last commit's is ignored
    /// unless the batch cleared the index.
    pub fn set_log_seq(&mut self, seq: i64) {
        self.mark.log_seq = Some(self.mark.log_seq.map_or(seq, |old| old.max(seq)));
    }
}

/// Commits `writer` with the payload that `update` leaves.
pub(crate) fn commit(index: &SearchIndex, writer: &mut IndexWriter<TantivyDocument>, update: MarkUpdate) -> Result<()> {
    let previous = if update.cleared {
        Payload::default()
    } else {
        parse(index.index.load_metas()?.payload.as_deref())
    };
    let higher = |old: Option<i64>, new: Option<i64>| match (old, new) {
        (Some(p), Some(id)) => Some(p.max(id)),
        (p, id) => p.or(id),
    };
    let next = Payload {
        mark: higher(previous.mark, update.set),
        log_seq: higher(previous.log_seq, update.log_seq),
    };
    let mut prepared = writer.prepare_commit()?;
    if let Some(payload) = next.written() {
        prepared.set_payload(&payload);
    }
    prepared.commit()?;
    Ok(())
}

/// What a commit's payload says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Payload {
    mark: Option<i64>,
    log_seq: Option<i64>,
}

impl Payload {
    /// The payload's text, or `None` when it says nothing.
    fn written(&self) -> Option<String> {
        let mark = self.mark.map(|m| m.to_string()).unwrap_or_default();
        match (self.mark, self.log_seq) {
            (None, None) => None,
            (_, None) => Some(format!("{PREFIX}{mark}")),
            (_, Some(seq)) => Some(format!("{PREFIX}{mark}{LOG_KEY}{seq}")),
        }
    }
}

/// Reads a payload; one written by something else, or by a release before
/// the change log (a mark alone), reads as far as it goes.
fn parse(payload: Option<&str>) -> Payload {
    let Some(rest) = payload.and_then(|p| p.strip_prefix(PREFIX)) else {
        return Payload::default();
    };
    let (mark, log_seq) = match rest.split_once(LOG_KEY) {
        Some((mark, seq)) => (mark, seq.parse().ok()),
        None => (rest, None),
    };
    Payload {
        mark: mark.parse().ok(),
        log_seq,
    }
}

#[cfg(test)]
mod tests {
    use crate::{IndexedArticle, SearchIndex};

    fn article(id: i64) -> IndexedArticle {
        IndexedArticle {
            id,
            title: format!("Article {id}"),
            text: "Harbour news.".to_string(),
            url: format!("https://news.example/{id}"),
            source: "Coast Daily".to_string(),
            language: None,
            published: None,
            story: None,
        }
    }

    fn commit(index: &SearchIndex, ids: &[i64], mark: Option<i64>) {
        let mut batch = index.batch().unwrap();
        for &id in ids {
            batch.upsert(&article(id)).unwrap();
        }
        if let Some(mark) = mark {
            batch.set_mark(mark);
        }
        batch.commit().unwrap();
    }

    #[test]
    fn the_mark_is_kept_with_the_commit_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(index.mark().unwrap(), None, "a new index has seen nothing");
        commit(&index, &[1, 2, 3], Some(3));
        assert_eq!(index.mark().unwrap(), Some(3));
        // A commit without a mark (a moved article re-filed) keeps it, and
        // a lower one never takes it back.
        commit(&index, &[2], None);
        assert_eq!(index.mark().unwrap(), Some(3));
        commit(&index, &[1], Some(1));
        assert_eq!(index.mark().unwrap(), Some(3));
        drop(index);
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(index.mark().unwrap(), Some(3));
        assert_eq!(index.len().unwrap(), 3);
    }

    #[test]
    fn a_batch_dropped_without_commit_leaves_the_old_mark() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        commit(&index, &[1], Some(1));
        let mut batch = index.batch().unwrap();
        batch.upsert(&article(2)).unwrap();
        batch.set_mark(2);
        drop(batch);
        assert_eq!(index.mark().unwrap(), Some(1));
    }

    #[test]
    fn clearing_the_index_drops_the_mark_unless_the_rebuild_sets_one() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        commit(&index, &[1, 2, 9], Some(9));
        let mut batch = index.batch().unwrap();
        batch.clear().unwrap();
        batch.commit().unwrap();
        assert_eq!(index.mark().unwrap(), None);

        let mut batch = index.batch().unwrap();
        batch.clear().unwrap();
        batch.upsert(&article(1)).unwrap();
        batch.set_mark(4);
        batch.commit().unwrap();
        assert_eq!(index.mark().unwrap(), Some(4), "not the 9 of before the rebuild");
    }

    #[test]
    fn a_foreign_payload_is_no_mark() {
        let mark = |p: &str| super::parse(Some(p)).mark;
        assert_eq!(mark("something else"), None);
        assert_eq!(mark("ravenwire-indexed-up-to:x"), None);
        assert_eq!(mark("ravenwire-indexed-up-to:42"), Some(42));
        assert_eq!(super::parse(Some("ravenwire-indexed-up-to:42")).log_seq, None);
        let both = super::parse(Some("ravenwire-indexed-up-to:42;log-applied:7"));
        assert_eq!((both.mark, both.log_seq), (Some(42), Some(7)));
        let seq_only = super::parse(Some("ravenwire-indexed-up-to:;log-applied:7"));
        assert_eq!((seq_only.mark, seq_only.log_seq), (None, Some(7)));
    }

    #[test]
    fn the_applied_log_entry_is_kept_beside_the_mark_and_never_goes_back() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(index.log_seq().unwrap(), None);
        // A batch that applies entries but indexes no new article.
        let mut batch = index.batch().unwrap();
        batch.upsert(&article(1)).unwrap();
        batch.set_log_seq(5);
        batch.commit().unwrap();
        assert_eq!((index.mark().unwrap(), index.log_seq().unwrap()), (None, Some(5)));
        commit(&index, &[2], Some(2));
        assert_eq!((index.mark().unwrap(), index.log_seq().unwrap()), (Some(2), Some(5)));
        let mut batch = index.batch().unwrap();
        batch.set_log_seq(3);
        batch.commit().unwrap();
        assert_eq!(index.log_seq().unwrap(), Some(5), "a lower one is ignored");
        drop(index);
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!((index.mark().unwrap(), index.log_seq().unwrap()), (Some(2), Some(5)));
        // A rebuild starts again from what it sets.
        let mut batch = index.batch().unwrap();
        batch.clear().unwrap();
        batch.set_log_seq(2);
        batch.commit().unwrap();
        assert_eq!((index.mark().unwrap(), index.log_seq().unwrap()), (None, Some(2)));
    }
}
