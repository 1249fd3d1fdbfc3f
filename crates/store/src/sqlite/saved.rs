//! SQLite storage of saved searches.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::SqlitePool;

use crate::{Error, NewSavedSearch, Result, SavedSearch, SavedSearchId, SearchFilters, SearchSort, StoryId};

pub(crate) const DAY_FORMAT: &str = "%Y-%m-%d";

pub(super) async fn save(pool: &SqlitePool, search: &NewSavedSearch) -> Result<SavedSearchId> {
    if search.name.trim().is_empty() {
        return Err(Error::Invalid("a saved search needs a name".to_string()));
    }
    let day = |d: Option<NaiveDate>| d.map(|d| d.format(DAY_FORMAT).to_string());
    let filters = &search.filters;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO saved_searches \
         (name, query, source, language, story_id, date_from, date_to, sort, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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

pub(crate) const COLUMNS: &str = "id, name, query, source, language, story_id, date_from, date_to, sort, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: i64,
    name: String,
    query: String,
    source: Option<String>,
    language: Option<String>,
    story_id: Option<i64>,
    date_from: Option<String>,
    date_to: Option<String>,
    sort: String,
    created_at: DateTime<Utc>,
}

impl Row {
    pub(crate) fn into_saved(self) -> Result<SavedSearch> {
        let id = self.id;
        let day = |text: Option<String>, column: &str| {
            text.map(|t| {
                NaiveDate::parse_from_str(&t, DAY_FORMAT)
                    .map_err(|e| Error::Corrupt(format!("saved search {id}: {column} {t:?}: {e}")))
            })
            .transpose()
        };
        let sort = SearchSort::from_name(&self.sort)
            .ok_or_else(|| Error::Corrupt(format!("saved search {id}: sort {:?}", self.sort)))?;
        Ok(SavedSearch {
            id: SavedSearchId(id),
            name: self.name,
            query: self.query,
            filters: SearchFilters {
                source: self.source,
                language: self.language,
                story: self.story_id.map(StoryId),
                from: day(self.date_from, "date_from")?,
                to: day(self.date_to, "date_to")?,
            },
            sort,
            created_at: self.created_at,
        })
    }
}

pub(super) async fn list(pool: &SqlitePool) -> Result<Vec<SavedSearch>> {
    let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM saved_searches ORDER BY id DESC"))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(Row::into_saved).collect()
}

pub(super) async fn get(pool: &SqlitePool, id: SavedSearchId) -> Result<Option<SavedSearch>> {
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM saved_searches WHERE id = ?"))
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.map(Row::into_saved).transpose()
}

pub(super) async fn delete(pool: &SqlitePool, id: SavedSearchId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM saved_searches WHERE id = ?")
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::store_test;

    use super::*;

    fn ferry_search(name: &str) -> NewSavedSearch {
        NewSavedSearch {
            name: name.to_string(),
            query: "ferry \"Isla Verde\"".to_string(),
            filters: SearchFilters {
                source: Some("Harbour Gazette".to_string()),
                language: Some("en".to_string()),
                story: Some(StoryId(7)),
                from: NaiveDate::from_ymd_opt(2026, 11, 1),
                to: NaiveDate::from_ymd_opt(2026, 11, 30),
            },
            sort: SearchSort::Date,
        }
    }

    store_test!(async fn a_saved_search_comes_back_whole(store) {
        let before = Utc::now();
        let new = ferry_search("Ferries in November");
        let id = store.save_search(&new).await.unwrap();
        let saved = store.saved_search(id).await.unwrap().expect("saved");
        assert_eq!(saved.id, id);
        assert_eq!(saved.name, new.name);
        assert_eq!(saved.query, new.query);
        assert_eq!(saved.filters, new.filters);
        assert_eq!(saved.sort, SearchSort::Date);
        assert!(saved.created_at >= before - chrono::Duration::seconds(1));
        assert_eq!(store.saved_search(SavedSearchId(id.0 + 1)).await.unwrap(), None);
    });

    store_test!(async fn a_search_without_filters_keeps_them_empty(store) {
        let new = NewSavedSearch {
            name: "Everything on ferries".to_string(),
            query: "ferry".to_string(),
            filters: SearchFilters::default(),
            sort: SearchSort::Relevance,
        };
        let id = store.save_search(&new).await.unwrap();
        let saved = store.saved_search(id).await.unwrap().unwrap();
        assert_eq!(saved.filters, SearchFilters::default());
        assert_eq!(saved.sort, SearchSort::Relevance);
    });

    store_test!(async fn searches_are_listed_newest_first_and_deleted_once(store) {
        assert!(store.saved_searches().await.unwrap().is_empty());
        let first = store.save_search(&ferry_search("first")).await.unwrap();
        let second = store.save_search(&ferry_search("second")).await.unwrap();
        let names: Vec<String> = store
            .saved_searches()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["second", "first"]);
        assert!(store.delete_saved_search(second).await.unwrap());
        assert!(!store.delete_saved_search(second).await.unwrap());
        let left = store.saved_searches().await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].id, first);
    });

    store_test!(async fn a_blank_name_is_refused(store) {
        let err = store.save_search(&ferry_search("  ")).await.unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err}");
        assert!(store.saved_searches().await.unwrap().is_empty());
    });

    store_test!(async fn a_corrupt_row_names_itself(store) {
        let id = store.save_search(&ferry_search("odd")).await.unwrap();
        store.exec("UPDATE saved_searches SET date_from = '1 Nov' WHERE id = $1", &[id.0]).await;
        let err = store.saved_search(id).await.unwrap_err();
        assert!(err.to_string().contains("date_from \"1 Nov\""), "{err}");
    });
}
