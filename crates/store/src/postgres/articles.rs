//! PostgreSQL storage of articles and their provenance.

use std::collections::HashMap;

use chrono::Utc;
use sqlx::PgPool;

use model::Provenance;

use super::id_array;
use crate::sqlite::articles::{ArticleRow, SELECT_ARTICLES};
use crate::types::provenance_of;
use crate::{ArticleId, Error, NewArticle, Result, StoredArticle};

pub(super) async fn find_by_url(pool: &PgPool, canonical_url: &str) -> Result<Option<ArticleId>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE canonical_url = $1")
        .bind(canonical_url)
        .fetch_optional(pool)
        .await?;
    Ok(id.map(ArticleId))
}

pub(super) async fn find_by_hash(pool: &PgPool, content_hash: &str) -> Result<Option<ArticleId>> {
    // The first stored is the one that later copies should point at.
    let id: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM articles WHERE content_hash = $1")
        .bind(content_hash)
        .fetch_one(pool)
        .await?;
    Ok(id.map(ArticleId))
}

/// The advisory lock that article inserts take ("rw-artid" in ASCII).
const ARTICLE_ORDER_LOCK: i64 = 0x7277_2d61_7274_6964;

/// Inserts run one at a time, each committed before the next takes an id,
/// so that ids become visible in the order they were given. Workers insert
/// side by side; the leader places articles in id order and the index
/// keeps the highest id it holds as its mark. Were a lower id to become
/// visible after a higher one was placed and indexed, a crash at the wrong
/// moment could leave it behind the mark, unindexed. SQLite gets the same
/// order from its single writer.
pub(super) async fn insert(pool: &PgPool, new: &NewArticle) -> Result<ArticleId> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(ARTICLE_ORDER_LOCK)
        .execute(&mut *tx)
        .await?;
    let article = &new.article;
    let authors = serde_json::to_string(&article.authors)
        .map_err(|e| Error::Invalid(format!("authors of {}: {e}", new.canonical_url)))?;
    let inserted = sqlx::query_scalar(
        "INSERT INTO articles (canonical_url, url, title, text, html, published, published_unix, \
         modified, authors, language, site_name, description, image, content_hash, source_id, \
         fetch_id, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
    )
    .bind(&new.canonical_url)
    .bind(&article.url)
    .bind(&article.title)
    .bind(&article.text)
    .bind(&article.html)
    .bind(article.published.map(|t| t.to_string()))
    .bind(article.published.map(|t| t.unix()))
    .bind(article.modified.map(|t| t.to_string()))
    .bind(authors)
    .bind(&article.language)
    .bind(&article.site_name)
    .bind(&article.description)
    .bind(&article.image)
    .bind(&new.content_hash)
    .bind(new.source.map(|id| id.0))
    .bind(new.fetch.map(|id| id.0))
    .bind(Utc::now())
    .fetch_one(&mut *tx)
    .await;
    let id = crate::sqlite::articles::inserted(inserted, new)?;
    tx.commit().await?;
    Ok(id)
}

pub(super) async fn provenance(pool: &PgPool, ids: &[ArticleId]) -> Result<HashMap<ArticleId, Provenance>> {
    let rows: Vec<(i64, bool, bool)> =
        sqlx::query_as("SELECT article_id, copy_of IS NOT NULL, redated FROM story_members WHERE article_id = ANY($1)")
            .bind(id_array(ids, |id| id.0))
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, is_copy, redated)| (ArticleId(id), provenance_of(is_copy, redated)))
        .collect())
}

/// The plain text of those of `ids` that exist.
pub(super) async fn texts(pool: &PgPool, ids: &[ArticleId]) -> Result<HashMap<ArticleId, String>> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, text FROM articles WHERE id = ANY($1)")
        .bind(id_array(ids, |id| id.0))
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|(id, text)| (ArticleId(id), text)).collect())
}

pub(super) async fn get(pool: &PgPool, id: ArticleId) -> Result<Option<StoredArticle>> {
    let row: Option<ArticleRow> = sqlx::query_as(&format!("{SELECT_ARTICLES} WHERE a.id = $1"))
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.map(StoredArticle::try_from).transpose()
}

pub(super) async fn after(pool: &PgPool, after: Option<ArticleId>, limit: u32) -> Result<Vec<StoredArticle>> {
    // Ids start at 1, so 0 stands for "from the beginning" on both backends.
    let rows: Vec<ArticleRow> = sqlx::query_as(&format!("{SELECT_ARTICLES} WHERE a.id > $1 ORDER BY a.id LIMIT $2"))
        .bind(after.map_or(0, |id| id.0))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(StoredArticle::try_from).collect()
}
