//! The people, organisations and places of each article: found by the
//! story stage's pure entity rules (`stories::entities`) and handed to the
//! store right after the article is stored.
//!
//! Entities are derived state and heal: the store records, per article,
//! which version of the rules scanned it, so articles stored before the
//! store knew entities, or by a run that stopped between storing and
//! scanning them, or scanned by older rules, are scanned when a pipeline
//! opens ([`catch_up`]).

use model::Article;
use store::{ArticleEntity, ArticleId, Store};
use stories::entities::{self, RULES_VERSION};

/// How many articles one catch-up round reads.
const CATCH_UP_BATCH: u32 = 500;

/// The entities of an article, in the store's terms.
pub(crate) fn entities_of(article: &Article) -> Vec<ArticleEntity> {
    let title = article.title.as_deref().unwrap_or("");
    entities::extract_entities(title, &article.text, article.language.as_deref())
        .into_iter()
        .map(|e| ArticleEntity {
            key: e.key,
            name: e.name,
            kind: e.kind,
            mentions: e.mentions,
        })
        .collect()
}

/// Finds and stores the entities of a stored article.
pub(crate) async fn scan(store: &dyn Store, id: ArticleId, article: &Article) -> crate::Result<()> {
    store
        .set_article_entities(id, RULES_VERSION, &entities_of(article))
        .await?;
    Ok(())
}

/// Scans every article the store holds no entities of the current rules
/// for, and returns how many it scanned.
pub(crate) async fn catch_up(store: &dyn Store) -> crate::Result<u64> {
    let mut scanned = 0;
    loop {
        let ids = store.articles_lacking_entities(RULES_VERSION, CATCH_UP_BATCH).await?;
        if ids.is_empty() {
            break;
        }
        for id in ids {
            let Some(stored) = store.article(id).await? else {
                continue;
            };
            scan(store, id, &stored.article).await?;
            scanned += 1;
        }
    }
    if scanned > 0 {
        tracing::info!(articles = scanned, "found the entities of articles stored without them");
    }
    Ok(scanned)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use index::SearchIndex;
    use store::{NewArticle, SqliteStore};

    use super::*;
    use crate::Pipeline;

    fn article(url: &str, title: &str, text: &str) -> NewArticle {
        NewArticle {
            article: Article {
                url: Some(url.to_string()),
                canonical_url: Some(url.to_string()),
                title: Some(title.to_string()),
                text: text.to_string(),
                language: Some("en".to_string()),
                ..Article::default()
            },
            canonical_url: url.to_string(),
            content_hash: format!("hash of {url}"),
            source: None,
            fetch: None,
        }
    }

    #[tokio::test]
    async fn articles_stored_without_entities_get_them_when_a_pipeline_opens() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("db.sqlite")).await.unwrap());
        // Stored as an older ravenwire (or a run that died before scanning)
        // left them: no entities, no scan.
        let text = "Mayor Rita Coelho opened the new ferry pier in Valmora on Friday. Coelho said Portugal paid half.";
        let old = store
            .insert_article(&article("https://a.example/1", "Pier opens", text))
            .await
            .unwrap();
        assert_eq!(store.articles_lacking_entities(RULES_VERSION, 10).await.unwrap(), [old]);

        let index = Arc::new(SearchIndex::open(&dir.path().join("index")).unwrap());
        let _pipeline = Pipeline::open(store.clone(), index).await.unwrap();
        assert!(store
            .articles_lacking_entities(RULES_VERSION, 10)
            .await
            .unwrap()
            .is_empty());
        // Nothing is left for a second catch-up.
        assert_eq!(catch_up(store.as_ref()).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn an_ingested_article_has_its_entities_stored_with_its_story() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("db.sqlite")).await.unwrap());
        let index = Arc::new(SearchIndex::open(&dir.path().join("index")).unwrap());
        let mut pipeline = Pipeline::open(store.clone(), index).await.unwrap();
        let new = article(
            "https://a.example/2",
            "Strike at Veltronic",
            "Workers at Veltronic GmbH in Hollstadt stopped work on Monday, said union leader Ana Ruiz.",
        );
        let outcome = pipeline.ingest_article(new.article, "h", None, None).await.unwrap();
        let crate::Outcome::Imported(id) = outcome else {
            panic!("{outcome:?}")
        };
        pipeline.flush().await.unwrap();
        let story = store.article(id).await.unwrap().unwrap().story.unwrap();
        let names: Vec<String> = store
            .story_entities(story, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| format!("{} ({})", e.name, e.kind.as_str()))
            .collect();
        assert!(
            names.contains(&"Veltronic GmbH (organisation)".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"Hollstadt (place)".to_string()), "{names:?}");
        assert!(names.contains(&"Ana Ruiz (person)".to_string()), "{names:?}");
        assert!(store
            .articles_lacking_entities(RULES_VERSION, 10)
            .await
            .unwrap()
            .is_empty());
    }
}
