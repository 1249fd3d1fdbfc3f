//! SQLite storage of the fetch log.

use crate::{FetchId, FetchRecord, Result};

pub(super) async fn record<'c>(conn: impl sqlx::SqliteExecutor<'c>, fetch: &FetchRecord) -> Result<FetchId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO fetches (url, final_url, status, content_hash, fetched_at, error) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&fetch.url)
    .bind(&fetch.final_url)
    .bind(fetch.status.map(i32::from))
    .bind(&fetch.content_hash)
    .bind(fetch.fetched_at)
    .bind(&fetch.error)
    .fetch_one(conn)
    .await?;
    Ok(FetchId(id))
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::super::test_support::store_test;

    use super::*;

    store_test!(async fn records_successful_and_failed_fetches_as_separate_rows(store) {
        let at = Utc.timestamp_opt(1_650_000_000, 5_000_000).unwrap();
        let ok = FetchRecord {
            url: "http://a.example/x".to_string(),
            final_url: Some("https://a.example/x".to_string()),
            status: Some(200),
            content_hash: Some("ab".repeat(32)),
            fetched_at: at,
            error: None,
        };
        let failed = FetchRecord {
            url: "http://a.example/x".to_string(),
            final_url: None,
            status: Some(503),
            content_hash: None,
            fetched_at: at,
            error: Some("service unavailable".to_string()),
        };
        let first = store.record_fetch(&ok).await.unwrap();
        let second = store.record_fetch(&failed).await.unwrap();
        assert_ne!(first, second);

        type Row = (
            String,
            Option<String>,
            Option<i64>,
            Option<String>,
            DateTime<Utc>,
            Option<String>,
        );
        let row: Row = store.row("SELECT url, final_url, status, content_hash, fetched_at, error FROM fetches WHERE id = $1", &[second.0]).await;
        assert_eq!(row.0, "http://a.example/x");
        assert_eq!(row.1, None);
        assert_eq!(row.2, Some(503));
        assert_eq!(row.3, None);
        assert_eq!(row.4, at);
        assert_eq!(row.5.as_deref(), Some("service unavailable"));
        assert_eq!(store.stats().await.unwrap().fetches, 2);
    });

    store_test!(async fn a_local_file_read_has_no_status(store) {
        let id = store
            .record_fetch(&FetchRecord {
                url: "file:///data/page.html".to_string(),
                final_url: None,
                status: None,
                content_hash: None,
                fetched_at: Utc::now(),
                error: None,
            })
            .await
            .unwrap();
        let (status,): (Option<i64>,) = store.row("SELECT status FROM fetches WHERE id = $1", &[id.0]).await;
        assert_eq!(status, None);
    });
}
