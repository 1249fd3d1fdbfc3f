//! `check`: compares the derived state (search index, story placement, engine snapshot) with the store, and repairs it.

use std::fmt;

use store::ArticleId;

use crate::snapshot::Inspected;
use crate::{Pipeline, Recovery};

/// The story engine's snapshot, as [`Pipeline::survey`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotState {
    /// The pipeline keeps no snapshot file.
    NotKept,
    /// No file: the next run replays the store.
    Absent,
    /// The file loads and has seen every article up to this id; what the
    /// engine it holds keeps.
    Usable(i64, stories::EngineStats, stories::MemoryUse),
    /// The file is damaged, foreign or stale, for this reason.
    Unusable(String),
}

/// What the store and the state derived from it hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub articles: u64,
    pub stories: u64,
    /// Documents in the search index.
    pub indexed: u64,
    /// The index's high-water mark (see [`index::SearchIndex::mark`]).
    pub index_mark: Option<i64>,
    /// Stored articles beyond the mark.
    pub beyond_mark: u64,
    /// Stored articles in no story.
    pub unplaced: u64,
    /// Moved articles the index still files under their old story.
    pub reindex_pending: u64,
    pub snapshot: SnapshotState,
}

impl Survey {
    /// Whether the index holds every article under its current story, every
    /// article has a story and the snapshot is absent or usable.
    pub fn is_healthy(&self) -> bool {
        self.beyond_mark == 0
            && self.indexed == self.articles
            && self.unplaced == 0
            && self.reindex_pending == 0
            && !matches!(self.snapshot, SnapshotState::Unusable(_))
    }
}

impl fmt::Display for Survey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "store: {} articles, {} stories", self.articles, self.stories)?;
        let mark = self.index_mark.map_or("none".to_string(), |m| m.to_string());
        writeln!(
            f,
            "index: {} articles, mark {mark}, {} stored articles beyond it, {} moved articles to re-file",
            self.indexed, self.beyond_mark, self.reindex_pending
        )?;
        writeln!(f, "stories: {} articles in no story", self.unplaced)?;
        match &self.snapshot {
            SnapshotState::NotKept => write!(f, "snapshot: not kept"),
            SnapshotState::Absent => write!(f, "snapshot: absent (the next run replays the store)"),
            SnapshotState::Usable(mark, held, memory) => {
                writeln!(
                    f,
                    "snapshot: loads, has seen articles up to {mark}; holds {} documents, {} stories in the window \
                     and {} archived, {} terms, {} postings",
                    held.documents_held, held.stories_live, held.stories_archived, held.terms, held.postings_entries
                )?;
                let mib = |bytes: usize| bytes.div_ceil(1 << 20);
                write!(
                    f,
                    "engine memory: about {} MiB (documents {}, their samples {}, lookups {}, band postings {}, sample postings {}, \
                     story postings {}, stories {}, vocabulary {})",
                    mib(memory.total()),
                    mib(memory.documents),
                    mib(memory.samples),
                    mib(memory.lookups),
                    mib(memory.band_postings),
                    mib(memory.sample_postings),
                    mib(memory.story_postings),
                    mib(memory.stories),
                    mib(memory.vocabulary)
                )
            }
            SnapshotState::Unusable(reason) => write!(f, "snapshot: unusable: {reason}"),
        }
    }
}

/// What [`Pipeline::repair`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repairs {
    /// What the recovery every run starts with did.
    pub recovery: Recovery,
    /// Articles indexed by a full rebuild, when the index still disagreed
    /// with the store after the recovery.
    pub rebuilt: Option<u64>,
    /// The unusable snapshot removed, with the reason.
    pub dropped_snapshot: Option<String>,
}

impl fmt::Display for Repairs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.recovery;
        let mut lines = Vec::new();
        if let Some(reason) = &self.dropped_snapshot {
            lines.push(format!("removed the unusable snapshot ({reason})"));
        }
        if r.placed > 0 {
            lines.push(format!("placed {} articles in their stories", r.placed));
        }
        if r.indexed > 0 {
            lines.push(format!("indexed {} articles beyond the mark", r.indexed));
        }
        if r.refiled > 0 {
            lines.push(format!("re-filed {} moved articles under their stories", r.refiled));
        }
        if let Some(n) = self.rebuilt {
            lines.push(format!("rebuilt the index from the store ({n} articles)"));
        }
        if lines.is_empty() {
            lines.push("nothing to repair".to_string());
        }
        write!(f, "{}", lines.join("\n"))
    }
}

