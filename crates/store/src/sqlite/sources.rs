//! SQLite storage of sources: feeds and sites.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use model::{Source, SourceKind};

use crate::{Error, Result, SourceId, StoredSource};

pub(super) async fn add(pool: &SqlitePool, source: &Source) -> Result<SourceId> {
    // The no-op-looking update makes RETURNING yield the existing row's id
    // on a repeat, and lets a source first seen without a title gain one.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sources (kind, url, title, added_at) VALUES (?, ?, ?, ?) \
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

#[derive(sqlx::FromRow)]
struct SourceRow {
    id: i64,
    kind: String,
    url: String,
    title: Option<String>,
    added_at: DateTime<Utc>,
    polled_at: Option<DateTime<Utc>>,
}

pub(super) async fn list(pool: &SqlitePool, kind: Option<SourceKind>) -> Result<Vec<StoredSource>> {
    const COLUMNS: &str = "SELECT id, kind, url, title, added_at, polled_at FROM sources";
    let rows: Vec<SourceRow> = match kind {
        Some(kind) => {
            sqlx::query_as(&format!("{COLUMNS} WHERE kind = ? ORDER BY id"))
                .bind(kind.as_str())
                .fetch_all(pool)
                .await?
        }
        None => {
            sqlx::query_as(&format!("{COLUMNS} ORDER BY id"))
                .fetch_all(pool)
                .await?
        }
    };
    rows.into_iter().map(StoredSource::try_from).collect()
}

impl TryFrom<SourceRow> for StoredSource {
    type Error = Error;

    fn try_from(row: SourceRow) -> Result<StoredSource> {
        let kind = match row.kind.as_str() {
            "feed" => SourceKind::Feed,
            "site" => SourceKind::Site,
            other => return Err(Error::Corrupt(format!("source {} has unknown kind {other:?}", row.id))),
        };
        Ok(StoredSource {
            id: SourceId(row.id),
            kind,
            url: row.url,
            title: row.title,
            added_at: row.added_at,
            polled_at: row.polled_at,
        })
    }
}

pub(super) async fn mark_polled(pool: &SqlitePool, id: SourceId, at: DateTime<Utc>) -> Result<()> {
    let done = sqlx::query("UPDATE sources SET polled_at = ? WHERE id = ?")
        .bind(at)
        .bind(id.0)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(format!("source {id}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::test_support::fresh_store;
    use crate::Store;

    use super::*;

    fn feed(url: &str, title: Option<&str>) -> Source {
        Source {
            kind: SourceKind::Feed,
            url: url.to_string(),
            title: title.map(str::to_string),
        }
    }

    #[tokio::test]
    async fn adding_the_same_url_twice_returns_the_first_id() {
        let (_dir, store) = fresh_store().await;
        let first = store.add_source(&feed("https://a.example/rss", None)).await.unwrap();
        let other = store.add_source(&feed("https://b.example/rss", None)).await.unwrap();
        let again = store
            .add_source(&feed("https://a.example/rss", Some("A News")))
            .await
            .unwrap();
        assert_eq!(first, again);
        assert_ne!(first, other);
        let all = store.sources(None).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].title.as_deref(), Some("A News"), "a missing title is filled in");
    }

    #[tokio::test]
    async fn a_repeat_does_not_overwrite_a_known_title() {
        let (_dir, store) = fresh_store().await;
        store
            .add_source(&feed("https://a.example/rss", Some("First")))
            .await
            .unwrap();
        store
            .add_source(&feed("https://a.example/rss", Some("Second")))
            .await
            .unwrap();
        let all = store.sources(None).await.unwrap();
        assert_eq!(all[0].title.as_deref(), Some("First"));
    }

    #[tokio::test]
    async fn lists_by_kind_oldest_first() {
        let (_dir, store) = fresh_store().await;
        let site = Source {
            kind: SourceKind::Site,
            url: "https://site.example".to_string(),
            title: None,
        };
        let f1 = store.add_source(&feed("https://f1.example/rss", None)).await.unwrap();
        let s1 = store.add_source(&site).await.unwrap();
        let f2 = store.add_source(&feed("https://f2.example/rss", None)).await.unwrap();

        let feeds = store.sources(Some(SourceKind::Feed)).await.unwrap();
        assert_eq!(feeds.iter().map(|s| s.id).collect::<Vec<_>>(), vec![f1, f2]);
        assert!(feeds.iter().all(|s| s.kind == SourceKind::Feed));

        let sites = store.sources(Some(SourceKind::Site)).await.unwrap();
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].id, s1);
        assert_eq!(sites[0].url, "https://site.example");
        assert!(sites[0].polled_at.is_none());

        assert_eq!(store.sources(None).await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn marks_a_source_polled_and_keeps_the_exact_instant() {
        let (_dir, store) = fresh_store().await;
        let id = store.add_source(&feed("https://a.example/rss", None)).await.unwrap();
        let at = Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        store.mark_source_polled(id, at).await.unwrap();
        let stored = store.sources(None).await.unwrap();
        assert_eq!(stored[0].polled_at, Some(at));
    }

    #[tokio::test]
    async fn polling_an_unknown_source_is_not_found() {
        let (_dir, store) = fresh_store().await;
        let err = store.mark_source_polled(SourceId(42), Utc::now()).await.unwrap_err();
        assert!(matches!(err, Error::NotFound(ref what) if what == "source 42"), "{err}");
    }
}
