//! PostgreSQL storage of entities: the people, organisations and places each
//! article names, and which articles have been scanned for them.

use sqlx::{PgConnection, PgPool};

use super::{begin_snapshot, stories};
use crate::sqlite::count;
use crate::sqlite::entities::{in_query_order, merge_by_key, Row};
use crate::{ArticleEntity, ArticleId, EntityId, Error, Result, StoredEntity, StoryId, StorySummary};

/// Replaces what an article names and marks it scanned by rules of
/// `version`. Each entity row is found by its key or made; an existing
/// one keeps its name and kind.
pub(super) async fn set_for_article(
    conn: &mut PgConnection,
    article: ArticleId,
    version: u32,
    entities: &[ArticleEntity],
) -> Result<()> {
    // The article's row is locked until the commit: a worker that stored
    // the article and the leader that found it lacking entities may scan
    // it at once, and the second must see the first's rows to replace them
    // (else both insert, and one fails on the primary key).
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE id = $1 FOR UPDATE")
        .bind(article.0)
        .fetch_optional(&mut *conn)
        .await?;
    if found.is_none() {
        return Err(Error::NotFound(format!("article {article}")));
    }
    sqlx::query("DELETE FROM article_entities WHERE article_id = $1")
        .bind(article.0)
        .execute(&mut *conn)
        .await?;
    // Entity rows are locked in key order: two workers storing articles
    // that name the same entities, each in its own order, would otherwise
    // lock two rows in opposite orders and deadlock.
    let mut merged = merge_by_key(entities);
    merged.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    for (entity, mentions) in merged {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO entities (key, name, kind) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id",
        )
        .bind(&entity.key)
        .bind(&entity.name)
        .bind(entity.kind.as_str())
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query("INSERT INTO article_entities (article_id, entity_id, mentions) VALUES ($1, $2, $3)")
            .bind(article.0)
            .bind(id)
            .bind(i64::from(mentions))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO entity_scans (article_id, version) VALUES ($1, $2) \
         ON CONFLICT (article_id) DO UPDATE SET version = excluded.version",
    )
    .bind(article.0)
    .bind(i64::from(version))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Up to `limit` articles not scanned by rules of `version` (never
/// scanned, or by older rules), lowest id first.
pub(super) async fn unscanned(pool: &PgPool, version: u32, limit: u32) -> Result<Vec<ArticleId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT a.id FROM articles a LEFT JOIN entity_scans s ON s.article_id = a.id \
         WHERE s.version IS NULL OR s.version < $1 ORDER BY a.id LIMIT $2",
    )
    .bind(i64::from(version))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(ArticleId).collect())
}

/// The entities a story's articles name, most mentioned first (then by
/// more articles, then by id), at most `limit`.
pub(super) async fn of_story(pool: &PgPool, story: StoryId, limit: u32) -> Result<Vec<StoredEntity>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT e.id, e.key, e.name, e.kind, SUM(ae.mentions)::BIGINT AS mentions, COUNT(*) AS articles \
         FROM story_members m \
         JOIN article_entities ae ON ae.article_id = m.article_id \
         JOIN entities e ON e.id = ae.entity_id \
         WHERE m.story_id = $1 \
         GROUP BY e.id ORDER BY mentions DESC, articles DESC, e.id LIMIT $2",
    )
    .bind(story.0)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Row::into_entity).collect()
}

/// One entity, with its mentions over every article.
pub(super) async fn get(pool: &PgPool, id: EntityId) -> Result<Option<StoredEntity>> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT e.id, e.key, e.name, e.kind, \
         COALESCE((SELECT SUM(mentions) FROM article_entities WHERE entity_id = e.id), 0)::BIGINT AS mentions, \
         (SELECT COUNT(*) FROM article_entities WHERE entity_id = e.id) AS articles \
         FROM entities e WHERE e.id = $1",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    row.map(Row::into_entity).transpose()
}

/// The stories whose articles name an entity, newest first (by latest
/// activity, then id), after skipping `offset`.
pub(super) async fn stories_naming(pool: &PgPool, id: EntityId, limit: u32, offset: u32) -> Result<Vec<StorySummary>> {
    let mut tx = begin_snapshot(pool).await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT s.id FROM stories s WHERE s.id IN \
         (SELECT m.story_id FROM article_entities ae JOIN story_members m ON m.article_id = ae.article_id \
          WHERE ae.entity_id = $1) \
         ORDER BY s.updated_unix DESC, s.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(id.0)
    .bind(i64::from(limit))
    .bind(i64::from(offset))
    .fetch_all(&mut *tx)
    .await?;
    let loaded = stories::load(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(in_query_order(&ids, loaded))
}

/// How many stories name an entity.
pub(super) async fn count_stories_naming(pool: &PgPool, id: EntityId) -> Result<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT m.story_id) FROM article_entities ae \
         JOIN story_members m ON m.article_id = ae.article_id WHERE ae.entity_id = $1",
    )
    .bind(id.0)
    .fetch_one(pool)
    .await?;
    count(n, "entity stories")
}
