//! SQLite storage of entities: the people, organisations and places each
//! article names, and which articles have been scanned for them.

use std::collections::HashMap;

use sqlx::{SqliteConnection, SqlitePool};

use super::stories;
use crate::{ArticleEntity, ArticleId, EntityId, EntityKind, Error, Result, StoredEntity, StoryId, StorySummary};

/// Entities per multi-row statement: three parameters a row, well below
/// SQLite's oldest limit of 999 parameters a statement.
const ENTITY_ROWS: usize = 200;

/// How many articles' links wait above the mark before they are folded into
/// `entity_postings` (see `0012_entity_postings.sql`). A fold writes each
/// leaf of an entity it touches once: 4,096 articles name about 20,000
/// distinct entities in the scale stream against 120,000 links, so a fold
/// writes about a sixth of the pages that storing them one by one in an
/// index by entity did. Queries by entity read the unfolded links by a
/// range of `article_entities`' key: a few milliseconds at this size.
const FOLD_EVERY: i64 = 4096;

/// The fold's size: [`FOLD_EVERY`], unless the test-only variable
/// `RAVENWIRE_ENTITY_FOLD` names another (the crash tests make it small, so
/// that kills land around folds). Not for production use.
fn fold_every() -> i64 {
    static SIZE: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *SIZE.get_or_init(|| {
        std::env::var("RAVENWIRE_ENTITY_FOLD")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(FOLD_EVERY)
    })
}

/// An entity's links, folded or not: the common part of every query by
/// entity. Its parameter `?1` is the entity's id.
const LINKS: &str = "links (article_id, mentions) AS (\
     SELECT article_id, mentions FROM entity_postings WHERE entity_id = ?1 \
     UNION ALL \
     SELECT article_id, mentions FROM article_entities \
     WHERE article_id > (SELECT through FROM entity_postings_mark WHERE id = 1) AND entity_id = ?1)";

/// Replaces what an article names and marks it scanned by rules of
/// `version`. Each entity row is found by its key or made; an existing
/// one keeps its name and kind.
pub(super) async fn set_for_article(
    conn: &mut SqliteConnection,
    article: ArticleId,
    version: u32,
    entities: &[ArticleEntity],
) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE id = ?")
        .bind(article.0)
        .fetch_optional(&mut *conn)
        .await?;
    if found.is_none() {
        return Err(Error::NotFound(format!("article {article}")));
    }
    sqlx::query("DELETE FROM article_entities WHERE article_id = ?")
        .bind(article.0)
        .execute(&mut *conn)
        .await?;
    add_for_article(conn, article, version, entities).await
}

/// Records what an article that names nothing yet names, and marks it
/// scanned by rules of `version`: the part of [`set_for_article`] that a
/// new article, just inserted in the same transaction, needs.
pub(super) async fn add_for_article(
    conn: &mut SqliteConnection,
    article: ArticleId,
    version: u32,
    entities: &[ArticleEntity],
) -> Result<()> {
    let merged = merge_by_key(entities);
    // Two statements per chunk, not two per entity: a statement is a round
    // trip to the connection's thread, and an article names thirty
    // entities on average. The second finds each entity's id by its key
    // inside SQLite, so no rows travel back.
    for chunk in merged.chunks(ENTITY_ROWS) {
        let rows = vec!["(?, ?, ?)"; chunk.len()].join(", ");
        let insert = format!("INSERT INTO entities (key, name, kind) VALUES {rows} ON CONFLICT (key) DO NOTHING");
        let mut query = sqlx::query(&insert);
        for (entity, _) in chunk {
            query = query.bind(&entity.key).bind(&entity.name).bind(entity.kind.as_str());
        }
        query.execute(&mut *conn).await?;
        let pairs = vec!["(?, ?)"; chunk.len()].join(", ");
        let link = format!(
            "INSERT INTO article_entities (article_id, entity_id, mentions) \
             SELECT ?, e.id, v.column2 FROM (VALUES {pairs}) AS v JOIN entities e ON e.key = v.column1"
        );
        let mut query = sqlx::query(&link).bind(article.0);
        for (entity, mentions) in chunk {
            query = query.bind(&entity.key).bind(i64::from(*mentions));
        }
        let linked = query.execute(&mut *conn).await?.rows_affected();
        if linked != chunk.len() as u64 {
            return Err(Error::NotFound(format!(
                "{} of the {} entities of article {article} just stored",
                chunk.len() as u64 - linked.min(chunk.len() as u64),
                chunk.len()
            )));
        }
    }
    sqlx::query(
        "INSERT INTO entity_scans (article_id, version) VALUES (?, ?) \
         ON CONFLICT (article_id) DO UPDATE SET version = excluded.version",
    )
    .bind(article.0)
    .bind(i64::from(version))
    .execute(&mut *conn)
    .await?;
    let through: i64 = sqlx::query_scalar("SELECT through FROM entity_postings_mark WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    if article.0 - through >= fold_every() {
        fold(conn, through, article.0).await?;
    }
    Ok(())
}

