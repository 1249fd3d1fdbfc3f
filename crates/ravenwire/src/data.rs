//! The data folder: where the database, the search index and the story
//! engine's snapshot live.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use index::SearchIndex;
use store::{SqliteStore, Store};

pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: PathBuf) -> Self {
        DataDir { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Fails with a hint when the folder does not exist yet, for commands
    /// that only read: creating an empty store there would hide a wrong path.
    pub fn require_existing(&self) -> anyhow::Result<()> {
        if self.root.join("ravenwire.sqlite").exists() {
            Ok(())
        } else {
            anyhow::bail!(
                "no ravenwire data in {} (import something first, or name the folder with --data or RAVENWIRE_DATA)",
                self.root.display()
            )
        }
    }

    pub async fn open_store(&self) -> anyhow::Result<Arc<dyn Store>> {
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("cannot create the data folder {}", self.root.display()))?;
        let store = SqliteStore::open(&self.root.join("ravenwire.sqlite")).await?;
        Ok(Arc::new(store))
    }

    pub fn open_index(&self) -> anyhow::Result<Arc<SearchIndex>> {
        let index = SearchIndex::open(&self.root.join("index"))?;
        Ok(Arc::new(index))
    }

    pub async fn open_pipeline(&self) -> anyhow::Result<pipeline::Pipeline> {
        let store = self.open_store().await?;
        let index = self.open_index()?;
        let pipeline = pipeline::Pipeline::open(store, index).await?;
        Ok(pipeline.with_snapshot(self.root.join("story-engine.snapshot")))
    }
}
