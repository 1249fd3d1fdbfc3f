//! Which segments tantivy merges, and how large a merge may grow.
//!
//! tantivy's default policy merges segments of like size, level by level,
//! until one segment holds everything below ten million documents. At a
//! million articles its last merge read the whole four-gigabyte index
//! through memory maps, and every page it touched counted in the importer's
//! resident memory (6.3 GiB at its peak). Here a merge never produces more
//! than [`MAX_MERGED_DOCS`] documents: segments stop growing at about that
//! size, a large index is a few dozen of them, and a merge maps at most that
//! much. A segment that is full and has lost a good share of its documents
//! to deletes (articles re-filed under another story) is merged alone, so
//! deleted documents do not pile up in segments that no longer merge.

use tantivy::merge_policy::{LogMergePolicy, MergeCandidate, MergePolicy};
use tantivy::SegmentMeta;

/// Most documents one merge produces. A merge maps its inputs whole, and
/// every page it reads counts in the process's resident memory until the
/// merged segment replaces them. At a million articles the index takes
/// about 5.6 KB per article (text, title, positions and word pairs), so a
/// merge of 100,000 mapped some 560 MB on top of the story engine's gigabyte,
/// and the import peaked at 2,269 MiB. A bound of 50,000 maps half that.
pub(crate) const MAX_MERGED_DOCS: u32 = 50_000;
/// Share of deleted documents from which a segment is rewritten on its own.
const PURGE_DELETED_SHARE: f32 = 0.3;

#[derive(Debug)]
pub(crate) struct BoundedMerges {
    levels: LogMergePolicy,
    max_merged_docs: u32,
}

impl BoundedMerges {
    pub(crate) fn new(max_merged_docs: u32) -> Self {
        let mut levels = LogMergePolicy::default();
        // A segment past half the bound can only merge with far smaller ones.
        levels.set_max_docs_before_merge((max_merged_docs / 2).max(1) as usize);
        Self {
            levels,
            max_merged_docs: max_merged_docs.max(1),
        }
    }
}

impl MergePolicy for BoundedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let docs = |id| {
            segments
                .iter()
                .find(|s| s.id() == id)
                .map_or(0, |s: &SegmentMeta| s.num_docs())
        };
        let mut chosen = Vec::new();
        // The log policy's levels, cut into merges of at most the bound,
        // largest segments first (the order the policy lists them in).
        for MergeCandidate(level) in self.levels.compute_merge_candidates(segments) {
            let mut group = Vec::new();
            let mut total = 0u32;
            for id in level {
                let n = docs(id);
                if !group.is_empty() && total.saturating_add(n) > self.max_merged_docs {
                    if group.len() > 1 {
                        chosen.push(MergeCandidate(std::mem::take(&mut group)));
                    }
                    group.clear();
                    total = 0;
                }
                group.push(id);
                total = total.saturating_add(n);
            }
            if group.len() > 1 {
                chosen.push(MergeCandidate(group));
            }
        }
        for s in segments {
            let deleted = s.num_deleted_docs() as f32 / s.max_doc().max(1) as f32;
            let listed = chosen.iter().any(|c| c.0.contains(&s.id()));
            if !listed && s.num_deleted_docs() > 0 && deleted >= PURGE_DELETED_SHARE {
                chosen.push(MergeCandidate(vec![s.id()]));
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{Schema, INDEXED};
    use tantivy::{doc, Index, IndexWriter, Term};

    use super::*;

    fn segment_sizes(index: &Index) -> Vec<u32> {
        let mut sizes: Vec<u32> = index
            .searchable_segment_metas()
            .expect("metas")
            .iter()
            .map(|m| m.num_docs())
            .collect();
        sizes.sort_unstable();
        sizes
    }

    #[test]
    fn no_merge_grows_a_segment_past_the_bound() {
        let mut schema = Schema::builder();
        let n = schema.add_u64_field("n", INDEXED);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
        writer.set_merge_policy(Box::new(BoundedMerges::new(300)));
        // 200 commits of 10 documents: the default policy would end with
        // one segment of 2,000.
        for batch in 0..200u64 {
            for k in 0..10u64 {
                writer.add_document(doc!(n => batch * 10 + k)).expect("add");
            }
            writer.commit().expect("commit");
        }
        writer.wait_merging_threads().expect("merges");
        let sizes = segment_sizes(&index);
        assert_eq!(sizes.iter().sum::<u32>(), 2_000);
        assert!(sizes.iter().all(|&s| s <= 300), "{sizes:?}");
        // Merges did happen: far fewer segments than commits.
        assert!(sizes.len() < 40, "{sizes:?}");
    }

    #[test]
    fn a_full_segment_that_lost_a_third_of_its_documents_is_rewritten() {
        let mut schema = Schema::builder();
        let n = schema.add_u64_field("n", INDEXED);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
        writer.set_merge_policy(Box::new(BoundedMerges::new(100)));
        for k in 0..100u64 {
            writer.add_document(doc!(n => k)).expect("add");
        }
        writer.commit().expect("commit");
        for k in 0..40u64 {
            writer.delete_term(Term::from_field_u64(n, k));
        }
        writer.commit().expect("commit");
        writer.wait_merging_threads().expect("merges");
        let metas = index.searchable_segment_metas().expect("metas");
        assert_eq!(metas.len(), 1);
        assert_eq!(metas[0].num_docs(), 60);
        assert_eq!(metas[0].num_deleted_docs(), 0, "the deleted documents were purged");
    }
}
