//! The index's high-water mark: the highest article id up to which every stored article is indexed, kept in the commit itself.
//!
//! The mark travels as tantivy's commit payload, so it is written by the
//! very commit that makes the articles searchable: a crash leaves the old
//! commit with the old mark, or the new commit with the new one. A commit
//! that does not set a mark keeps the one before it; a batch that cleared
//! the index and set none leaves no mark.

use tantivy::{IndexWriter, TantivyDocument};

use crate::{IndexBatch, Result, SearchIndex};

/// The payload's prefix, so that a payload written by something else is
/// not taken for a mark.
const PREFIX: &str = "ravenwire-indexed-up-to:";

/// What a batch's commit does to the mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct MarkUpdate {
    /// The batch removed everything: the last commit's mark no longer holds.
    pub(crate) cleared: bool,
    /// The mark the batch set, if any.
    pub(crate) set: Option<i64>,
}

impl SearchIndex {
    /// The mark of the last commit: every article with an id up to it is
    /// indexed. `None` for a new index, one rebuilt without a mark, or one
    /// written before marks were kept; such an index may lack any article.
    pub fn mark(&self) -> Result<Option<i64>> {
        Ok(parse(self.index.load_metas()?.payload.as_deref()))
    }
}

impl IndexBatch<'_> {
    /// Records that, once this batch commits, every article with an id up
    /// to `id` is indexed. A lower mark than the last commit's is ignored
    /// unless the batch cleared the index.
    pub fn set_mark(&mut self, id: i64) {
        self.mark.set = Some(self.mark.set.map_or(id, |old| old.max(id)));
    }
}

/// Commits `writer` with the payload that `update` leaves.
pub(crate) fn commit(index: &SearchIndex, writer: &mut IndexWriter<TantivyDocument>, update: MarkUpdate) -> Result<()> {
    let previous = if update.cleared { None } else { index.mark()? };
    let mark = match (previous, update.set) {
        (Some(p), Some(id)) => Some(p.max(id)),
        (p, id) => p.or(id),
    };
    let mut prepared = writer.prepare_commit()?;
    if let Some(mark) = mark {
        prepared.set_payload(&format!("{PREFIX}{mark}"));
    }
    prepared.commit()?;
    Ok(())
}

fn parse(payload: Option<&str>) -> Option<i64> {
    payload?.strip_prefix(PREFIX)?.parse().ok()
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
        assert_eq!(super::parse(Some("something else")), None);
        assert_eq!(super::parse(Some("ravenwire-indexed-up-to:x")), None);
        assert_eq!(super::parse(Some("ravenwire-indexed-up-to:42")), Some(42));
    }
}
