//! The store's story ids under the story engine's keys, as far as this run has met them.

use std::collections::HashMap;

use store::{Store, StoryId};

/// Which stored story each engine key names. Filled by the warm-up and by
/// every placement; a key it has not met is looked up in the store.
#[derive(Debug, Default)]
pub(crate) struct StoryKeys {
    ids: HashMap<String, StoryId>,
}

impl StoryKeys {
    pub(crate) fn insert(&mut self, key: String, story: StoryId) {
        self.ids.insert(key, story);
    }

    /// Forgets a key whose story the store dropped.
    pub(crate) fn remove(&mut self, key: &str) {
        self.ids.remove(key);
    }

    /// The story met under `key` this run, without asking the store.
    pub(crate) fn get(&self, key: &str) -> Option<StoryId> {
        self.ids.get(key).copied()
    }

    /// The story under `key`: met this run, else looked up in the store
    /// (and kept when found).
    pub(crate) async fn resolve(&mut self, store: &dyn Store, key: String) -> crate::Result<Option<StoryId>> {
        match self.ids.get(&key) {
            Some(&id) => Ok(Some(id)),
            None => {
                let found = store.story_by_key(&key).await?;
                if let Some(id) = found {
                    self.ids.insert(key, id);
                }
                Ok(found)
            }
        }
    }
}
