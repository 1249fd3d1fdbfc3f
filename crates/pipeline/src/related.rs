//! The related-story lists of the stories a run has touched, refreshed at each flush.

use std::collections::BTreeSet;

use store::{Store, StoryId};

use crate::story_keys::StoryKeys;
use crate::warm::WarmEngine;

/// How many related stories each story keeps.
const RELATED_PER_STORY: usize = 5;

/// The engine keys of the stories whose related lists are out of date.
#[derive(Debug, Default)]
pub(crate) struct RelatedRefresh {
    touched: BTreeSet<String>,
}

impl RelatedRefresh {
    /// Notes that the story under `key` gained or lost an article.
    pub(crate) fn touch(&mut self, key: String) {
        self.touched.insert(key);
    }

    /// Takes back a touch: the story under `key` is gone.
    pub(crate) fn forget(&mut self, key: &str) {
        self.touched.remove(key);
    }

    /// Stores the engine's related stories of every touched story.
    pub(crate) async fn refresh(
        &mut self,
        store: &dyn Store,
        engine: &WarmEngine,
        story_ids: &mut StoryKeys,
    ) -> crate::Result<()> {
        for key in std::mem::take(&mut self.touched) {
            let Some(story) = story_ids.get(&key) else {
                continue;
            };
            let mut related: Vec<StoryId> = Vec::new();
            for k in engine.related(&key, RELATED_PER_STORY) {
                // An engine loaded from a snapshot knows stories that this
                // run has not met in the store yet.
                let id = story_ids.resolve(store, k).await?;
                related.extend(id.filter(|&id| id != story));
            }
            store.set_related(story, &related).await?;
        }
        Ok(())
    }
}
