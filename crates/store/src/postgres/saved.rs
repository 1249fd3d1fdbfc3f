//! PostgreSQL storage of saved searches.

use chrono::{NaiveDate, Utc};
use sqlx::PgPool;

use crate::sqlite::saved::{Row, COLUMNS, DAY_FORMAT};
use crate::{Error, NewSavedSearch, Result, SavedSearch, SavedSearchId};

pub(super) async fn save(pool: &PgPool, search: &NewSavedSearch) -> Result<SavedSearchId> {
    if search.name.trim().is_empty() {
        return Err(Error::Invalid("a saved search needs a name".to_string()));
    }
    let day = |d: Option<NaiveDate>| d.map(|d| d.format(DAY_FORMAT).to_string());
    let filters = &search.filters;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO saved_searches \
         (name, query, source, language, story_id, date_from, date_to, sort, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(&search.name)
    .bind(&search.query)
    .bind(&filters.source)
    .bind(&filters.language)
    .bind(filters.story.map(|s| s.0))
    .bind(day(filters.from))
    .bind(day(filters.to))
    .bind(search.sort.as_str())
    .bind(Utc::now())
    .fetch_one(pool)
    .await?;
    Ok(SavedSearchId(id))
}

pub(super) async fn list(pool: &PgPool) -> Result<Vec<SavedSearch>> {
    let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM saved_searches ORDER BY id DESC"))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(Row::into_saved).collect()
}

pub(super) async fn get(pool: &PgPool, id: SavedSearchId) -> Result<Option<SavedSearch>> {
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM saved_searches WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.map(Row::into_saved).transpose()
}

pub(super) async fn delete(pool: &PgPool, id: SavedSearchId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM saved_searches WHERE id = $1")
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
