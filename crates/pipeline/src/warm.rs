//! The story engine kept warm across runs: replayed from the store, or from its snapshot and the articles stored after it.

use std::path::PathBuf;

use model::Assignment;
use store::{ArticleId, Store, StoredArticle};
use stories::{Config, StoryEngine};

use crate::convert::document_of;
use crate::snapshot::SnapshotFile;
use crate::story_keys::StoryKeys;

/// The story engine, warmed from the store when the first new article
/// needs it, and what it has seen since (see [`crate::Pipeline`]).
pub(crate) struct WarmEngine {
    engine: StoryEngine,
    warmed: bool,
    snapshot: Option<SnapshotFile>,
    /// The highest article id the engine has seen, restored or added.
    seen_up_to: Option<ArticleId>,
    /// Whether the engine holds articles that no snapshot on disk does.
    unsaved: bool,
    /// Articles the last warm-up replayed from the store.
    replayed: u64,
}

impl WarmEngine {
    /// A cold engine, with no snapshot file.
    pub(crate) fn new() -> Self {
        WarmEngine {
            engine: StoryEngine::new(Config::default()),
            warmed: false,
            snapshot: None,
            seen_up_to: None,
            unsaved: false,
            replayed: 0,
        }
    }

    /// Keeps the engine in `path` between runs.
    pub(crate) fn set_snapshot(&mut self, path: PathBuf) {
        self.snapshot = Some(SnapshotFile::new(path));
    }

    /// The snapshot file, if the engine is kept in one.
    pub(crate) fn snapshot(&self) -> Option<&SnapshotFile> {
        self.snapshot.as_ref()
    }

    /// Replays the stored articles (those already placed in a story) into
    /// the engine, once: those after the snapshot's watermark when a
    /// snapshot loads, else all. Notes each replayed article's story in
    /// `story_ids`.
    pub(crate) async fn warm(&mut self, store: &dyn Store, story_ids: &mut StoryKeys) -> crate::Result<()> {
        if self.warmed {
            return Ok(());
        }
        let mut after = self.seen_up_to;
        if after.is_none() {
            if let Some(snapshot) = &self.snapshot {
                if let Some((engine, watermark)) = snapshot.load(store).await? {
                    self.engine = engine;
                    self.seen_up_to = Some(watermark);
                    after = Some(watermark);
                    // Loading took the file away: until `save` writes it
                    // back, no snapshot on disk holds what the engine does.
                    self.unsaved = true;
                }
            }
        }
        loop {
            let batch = store.articles_after(after, 1000).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            for stored in &batch {
                let (Some(story), Some(key)) = (stored.story, stored.story_key.clone()) else {
                    continue;
                };
                let assignment = Assignment {
                    id: stored.id.to_string(),
                    story_key: key.clone(),
                    copy_of: stored.copy_of.map(|id| id.to_string()),
                    redated: stored.redated,
                };
                self.engine.restore(&document_of(stored), &assignment);
                story_ids.insert(key, story);
                self.saw(stored.id);
                self.replayed += 1;
            }
        }
        // Set only now: a replay cut short by a store error is resumed by
        // the next call, after the last article it restored.
        self.warmed = true;
        tracing::info!(replayed = self.replayed, "story engine warmed");
        Ok(())
    }

    /// Warms the engine when it is kept in a snapshot file and that file
    /// is missing, so that [`WarmEngine::save`] writes it again. A run
    /// killed between loading the snapshot (which takes it away) and
    /// saving it leaves none; without this, runs with nothing new would
    /// leave none either, and the next new article would replay the whole
    /// store.
    pub(crate) async fn heal(&mut self, store: &dyn Store, story_ids: &mut StoryKeys) -> crate::Result<()> {
        let missing = self.snapshot.as_ref().is_some_and(|s| !s.path().exists());
        if missing && !self.warmed {
            self.warm(store, story_ids).await?;
        }
        Ok(())
    }

    /// The engine's verdict on a newly stored article.
    pub(crate) fn add(&mut self, stored: &StoredArticle) -> Assignment {
        let assignment = self.engine.add(&document_of(stored));
        self.saw(stored.id);
        assignment
    }

    /// Verdicts the engine revised since the last article it was given.
    pub(crate) fn revised(&self) -> Vec<Assignment> {
        self.engine.revised()
    }

    /// The keys of up to `n` stories related to the story under `key`.
    pub(crate) fn related(&mut self, key: &str, n: usize) -> Vec<String> {
        self.engine.related(key, n)
    }

    /// The last article the engine holds: `None` while it is cold (it will
    /// warm from the store as it stands then), `Some(None)` when warm but
    /// empty.
    pub(crate) fn holds_up_to(&self) -> Option<Option<ArticleId>> {
        self.warmed.then_some(self.seen_up_to)
    }

    fn saw(&mut self, id: ArticleId) {
        self.seen_up_to = self.seen_up_to.max(Some(id));
        self.unsaved = true;
    }

    /// Writes the engine to the snapshot file, if there is one and the
    /// engine holds anything it does not. A failure costs the next run a
    /// full replay, never this run.
    pub(crate) fn save(&mut self) {
        let (Some(snapshot), Some(seen)) = (&self.snapshot, self.seen_up_to) else {
            return;
        };
        if !self.warmed || !self.unsaved {
            return;
        }
        if snapshot.save(&self.engine, seen).is_ok() {
            self.unsaved = false;
        }
    }

    #[cfg(test)]
    pub(crate) fn is_warm(&self) -> bool {
        self.warmed
    }

    #[cfg(test)]
    pub(crate) fn replayed(&self) -> u64 {
        self.replayed
    }

    #[cfg(test)]
    pub(crate) fn stats(&self) -> stories::EngineStats {
        self.engine.stats()
    }
}
