//! What a data folder's store holds after an import (on SQLite or on the
//! test's PostgreSQL, see [`super::backend`]), read for the crash tests: its
//! articles, their stories as sets of URLs, each story's entities, and
//! whether every article was scanned for entities.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use store::{ArticleId, Store, StoredArticle};

use super::backend::TestStore;
use stories::entities::{extract_entities, RULES_VERSION};

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

async fn all_articles(store: &dyn Store) -> Vec<StoredArticle> {
    let mut all = Vec::new();
    let mut after: Option<ArticleId> = None;
    loop {
        let page = store.articles_after(after, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        all.extend(page);
    }
    all
}

/// The stories of a store as sets of canonical URLs: two stores with the
/// same articles have the same stories when these are equal, whatever ids
/// their stories got.
pub type Partition = BTreeSet<BTreeSet<String>>;

/// Each story (by its URLs) and its entities: (key, mentions, articles).
pub type StoryEntities = BTreeMap<BTreeSet<String>, BTreeSet<(String, u64, u64)>>;

/// What [`read`] finds in a data folder.
pub struct Recovered {
    /// (canonical URL, content hash, in a story), sorted.
    pub articles: Vec<(String, String, bool)>,
    pub partition: Partition,
    pub entities: StoryEntities,
}

/// Reads the store of `data`, and asserts that every article was scanned
/// for entities by the current rules and that each story's entities are
/// those its members' texts name (so no scan was lost or left half done).
pub fn read(data: &Path, context: &str) -> Recovered {
    block_on(async {
        let store = TestStore::open(data).await;
        let lacking = store.articles_lacking_entities(RULES_VERSION, 10).await.unwrap();
        assert!(lacking.is_empty(), "{context}: articles without entities: {lacking:?}");
        let all = all_articles(&*store).await;
        let mut articles: Vec<(String, String, bool)> = all
            .iter()
            .map(|a| (a.canonical_url.clone(), a.content_hash.clone(), a.story.is_some()))
            .collect();
        articles.sort();
        let mut members: BTreeMap<i64, Vec<&StoredArticle>> = BTreeMap::new();
        for a in &all {
            if let Some(story) = a.story {
                members.entry(story.0).or_default().push(a);
            }
        }
        let mut partition = Partition::new();
        let mut entities = StoryEntities::new();
        for (story, members) in members {
            let urls: BTreeSet<String> = members.iter().map(|a| a.canonical_url.clone()).collect();
            let stored: BTreeSet<(String, u64, u64)> = store
                .story_entities(store::StoryId(story), u32::MAX)
                .await
                .unwrap()
                .into_iter()
                .map(|e| (e.key, e.mentions, e.articles))
                .collect();
            assert_eq!(
                stored,
                expected_entities(&members),
                "{context}: the entities stored for story {story} ({urls:?})"
            );
            partition.insert(urls.clone());
            entities.insert(urls, stored);
        }
        store.close().await;
        Recovered {
            articles,
            partition,
            entities,
        }
    })
}

/// The entities the rules find in `members`, summed as the store sums them
/// for a story.
fn expected_entities(members: &[&StoredArticle]) -> BTreeSet<(String, u64, u64)> {
    let mut sums: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for a in members {
        let title = a.article.title.as_deref().unwrap_or("");
        for e in extract_entities(title, &a.article.text, a.article.language.as_deref()) {
            let sum = sums.entry(e.key).or_default();
            sum.0 += u64::from(e.mentions);
            sum.1 += 1;
        }
    }
    sums.into_iter().map(|(k, (m, n))| (k, m, n)).collect()
}