/// Folds the links of the articles above `through` and up to `upto` into
/// `entity_postings`, sorted by entity, and moves the mark to `upto`. A
/// link already there (none should be: the triggers write only at or below
/// the mark) takes the new count instead of failing every later store.
async fn fold(conn: &mut SqliteConnection, through: i64, upto: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO entity_postings (entity_id, article_id, mentions) \
         SELECT entity_id, article_id, mentions FROM article_entities \
         WHERE article_id > ? AND article_id <= ? ORDER BY entity_id, article_id \
         ON CONFLICT (entity_id, article_id) DO UPDATE SET mentions = excluded.mentions",
    )
    .bind(through)
    .bind(upto)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE entity_postings_mark SET through = ? WHERE id = 1")
        .bind(upto)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One row per key, in first-seen order: a caller that lists a key twice
/// has its mentions added up; empty keys and zero mentions are dropped.
pub(crate) fn merge_by_key(entities: &[ArticleEntity]) -> Vec<(&ArticleEntity, u32)> {
    let mut merged: Vec<(&ArticleEntity, u32)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for entity in entities.iter().filter(|e| !e.key.is_empty() && e.mentions > 0) {
        match at.get(entity.key.as_str()) {
            Some(&i) => merged[i].1 = merged[i].1.saturating_add(entity.mentions),
            None => {
                at.insert(&entity.key, merged.len());
                merged.push((entity, entity.mentions));
            }
        }
    }
    merged
}

/// Up to `limit` articles not scanned by rules of `version` (never
/// scanned, or by older rules), lowest id first.
///
/// Every opening of a pipeline asks. A scan row names an article of its own
/// (its key, and a foreign key with ON DELETE CASCADE), so when there are
/// as many current scan rows as articles none is lacking: two counts on
/// small tables say so without walking the article table, which at a
/// million articles read 4.5 GB of texts on a cold start.
pub(super) async fn unscanned(pool: &SqlitePool, version: u32, limit: u32) -> Result<Vec<ArticleId>> {
    let (all, scanned): (i64, i64) = sqlx::query_as(&format!(
        "SELECT ({}), (SELECT COUNT(*) FROM entity_scans WHERE version >= ?)",
        super::derived::COUNT_ALL
    ))
    .bind(i64::from(version))
    .fetch_one(pool)
    .await?;
    if all == scanned {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT a.id FROM articles a LEFT JOIN entity_scans s ON s.article_id = a.id \
         WHERE s.version IS NULL OR s.version < ? ORDER BY a.id LIMIT ?",
    )
    .bind(i64::from(version))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(ArticleId).collect())
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: i64,
    key: String,
    name: String,
    kind: String,
    mentions: i64,
    articles: i64,
}

impl Row {
    pub(crate) fn into_entity(self) -> Result<StoredEntity> {
        let kind = EntityKind::from_name(&self.kind)
            .ok_or_else(|| Error::Corrupt(format!("entity {}: kind {:?}", self.id, self.kind)))?;
        let count = |value: i64, what: &str| {
            u64::try_from(value).map_err(|_| Error::Corrupt(format!("entity {}: {what} {value}", self.id)))
        };
        Ok(StoredEntity {
            id: EntityId(self.id),
            mentions: count(self.mentions, "mentions")?,
            articles: count(self.articles, "articles")?,
            key: self.key,
            name: self.name,
            kind,
        })
    }
}