impl Pipeline {
    /// Compares the index, the story placement and the snapshot with the
    /// store, changing nothing.
    pub async fn survey(&self) -> crate::Result<Survey> {
        let stats = self.store.stats().await?;
        let indexed = self.index.len()?;
        let index_mark = self.index.mark()?;
        let beyond_mark = self.store.count_articles_after(index_mark.map(ArticleId)).await?;
        let unplaced = self.store.unplaced_articles(u32::MAX).await?.len() as u64;
        // Moves in the change log this index has not applied yet.
        let reindex_pending = self
            .store
            .change_log_count_after(self.index.log_seq()?.unwrap_or(0))
            .await?;
        let snapshot = match self.engine.snapshot() {
            None => SnapshotState::NotKept,
            Some(file) => match file.inspect(self.store.as_ref()).await? {
                Inspected::Absent => SnapshotState::Absent,
                Inspected::Unusable(reason) => SnapshotState::Unusable(reason),
                Inspected::Usable(engine, mark) => SnapshotState::Usable(mark.0, engine.stats(), engine.memory()),
            },
        };
        Ok(Survey {
            articles: stats.articles,
            stories: stats.stories,
            indexed,
            index_mark,
            beyond_mark,
            unplaced,
            reindex_pending,
            snapshot,
        })
    }

