//! The related-story lists of the stories a run has touched, refreshed at each flush.

use std::collections::BTreeSet;

use store::{ArticleId, Store, StoredArticle, StoryId};

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

    /// Refreshes the lists that an interrupted run may have left stale:
    /// those of the stories of the articles beyond the index's `mark` and
    /// of the moved articles in the change log beyond its applied `log_seq`. A run refreshes the
    /// lists of the stories it touched before each index commit (see
    /// `Pipeline::flush_index`), so whatever a run touched and did not
    /// refresh lies there until the commit that follows. After a run that
    /// ended cleanly there is nothing there, and the engine is not warmed.
    pub(crate) async fn recover(
        &mut self,
        store: &dyn Store,
        engine: &mut WarmEngine,
        story_ids: &mut StoryKeys,
        mark: Option<i64>,
        log_seq: Option<i64>,
    ) -> crate::Result<()> {
        let mut after = mark.map(ArticleId);
        let mut touch = |stored: StoredArticle, story_ids: &mut StoryKeys| {
            if let (Some(story), Some(key)) = (stored.story, stored.story_key) {
                story_ids.insert(key.clone(), story);
                self.touched.insert(key);
            }
        };
        loop {
            let page = store.articles_after(after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for stored in page {
                touch(stored, story_ids);
            }
        }
        for entry in store.change_log_after(log_seq.unwrap_or(0), u32::MAX).await? {
            if let Some(stored) = store.article(entry.article).await? {
                touch(stored, story_ids);
            }
        }
        if self.touched.is_empty() {
            return Ok(());
        }
        engine.warm(store, story_ids).await?;
        self.refresh(store, engine, story_ids).await
    }

    /// Stores the engine's related stories of every touched story.
    pub(crate) async fn refresh(
        &mut self,
        store: &dyn Store,
        engine: &mut WarmEngine,
        story_ids: &mut StoryKeys,
    ) -> crate::Result<()> {
        // One store transaction for every touched story: a batch touches
        // hundreds.
        let mut lists = Vec::with_capacity(self.touched.len());
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
            lists.push((story, related));
        }
        store.set_related_lists(&lists).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use index::SearchIndex;
    use model::Article;
    use store::SqliteStore;

    use crate::Pipeline;

    async fn open(dir: &Path) -> Pipeline {
        let store = SqliteStore::open(&dir.join("db.sqlite")).await.unwrap();
        let index = SearchIndex::open(&dir.join("index")).unwrap();
        Pipeline::open(Arc::new(store), Arc::new(index))
            .await
            .unwrap()
            .with_snapshot(dir.join("story-engine.snapshot"))
    }

    /// Reports of two ferry strikes in two ports, and one on the orchards.
    fn articles() -> Vec<Article> {
        let reports = [
            ("oskarvik", "Oskarvik ferry strike", "Ferry crews in Oskarvik walked out over pay, and Fjord Line cancelled every crossing to the islands. The Sjomann union said its members would stay out."),
            ("brekkestad", "Brekkestad ferry strike", "Ferry workers in Brekkestad went on strike over wages, and Nordferje called off its crossings to the islands. Havlag, the crews' union, said the strike would last."),
            ("oskarvik-2", "Oskarvik strike talks", "Sjomann officials met Fjord Line managers in Oskarvik but left without a deal on pay, and islanders queued for water taxis as the ferry strike went on."),
            ("brekkestad-2", "Brekkestad strike talks", "Havlag negotiators walked out of talks with Nordferje managers in Brekkestad, and lorries waited on the quay as the ferry strike went on."),
            ("velmark", "Velmark orchard frost", "A late frost blackened the apple blossom in the Velmark orchards, and growers counted their losses."),
        ];
        reports
            .iter()
            .enumerate()
            .map(|(day, (slug, title, text))| Article {
                url: Some(format!("https://coast.example/{slug}")),
                canonical_url: Some(format!("https://coast.example/{slug}")),
                title: Some(title.to_string()),
                text: text.to_string(),
                language: Some("en".to_string()),
                published: format!("2025-03-0{}T08:00:00Z", day + 1).parse().ok(),
                ..Article::default()
            })
            .collect()
    }

    #[tokio::test]
    async fn a_run_after_a_clean_one_does_not_warm_the_engine_to_refresh_related_stories() {
        let dir = tempfile::tempdir().unwrap();
        let mut pipeline = open(dir.path()).await;
        for (n, article) in articles().into_iter().enumerate() {
            pipeline
                .ingest_article(article, &n.to_string(), None, None)
                .await
                .unwrap();
        }
        pipeline.flush().await.unwrap();
        drop(pipeline);
        let mut pipeline = open(dir.path()).await;
        pipeline.recover().await.unwrap();
        assert!(!pipeline.engine.is_warm());
    }
}