/// The entities a story's articles name, most mentioned first (then by
/// more articles, then by id), at most `limit`.
pub(super) async fn of_story(pool: &SqlitePool, story: StoryId, limit: u32) -> Result<Vec<StoredEntity>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.id, e.key, e.name, e.kind, SUM(ae.mentions) AS mentions, COUNT(*) AS articles \
         FROM story_members m \
         JOIN article_entities ae ON ae.article_id = m.article_id \
         JOIN entities e ON e.id = ae.entity_id \
         WHERE m.story_id = ? \
         GROUP BY e.id ORDER BY mentions DESC, articles DESC, e.id LIMIT ?",
    )
    .bind(story.0)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Row::into_entity).collect()
}

/// One entity, with its mentions over every article.
pub(super) async fn get(pool: &SqlitePool, id: EntityId) -> Result<Option<StoredEntity>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "WITH {LINKS} SELECT e.id, e.key, e.name, e.kind, \
         COALESCE((SELECT SUM(mentions) FROM links), 0) AS mentions, \
         (SELECT COUNT(*) FROM links) AS articles \
         FROM entities e WHERE e.id = ?1"
    ))
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    row.map(Row::into_entity).transpose()
}

/// The stories whose articles name an entity, newest first (by latest
/// activity, then id), after skipping `offset`.
pub(super) async fn stories_naming(
    pool: &SqlitePool,
    id: EntityId,
    limit: u32,
    offset: u32,
) -> Result<Vec<StorySummary>> {
    let mut tx = pool.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "WITH {LINKS} SELECT s.id FROM stories s WHERE s.id IN \
         (SELECT m.story_id FROM links l JOIN story_members m ON m.article_id = l.article_id) \
         ORDER BY s.updated_unix DESC, s.id DESC LIMIT ?2 OFFSET ?3"
    ))
    .bind(id.0)
    .bind(i64::from(limit))
    .bind(i64::from(offset))
    .fetch_all(&mut *tx)
    .await?;
    let loaded = stories::load(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(in_query_order(&ids, loaded))
}

/// `load` may return them in any order; keep the query's.
pub(crate) fn in_query_order(
    ids: &[i64],
    loaded: Vec<(StorySummary, Vec<crate::ArticleSummary>)>,
) -> Vec<StorySummary> {
    let mut by_id: HashMap<i64, StorySummary> = loaded.into_iter().map(|(s, _)| (s.id.0, s)).collect();
    ids.iter().filter_map(|id| by_id.remove(id)).collect()
}

/// How many stories name an entity.
pub(super) async fn count_stories_naming(pool: &SqlitePool, id: EntityId) -> Result<u64> {
    let count: i64 = sqlx::query_scalar(&format!(
        "WITH {LINKS} SELECT COUNT(DISTINCT m.story_id) FROM links l \
         JOIN story_members m ON m.article_id = l.article_id"
    ))
    .bind(id.0)
    .fetch_one(pool)
    .await?;
    super::count(count, "entity stories")
}

/// What the folded links and the mark say, for crash tests: `ravenwire`'s
/// own tests kill imports around folds and then check them.
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoldState {
    /// The last article whose links are folded.
    pub through: i64,
    /// Links folded but not (or no longer, or otherwise) in `article_entities`
    /// at or below the mark, plus links there that are not folded: 0 when
    /// the folded copy is true.
    pub disagreeing: i64,
}