    /// Repairs what [`Pipeline::survey`] found: drops an unusable snapshot,
    /// runs the recovery (places articles in no story, indexes what lies
    /// beyond the mark, re-files moved articles), rebuilds the index if it
    /// still disagrees with the store, and saves the engine's snapshot.
    pub async fn repair(&mut self) -> crate::Result<Repairs> {
        let mut repairs = Repairs::default();
        if let Some(file) = self.engine.snapshot() {
            if let Inspected::Unusable(reason) = file.inspect(self.store.as_ref()).await? {
                if let Err(e) = std::fs::remove_file(file.path()) {
                    tracing::warn!(file = %file.path().display(), reason = %e, "cannot remove the snapshot");
                } else {
                    repairs.dropped_snapshot = Some(reason);
                }
            }
        }
        repairs.recovery = self.recover().await?;
        self.flush().await?;
        let articles = self.store.stats().await?.articles;
        if self.index.len()? != articles {
            repairs.rebuilt = Some(Pipeline::reindex(self.store.as_ref(), &self.index, |_| {}).await?);
        }
        Ok(repairs)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use index::SearchIndex;
    use model::Article;
    use store::{NewArticle, SqliteStore};

    use super::SnapshotState;
    use crate::Pipeline;

    async fn open(dir: &Path) -> Pipeline {
        let store = SqliteStore::open(&dir.join("db.sqlite")).await.unwrap();
        let index = SearchIndex::open(&dir.join("index")).unwrap();
        Pipeline::open(Arc::new(store), Arc::new(index))
            .await
            .unwrap()
            .with_snapshot(dir.join("story-engine.snapshot"))
    }

    fn article(n: u32, word: &str) -> Article {
        Article {
            url: Some(format!("https://harbour.example/{n}")),
            canonical_url: Some(format!("https://harbour.example/{n}")),
            title: Some(format!("Harbour report {word}")),
            text: format!("The harbour office of Velmark reported on the {word} works this week."),
            html: String::new(),
            ..Article::default()
        }
    }

    /// Stores an article as a run that died right after the store commit
    /// leaves it: in no story and not indexed.
    async fn store_only(pipeline: &Pipeline, n: u32, word: &str) -> store::ArticleId {
        let article = article(n, word);
        let new = NewArticle {
            canonical_url: article.canonical_url.clone().unwrap(),
            content_hash: stories::content_fingerprint(&article.text),
            article,
            source: None,
            fetch: None,
        };
        pipeline.store().insert_article(&new).await.unwrap()
    }

    #[tokio::test]
    async fn an_article_a_crash_left_in_no_story_is_placed_and_indexed_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let pipeline = open(dir.path()).await;
        let id = store_only(&pipeline, 1, "dredging").await;
        let survey = pipeline.survey().await.unwrap();
        assert_eq!((survey.unplaced, survey.beyond_mark), (1, 1));
        assert!(!survey.is_healthy());
        drop(pipeline);

        let mut pipeline = open(dir.path()).await;
        // A run with nothing new to do still heals first.
        pipeline.flush().await.unwrap();
        let stored = pipeline.store().article(id).await.unwrap().unwrap();
        assert!(stored.story.is_some());
        let hits = pipeline.index.search("dredging", 10).unwrap();
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![id.0]);
        assert_eq!(hits[0].story, stored.story.map(|s| s.0));
        let survey = pipeline.survey().await.unwrap();
        assert!(survey.is_healthy(), "{survey}");
        assert_eq!(survey.index_mark, Some(id.0));
    }

    #[tokio::test]
    async fn articles_beyond_the_index_mark_are_indexed_before_new_work() {
        let dir = tempfile::tempdir().unwrap();
        let mut pipeline = open(dir.path()).await;
        let first = pipeline
            .ingest_article(article(1, "dredging"), "h1", None, None)
            .await
            .unwrap();
        pipeline.flush().await.unwrap();
        // Stored and placed, but the run died before its index commit.
        let lost = store_only(&pipeline, 2, "lighthouse").await;
        let placement = store::StoryPlacement {
            story_key: "lighthouse".to_string(),
            copy_of: None,
            redated: false,
        };
        pipeline.store().assign_story(lost, &placement).await.unwrap();
        drop(pipeline);

        let mut pipeline = open(dir.path()).await;
        let again = pipeline
            .ingest_article(article(1, "dredging"), "h1", None, None)
            .await
            .unwrap();
        assert_eq!(
            again,
            crate::Outcome::Known(match first {
                crate::Outcome::Imported(id) => id,
                other => panic!("{other:?}"),
            })
        );
        assert_eq!(
            pipeline.index.search("lighthouse", 10).unwrap().len(),
            1,
            "not lost as known"
        );
        assert!(pipeline.survey().await.unwrap().is_healthy());
    }

    #[tokio::test]
    async fn a_story_move_the_index_missed_is_refiled_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut pipeline = open(dir.path()).await;
        pipeline
            .ingest_article(article(1, "dredging"), "h1", None, None)
            .await
            .unwrap();
        pipeline.flush().await.unwrap();
        let id = store::ArticleId(pipeline.index.search("dredging", 1).unwrap()[0].id);
        // A move committed to the store, and a crash before the index commit.
        let placement = store::StoryPlacement {
            story_key: "elsewhere".to_string(),
            copy_of: None,
            redated: false,
        };
        let moved_to = pipeline.store().assign_story(id, &placement).await.unwrap();
        assert_eq!(pipeline.survey().await.unwrap().reindex_pending, 1);
        drop(pipeline);

        let mut pipeline = open(dir.path()).await;
        let recovery = pipeline.recover().await.unwrap();
        assert_eq!(recovery.refiled, 1);
        assert_eq!(pipeline.index.search("dredging", 1).unwrap()[0].story, Some(moved_to.0));
        assert_eq!(pipeline.survey().await.unwrap().reindex_pending, 0);
    }

    #[tokio::test]
    async fn check_drops_a_damaged_snapshot_and_repairs_to_healthy() {
        let dir = tempfile::tempdir().unwrap();
        let mut pipeline = open(dir.path()).await;
        pipeline
            .ingest_article(article(1, "dredging"), "h1", None, None)
            .await
            .unwrap();
        pipeline.flush().await.unwrap();
        let file = dir.path().join("story-engine.snapshot");
        assert!(matches!(
            pipeline.survey().await.unwrap().snapshot,
            SnapshotState::Usable(..)
        ));
        std::fs::write(&file, b"not a snapshot").unwrap();
        store_only(&pipeline, 2, "lighthouse").await;
        drop(pipeline);

        let mut pipeline = open(dir.path()).await;
        let survey = pipeline.survey().await.unwrap();
        assert!(matches!(survey.snapshot, SnapshotState::Unusable(_)), "{survey}");
        assert!(file.exists(), "a survey changes nothing");
        let repairs = pipeline.repair().await.unwrap();
        assert!(repairs.dropped_snapshot.is_some());
        assert_eq!((repairs.recovery.placed, repairs.recovery.indexed), (1, 1));
        let after = pipeline.survey().await.unwrap();
        assert!(after.is_healthy(), "{after}");
        assert!(
            matches!(after.snapshot, SnapshotState::Usable(2, ..)),
            "saved anew: {after}"
        );
    }

    #[tokio::test]
    async fn an_index_holding_more_documents_than_the_store_is_rebuilt_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut pipeline = open(dir.path()).await;
        pipeline
            .ingest_article(article(1, "dredging"), "h1", None, None)
            .await
            .unwrap();
        pipeline.flush().await.unwrap();
        // A document the store does not hold, as a killed run can leave
        // one (bench/crash_kills.py found an article indexed twice).
        let mut batch = pipeline.index.batch().unwrap();
        batch
            .upsert(&index::IndexedArticle {
                id: 99,
                title: "Harbour report dredging".to_string(),
                text: "The harbour office of Velmark reported on the dredging works.".to_string(),
                url: "https://harbour.example/1".to_string(),
                source: "harbour.example".to_string(),
                language: None,
                published: None,
                story: None,
            })
            .unwrap();
        batch.commit().unwrap();
        assert_eq!(pipeline.index.len().unwrap(), 2);
        assert!(!pipeline.survey().await.unwrap().is_healthy());
        drop(pipeline);

        let mut pipeline = open(dir.path()).await;
        pipeline.flush().await.unwrap();
        assert_eq!(pipeline.index.len().unwrap(), 1);
        assert_eq!(pipeline.index.search("dredging", 10).unwrap().len(), 1);
        assert!(pipeline.survey().await.unwrap().is_healthy());
    }
}
