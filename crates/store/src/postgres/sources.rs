//! PostgreSQL storage of sources: feeds, sitemaps and sites, with their
//! polling state and WebSub subscriptions.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use model::{Source, SourceKind};

use super::id_array;
use crate::sqlite::sources::{country_code, origin, SourceRow, SOURCE_COLUMNS};
use crate::{ArticleId, ArticleOrigin, Error, Result, SourceId, StoredSource, WebSub};

pub(super) async fn add(pool: &PgPool, source: &Source) -> Result<SourceId> {
    // The no-op-looking update makes RETURNING yield the existing row's id
    // on a repeat, and lets a source first seen without a title gain one.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sources (kind, url, title, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (url) DO UPDATE SET title = COALESCE(sources.title, excluded.title) \
         RETURNING id",
    )
    .bind(source.kind.as_str())
    .bind(&source.url)
    .bind(&source.title)
    .bind(Utc::now())
    .fetch_one(pool)
    .await?;
    Ok(SourceId(id))
}

pub(super) async fn list(pool: &PgPool, kind: Option<SourceKind>) -> Result<Vec<StoredSource>> {
    // A NULL kind lists them all.
    let rows: Vec<SourceRow> = sqlx::query_as(&format!(
        "SELECT {SOURCE_COLUMNS} FROM sources WHERE $1::TEXT IS NULL OR kind = $1 ORDER BY id"
    ))
    .bind(kind.map(|k| k.as_str()))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(StoredSource::try_from).collect()
}

pub(super) async fn get(pool: &PgPool, id: SourceId) -> Result<Option<StoredSource>> {
    let row: Option<SourceRow> = sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.map(StoredSource::try_from).transpose()
}

pub(super) async fn by_url(pool: &PgPool, url: &str) -> Result<Option<StoredSource>> {
    let row: Option<SourceRow> = sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE url = $1"))
        .bind(url)
        .fetch_optional(pool)
        .await?;
    row.map(StoredSource::try_from).transpose()
}

/// Notes a poll's time, both as `polled_at` and as the state's `last_poll`.
pub(super) async fn mark_polled(pool: &PgPool, id: SourceId, at: DateTime<Utc>) -> Result<()> {
    let done = sqlx::query("UPDATE sources SET polled_at = $1, last_poll = $1 WHERE id = $2")
        .bind(at)
        .bind(id.0)
        .execute(pool)
        .await?;
    touched(done.rows_affected(), id)
}

/// Deletes a source and its polls, and detaches its articles, as the
/// foreign keys' actions would, and as the SQLite backend does by hand.
pub(super) async fn remove(tx: &mut Transaction<'static, Postgres>, id: SourceId) -> Result<bool> {
    sqlx::query("DELETE FROM polls WHERE source_id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE articles SET source_id = NULL WHERE source_id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query("DELETE FROM sources WHERE id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn set_websub(pool: &PgPool, id: SourceId, websub: Option<&WebSub>) -> Result<()> {
    let done = sqlx::query(
        "UPDATE sources SET websub_hub = $1, websub_topic = $2, websub_secret = $3, websub_state = $4, \
         websub_lease_until = $5 WHERE id = $6",
    )
    .bind(websub.map(|w| &w.hub))
    .bind(websub.map(|w| &w.topic))
    .bind(websub.map(|w| &w.secret))
    .bind(websub.map(|w| w.state.as_str()))
    .bind(websub.and_then(|w| w.lease_until))
    .bind(id.0)
    .execute(pool)
    .await?;
    touched(done.rows_affected(), id)
}

pub(super) async fn count_articles(pool: &PgPool, id: SourceId) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM articles WHERE source_id = $1")
        .bind(id.0)
        .fetch_one(pool)
        .await?;
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("article count of source {id} is {n}")))
}

pub(super) async fn set_country(pool: &PgPool, id: SourceId, country: Option<&str>) -> Result<()> {
    let code = country.map(|c| country_code(id, c)).transpose()?;
    let done = sqlx::query("UPDATE sources SET country = $1 WHERE id = $2")
        .bind(code)
        .bind(id.0)
        .execute(pool)
        .await?;
    touched(done.rows_affected(), id)
}

pub(super) async fn country(pool: &PgPool, id: SourceId) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = sqlx::query_as("SELECT country FROM sources WHERE id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.map(|(country,)| country)
        .ok_or_else(|| Error::NotFound(format!("source {id}")))
}

/// Each of `ids` that exists, with its addresses and its source's country.
pub(super) async fn article_origins(pool: &PgPool, ids: &[ArticleId]) -> Result<HashMap<ArticleId, ArticleOrigin>> {
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT a.id, a.canonical_url, a.url, s.country FROM articles a \
         LEFT JOIN sources s ON s.id = a.source_id WHERE a.id = ANY($1)",
    )
    .bind(id_array(ids, |id| id.0))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(origin).collect())
}

/// NotFound when an update by id touched no row: the source is gone.
fn touched(rows: u64, id: SourceId) -> Result<()> {
    if rows == 0 {
        return Err(Error::NotFound(format!("source {id}")));
    }
    Ok(())
}