#[cfg(any(test, feature = "test-support"))]
impl crate::SqliteStore {
    /// The fold's mark, and how far the folded links are from the links at
    /// or below it.
    pub async fn fold_state(&self) -> Result<FoldState> {
        let (through, disagreeing): (i64, i64) = sqlx::query_as(
            "WITH mark AS (SELECT through FROM entity_postings_mark WHERE id = 1), \
             below AS (SELECT entity_id, article_id, mentions FROM article_entities \
                       WHERE article_id <= (SELECT through FROM mark)) \
             SELECT (SELECT through FROM mark), \
                    (SELECT COUNT(*) FROM (SELECT * FROM entity_postings EXCEPT SELECT * FROM below)) \
                  + (SELECT COUNT(*) FROM (SELECT * FROM below EXCEPT SELECT * FROM entity_postings))",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(FoldState { through, disagreeing })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{new_article, placement, store_test};
    use crate::Store;

    use super::*;

    fn named(key: &str, name: &str, kind: EntityKind, mentions: u32) -> ArticleEntity {
        ArticleEntity {
            key: key.to_string(),
            name: name.to_string(),
            kind,
            mentions,
        }
    }

    store_test!(async fn an_article_scanned_is_no_longer_lacking_and_its_entities_are_shared_by_key(store) {
        let a = store
            .insert_article(&new_article("https://a.example/1", "One", None))
            .await
            .unwrap();
        let b = store
            .insert_article(&new_article("https://b.example/2", "Two", None))
            .await
            .unwrap();
        assert_eq!(store.articles_lacking_entities(1, 10).await.unwrap(), [a, b]);

        let germany = named("place:germany", "Germany", EntityKind::Place, 2);
        store
            .set_article_entities(a, 1, std::slice::from_ref(&germany))
            .await
            .unwrap();
        // Another article names it in another language: the same row,
        // whose name stays the first one.
        let deutschland = named("place:germany", "Deutschland", EntityKind::Place, 1);
        store.set_article_entities(b, 1, &[deutschland]).await.unwrap();
        assert!(store.articles_lacking_entities(1, 10).await.unwrap().is_empty());
        // Rules of a newer version want both scanned again.
        assert_eq!(store.articles_lacking_entities(2, 10).await.unwrap(), [a, b]);

        let (count,): (i64,) = store.row("SELECT COUNT(*) FROM entities", &[]).await;
        assert_eq!(count, 1);
        let (id,): (i64,) = store.row("SELECT id FROM entities", &[]).await;
        let entity = store.entity(EntityId(id)).await.unwrap().unwrap();
        assert_eq!(entity.name, "Germany");
        assert_eq!(entity.kind, EntityKind::Place);
        assert_eq!((entity.mentions, entity.articles), (3, 2));
    });

    store_test!(async fn scanning_again_replaces_and_an_empty_scan_counts(store) {
        let a = store
            .insert_article(&new_article("https://a.example/1", "One", None))
            .await
            .unwrap();
        let old = named("person:jan keler", "Jan Keller", EntityKind::Person, 3);
        store.set_article_entities(a, 1, &[old]).await.unwrap();
        store.set_article_entities(a, 1, &[]).await.unwrap();
        let (rows,): (i64,) = store.row("SELECT COUNT(*) FROM article_entities", &[]).await;
        assert_eq!(rows, 0);
        assert!(store.articles_lacking_entities(1, 10).await.unwrap().is_empty());
    });

    store_test!(async fn an_article_stored_with_its_entities_is_scanned_and_names_them(store) {
        let germany = named("place:germany", "Germany", EntityKind::Place, 2);
        let keller = named("person:jan keler", "Jan Keller", EntityKind::Person, 1);
        let a = store
            .insert_scanned_article(&new_article("https://a.example/1", "One", None), 1, &[germany.clone(), keller])
            .await
            .unwrap();
        // A second article names one of them again, and nothing else.
        let b = store
            .insert_scanned_article(&new_article("https://b.example/2", "Two", None), 1, &[germany])
            .await
            .unwrap();
        let c = store
            .insert_scanned_article(&new_article("https://c.example/3", "Three", None), 1, &[])
            .await
            .unwrap();
        assert!(store.articles_lacking_entities(1, 10).await.unwrap().is_empty());
        assert_eq!(store.articles_lacking_entities(2, 10).await.unwrap(), [a, b, c]);
        let (links,): (i64,) = store.row("SELECT COUNT(*) FROM article_entities", &[]).await;
        assert_eq!(links, 3);
        let (id,): (i64,) = store.row("SELECT id FROM entities WHERE key = 'place:germany'", &[]).await;
        let entity = store.entity(EntityId(id)).await.unwrap().unwrap();
        assert_eq!((entity.mentions, entity.articles), (4, 2), "two mentions in each");
    });

    store_test!(async fn an_article_whose_url_is_stored_leaves_no_entities_behind(store) {
        let first = new_article("https://a.example/1", "One", None);
        store.insert_scanned_article(&first, 1, &[]).await.unwrap();
        let again = new_article("https://a.example/1", "One again", None);
        let elsewhere = named("place:elsewhere", "Elsewhere", EntityKind::Place, 1);
        let err = store.insert_scanned_article(&again, 1, &[elsewhere]).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        let (entities,): (i64,) = store.row("SELECT COUNT(*) FROM entities", &[]).await;
        assert_eq!(entities, 0);
        let (links,): (i64,) = store.row("SELECT COUNT(*) FROM article_entities", &[]).await;
        assert_eq!(links, 0);
    });

    store_test!(async fn pages_stored_together_are_stored_as_one_at_a_time_would_be(store) {
        use crate::{FetchRecord, NewPage, PageStored};
        let fetch = |url: &str, error: Option<&str>| FetchRecord {
            url: url.to_string(),
            final_url: None,
            status: Some(200),
            content_hash: None,
            fetched_at: chrono::Utc::now(),
            error: error.map(str::to_string),
        };
        let page = |url: &str, entities: Vec<ArticleEntity>| NewPage {
            fetch: fetch(url, None),
            article: Some((new_article(url, "Title", None), entities)),
        };
        let earlier = store
            .insert_scanned_article(&new_article("https://a.example/old", "Old", None), 1, &[])
            .await
            .unwrap();
        let germany = || named("place:germany", "Germany", EntityKind::Place, 2);
        let pages = vec![
            page("https://a.example/1", vec![germany()]),
            NewPage {
                fetch: fetch("https://a.example/broken", Some("no article in it")),
                article: None,
            },
            // The same URL again, within the call and from before it.
            page("https://a.example/1", vec![named("place:elsewhere", "Elsewhere", EntityKind::Place, 1)]),
            page("https://a.example/old", vec![]),
            page("https://b.example/2", vec![germany()]),
        ];
        let stored = store.store_pages(pages, 1).await.unwrap();
        let [PageStored::New(a), PageStored::Recorded(_), PageStored::Known(again), PageStored::Known(old), PageStored::New(b)] =
            stored[..]
        else {
            panic!("{stored:?}");
        };
        assert_eq!((again, old), (a, earlier));
        assert!(earlier < a && a < b, "ids in the order given");
        // A known page leaves no fetch behind; the new ones and the broken one do.
        assert_eq!(store.stats().await.unwrap().fetches, 3);
        let (error,): (Option<String>,) = store
            .row("SELECT error FROM fetches WHERE url = 'https://a.example/broken'", &[])
            .await;
        assert_eq!(error.as_deref(), Some("no article in it"));
        let stored_a = store.article(a).await.unwrap().unwrap();
        assert_eq!(stored_a.article.title.as_deref(), Some("Title"));
        let (fetch_of_a,): (Option<i64>,) = store.row(&format!("SELECT fetch_id FROM articles WHERE id = {a}"), &[]).await;
        assert!(fetch_of_a.is_some(), "the article names its fetch");
        // Both are scanned, and the entity of the repeated URL was not stored.
        assert!(store.articles_lacking_entities(1, 10).await.unwrap().is_empty());
        let (entities,): (i64,) = store.row("SELECT COUNT(*) FROM entities", &[]).await;
        assert_eq!(entities, 1);
        let (links,): (i64,) = store.row("SELECT COUNT(*) FROM article_entities", &[]).await;
        assert_eq!(links, 2);
    });

    // SQLite's writes take turns on one connection: many writers at once
    // must queue for it, not wait on each other forever.
    store_test!(multi_thread async fn many_writers_at_once_all_store_and_place_their_articles(store) {
        let mut tasks = Vec::new();
        for i in 0..24 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let entities = [named(&format!("place:k{}", i % 5), "Somewhere", EntityKind::Place, 1)];
                let url = format!("https://a.example/{i}");
                let id = store.insert_scanned_article(&new_article(&url, "One", None), 1, &entities).await?;
                let placement = crate::StoryPlacement {
                    story_key: format!("story-{}", i % 3),
                    copy_of: None,
                    redated: false,
                };
                store.assign_story(id, &placement).await?;
                store.article(id).await
            }));
        }
        for task in tasks {
            let stored = task.await.unwrap().unwrap().unwrap();
            assert!(stored.story.is_some());
        }
        assert_eq!(store.stats().await.unwrap().stories, 3);
        assert!(store.articles_lacking_entities(1, 100).await.unwrap().is_empty());
    });

    // Found by bench/crash_workers.py: two workers storing articles that
    // name the same entities in opposite orders deadlocked on PostgreSQL
    // (each locked one entity row and waited for the other's).
    store_test!(multi_thread async fn two_writers_naming_the_same_entities_in_opposite_orders_do_not_deadlock(store) {
        let keys: Vec<String> = (0..12).map(|i| format!("place:k{i}")).collect();
        let forward: Vec<ArticleEntity> =
            keys.iter().map(|k| named(k, k, EntityKind::Place, 1)).collect();
        let backward: Vec<ArticleEntity> = forward.iter().rev().cloned().collect();
        let mut articles = Vec::new();
        for i in 0..40 {
            let url = format!("https://a.example/{i}");
            articles.push(store.insert_article(&new_article(&url, "One", None)).await.unwrap());
        }
        let mut tasks = Vec::new();
        for (i, &article) in articles.iter().enumerate() {
            let store = store.clone();
            let list = if i % 2 == 0 { forward.clone() } else { backward.clone() };
            tasks.push(tokio::spawn(async move { store.set_article_entities(article, 1, &list).await }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let (rows,): (i64,) = store.row("SELECT COUNT(*) FROM article_entities", &[]).await;
        assert_eq!(rows, 40 * 12);
        let (entities,): (i64,) = store.row("SELECT COUNT(*) FROM entities", &[]).await;
        assert_eq!(entities, 12);
    });

    // Found by bench/workers.py: the worker that stored an article and the
    // leader that found it lacking entities scanned it at once, and one of
    // them failed on article_entities' primary key (PostgreSQL).
    store_test!(multi_thread async fn two_scans_of_one_article_at_once_leave_one_set_of_entities(store) {
        let entities: Vec<ArticleEntity> =
            (0..8).map(|i| named(&format!("place:k{i}"), "Somewhere", EntityKind::Place, 1)).collect();
        for round in 0..10 {
            let url = format!("https://a.example/{round}");
            let article = store.insert_article(&new_article(&url, "One", None)).await.unwrap();
            let mut tasks = Vec::new();
            for _ in 0..4 {
                let (store, list) = (store.clone(), entities.clone());
                tasks.push(tokio::spawn(async move { store.set_article_entities(article, 1, &list).await }));
            }
            for task in tasks {
                task.await.unwrap().unwrap();
            }
        }
        let (rows,): (i64,) = store.row("SELECT COUNT(*) FROM article_entities", &[]).await;
        assert_eq!(rows, 10 * 8);
    });

    #[tokio::test]
    async fn an_article_naming_more_entities_than_one_statement_holds_keeps_them_all() {
        use crate::Store;
        let (_dir, store) = crate::test_support::sqlite_store().await;
        let a = store
            .insert_article(&new_article("https://a.example/1", "One", None))
            .await
            .unwrap();
        // Two and a half statements' worth, one key listed twice, one known
        // already under another name.
        let known = named("place:k7", "Somewhere", EntityKind::Place, 1);
        store.set_article_entities(a, 1, &[known]).await.unwrap();
        let mut many: Vec<ArticleEntity> = (0..ENTITY_ROWS * 5 / 2)
            .map(|i| named(&format!("place:k{i}"), &format!("Place {i}"), EntityKind::Place, 1))
            .collect();
        many.push(named("place:k3", "Place 3", EntityKind::Place, 4));
        store.set_article_entities(a, 1, &many).await.unwrap();
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT e.key, e.name, ae.mentions FROM article_entities ae \
             JOIN entities e ON e.id = ae.entity_id WHERE ae.article_id = ? ORDER BY e.id",
        )
        .bind(a.0)
        .fetch_all(&store.pool)
        .await
        .unwrap();
        assert_eq!(rows.len(), ENTITY_ROWS * 5 / 2);
        let mentions = |key: &str| rows.iter().find(|r| r.0 == key).map(|r| (r.1.clone(), r.2));
        assert_eq!(mentions("place:k3"), Some(("Place 3".to_string(), 5)));
        assert_eq!(mentions("place:k7"), Some(("Somewhere".to_string(), 1)));
        assert_eq!(mentions("place:k499"), Some(("Place 499".to_string(), 1)));
    }

    store_test!(async fn an_unknown_article_is_not_found(store) {
        let err = store.set_article_entities(ArticleId(99), 1, &[]).await.unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    });

    store_test!(async fn a_story_lists_its_entities_most_mentioned_first_and_an_entity_its_stories_newest_first(store) {
        let old = store
            .insert_article(&new_article(
                "https://a.example/old",
                "Old",
                Some("2026-01-01T10:00:00Z"),
            ))
            .await
            .unwrap();
        let new = store
            .insert_article(&new_article(
                "https://a.example/new",
                "New",
                Some("2026-03-01T10:00:00Z"),
            ))
            .await
            .unwrap();
        let also = store
            .insert_article(&new_article(
                "https://b.example/new",
                "New too",
                Some("2026-03-01T11:00:00Z"),
            ))
            .await
            .unwrap();
        let old_story = store.assign_story(old, &placement("old")).await.unwrap();
        let new_story = store.assign_story(new, &placement("new")).await.unwrap();
        store.assign_story(also, &placement("new")).await.unwrap();

        let keller = named("person:jan keler", "Jan Keller", EntityKind::Person, 1);
        let valmora = named("place:valmora", "Valmora", EntityKind::Place, 1);
        store
            .set_article_entities(old, 1, std::slice::from_ref(&keller))
            .await
            .unwrap();
        store
            .set_article_entities(
                new,
                1,
                &[keller.clone(), named("place:valmora", "Valmora", EntityKind::Place, 2)],
            )
            .await
            .unwrap();
        store.set_article_entities(also, 1, &[valmora, keller]).await.unwrap();

        let listed = store.story_entities(new_story, 10).await.unwrap();
        let names: Vec<(&str, u64, u64)> = listed
            .iter()
            .map(|e| (e.name.as_str(), e.mentions, e.articles))
            .collect();
        assert_eq!(names, [("Valmora", 3, 2), ("Jan Keller", 2, 2)]);
        assert_eq!(store.story_entities(new_story, 1).await.unwrap().len(), 1);

        let keller_id = listed[1].id;
        let stories = store.entity_stories(keller_id, 10, 0).await.unwrap();
        let ids: Vec<StoryId> = stories.iter().map(|s| s.id).collect();
        assert_eq!(ids, [new_story, old_story]);
        assert_eq!(store.count_entity_stories(keller_id).await.unwrap(), 2);
        let second_page = store.entity_stories(keller_id, 1, 1).await.unwrap();
        assert_eq!(second_page.iter().map(|s| s.id).collect::<Vec<_>>(), [old_story]);
        assert!(store.entity(EntityId(999)).await.unwrap().is_none());
        assert!(store.entity_stories(EntityId(999), 10, 0).await.unwrap().is_empty());
    });

    /// What the queries by entity answer, and what the old queries over
    /// `article_entities` alone (every link, no fold) answer: they must agree.
    async fn by_entity_agrees(store: &crate::SqliteStore, context: &str) {
        let api: &dyn crate::Store = store;
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM entities ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        for id in ids {
            let (mentions, articles): (i64, i64) =
                sqlx::query_as("SELECT COALESCE(SUM(mentions), 0), COUNT(*) FROM article_entities WHERE entity_id = ?")
                    .bind(id)
                    .fetch_one(&store.pool)
                    .await
                    .unwrap();
            let stories: Vec<i64> = sqlx::query_scalar(
                "SELECT s.id FROM stories s WHERE s.id IN (SELECT m.story_id FROM article_entities ae \
                 JOIN story_members m ON m.article_id = ae.article_id WHERE ae.entity_id = ?) \
                 ORDER BY s.updated_unix DESC, s.id DESC",
            )
            .bind(id)
            .fetch_all(&store.pool)
            .await
            .unwrap();
            let entity = api.entity(EntityId(id)).await.unwrap().unwrap();
            assert_eq!(
                (entity.mentions, entity.articles),
                (mentions as u64, articles as u64),
                "{context}: entity {id}"
            );
            let listed = api.entity_stories(EntityId(id), 100, 0).await.unwrap();
            assert_eq!(
                listed.iter().map(|s| s.id.0).collect::<Vec<_>>(),
                stories,
                "{context}: entity {id}"
            );
            let counted = api.count_entity_stories(EntityId(id)).await.unwrap();
            assert_eq!(counted, stories.len() as u64, "{context}: entity {id}");
        }
        // And the folded links are exactly the links at or below the mark.
        assert_eq!(
            store.fold_state().await.unwrap().disagreeing,
            0,
            "{context}: folded links"
        );
    }

    async fn fold_through(store: &crate::SqliteStore, upto: ArticleId) {
        let mut conn = store.pool.acquire().await.unwrap();
        let through: i64 = sqlx::query_scalar("SELECT through FROM entity_postings_mark WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        fold(&mut conn, through, upto.0).await.unwrap();
    }

    #[tokio::test]
    async fn links_by_entity_read_the_same_folded_or_not_after_rescans_and_deletes() {
        let (_dir, store) = crate::test_support::sqlite_store().await;
        let people = ["person:a", "person:b", "person:c", "person:d"];
        let mut articles = Vec::new();
        for i in 0..8usize {
            let names: Vec<ArticleEntity> = (0..=i % 3)
                .map(|k| {
                    named(
                        people[(i + k) % 4],
                        people[(i + k) % 4],
                        EntityKind::Person,
                        (k + 1) as u32,
                    )
                })
                .collect();
            let id = store
                .insert_scanned_article(&new_article(&format!("https://a.example/{i}"), "T", None), 1, &names)
                .await
                .unwrap();
            store
                .assign_story(id, &placement(&format!("s{}", i % 3)))
                .await
                .unwrap();
            articles.push(id);
        }
        by_entity_agrees(&store, "nothing folded").await;
        fold_through(&store, articles[4]).await;
        by_entity_agrees(&store, "five folded").await;

        // A folded article scanned again names others; an unfolded one too.
        let other = [
            named("place:x", "X", EntityKind::Place, 3),
            named("person:a", "A", EntityKind::Person, 1),
        ];
        store.set_article_entities(articles[1], 2, &other).await.unwrap();
        store.set_article_entities(articles[6], 2, &other).await.unwrap();
        by_entity_agrees(&store, "scanned again").await;

        // A folded article deleted; an entity deleted with its links.
        sqlx::query("DELETE FROM articles WHERE id = ?")
            .bind(articles[2].0)
            .execute(&store.pool)
            .await
            .unwrap();
        by_entity_agrees(&store, "article deleted").await;
        sqlx::query("DELETE FROM entities WHERE key = 'person:b'")
            .execute(&store.pool)
            .await
            .unwrap();
        by_entity_agrees(&store, "entity deleted").await;

        // The rest folded; then the newest deleted and its id used again
        // below the mark.
        fold_through(&store, articles[7]).await;
        by_entity_agrees(&store, "all folded").await;
        sqlx::query("DELETE FROM articles WHERE id = ?")
            .bind(articles[7].0)
            .execute(&store.pool)
            .await
            .unwrap();
        let again = store
            .insert_scanned_article(&new_article("https://a.example/again", "T", None), 1, &other)
            .await
            .unwrap();
        assert_eq!(again, articles[7], "SQLite gives the newest id again");
        store.assign_story(again, &placement("s0")).await.unwrap();
        by_entity_agrees(&store, "an id used again").await;
    }

    #[tokio::test]
    async fn the_links_of_4096_articles_above_the_mark_are_folded_by_the_store_itself() {
        let (_dir, store) = crate::test_support::sqlite_store().await;
        let mark = || async {
            let row: (i64, i64) = sqlx::query_as(
                "SELECT (SELECT through FROM entity_postings_mark), (SELECT COUNT(*) FROM entity_postings)",
            )
            .fetch_one(&store.pool)
            .await
            .unwrap();
            row
        };
        let germany = [named("place:germany", "Germany", EntityKind::Place, 1)];
        for i in 1..FOLD_EVERY {
            store
                .insert_scanned_article(&new_article(&format!("https://a.example/{i}"), "T", None), 1, &germany)
                .await
                .unwrap();
        }
        assert_eq!(mark().await, (0, 0));
        let last = store
            .insert_scanned_article(&new_article("https://a.example/last", "T", None), 1, &germany)
            .await
            .unwrap();
        assert_eq!(mark().await, (last.0, FOLD_EVERY));
        by_entity_agrees(&store, "folded by the store").await;
        assert_eq!(
            store.fold_state().await.unwrap(),
            FoldState {
                through: last.0,
                disagreeing: 0
            }
        );
    }
}
