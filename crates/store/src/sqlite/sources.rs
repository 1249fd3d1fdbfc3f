//! SQLite storage of sources: feeds, sitemaps and sites, with their polling
//! state and WebSub subscriptions.

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqlitePool, Transaction};

use model::{Source, SourceKind};

use crate::{ArticleId, ArticleOrigin, Error, FeedState, Result, SourceId, StoredSource, WebSub, WebSubState};

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

/// Every column of a source, in [`SourceRow`]'s order.
pub(crate) const SOURCE_COLUMNS: &str = "id, kind, url, title, added_at, polled_at, \
     etag, last_modified, last_poll, last_success, last_status, last_error, error_count, \
     interval_secs, next_poll, wait_until, \
     websub_hub, websub_topic, websub_secret, websub_state, websub_lease_until";

#[derive(sqlx::FromRow)]
pub(crate) struct SourceRow {
    id: i64,
    kind: String,
    url: String,
    title: Option<String>,
    added_at: DateTime<Utc>,
    polled_at: Option<DateTime<Utc>>,
    etag: Option<String>,
    last_modified: Option<String>,
    last_poll: Option<DateTime<Utc>>,
    last_success: Option<DateTime<Utc>>,
    last_status: Option<i64>,
    last_error: Option<String>,
    error_count: i64,
    interval_secs: Option<i64>,
    next_poll: Option<DateTime<Utc>>,
    wait_until: Option<DateTime<Utc>>,
    websub_hub: Option<String>,
    websub_topic: Option<String>,
    websub_secret: Option<String>,
    websub_state: Option<String>,
    websub_lease_until: Option<DateTime<Utc>>,
}

pub(super) async fn list(pool: &SqlitePool, kind: Option<SourceKind>) -> Result<Vec<StoredSource>> {
    let rows: Vec<SourceRow> = match kind {
        Some(kind) => {
            sqlx::query_as(&format!(
                "SELECT {SOURCE_COLUMNS} FROM sources WHERE kind = ? ORDER BY id"
            ))
            .bind(kind.as_str())
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM sources ORDER BY id"))
                .fetch_all(pool)
                .await?
        }
    };
    rows.into_iter().map(StoredSource::try_from).collect()
}

pub(super) async fn get(pool: &SqlitePool, id: SourceId) -> Result<Option<StoredSource>> {
    let row: Option<SourceRow> = sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE id = ?"))
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.map(StoredSource::try_from).transpose()
}

pub(super) async fn by_url(pool: &SqlitePool, url: &str) -> Result<Option<StoredSource>> {
    let row: Option<SourceRow> = sqlx::query_as(&format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE url = ?"))
        .bind(url)
        .fetch_optional(pool)
        .await?;
    row.map(StoredSource::try_from).transpose()
}

impl TryFrom<SourceRow> for StoredSource {
    type Error = Error;

    fn try_from(row: SourceRow) -> Result<StoredSource> {
        let id = row.id;
        let corrupt = |what: String| Error::Corrupt(format!("source {id} {what}"));
        let kind = match row.kind.as_str() {
            "feed" => SourceKind::Feed,
            "site" => SourceKind::Site,
            "sitemap" => SourceKind::Sitemap,
            other => return Err(corrupt(format!("has unknown kind {other:?}"))),
        };
        let last_status = row
            .last_status
            .map(|s| u16::try_from(s).map_err(|_| corrupt(format!("has last status {s}"))))
            .transpose()?;
        let error_count =
            u32::try_from(row.error_count).map_err(|_| corrupt(format!("has error count {}", row.error_count)))?;
        let websub = match (row.websub_hub, row.websub_topic, row.websub_secret, row.websub_state) {
            (Some(hub), Some(topic), Some(secret), Some(state)) => Some(WebSub {
                hub,
                topic,
                secret,
                state: WebSubState::from_name(&state)
                    .ok_or_else(|| corrupt(format!("has unknown WebSub state {state:?}")))?,
                lease_until: row.websub_lease_until,
            }),
            (None, None, None, None) => None,
            _ => return Err(corrupt("has a partial WebSub subscription".to_string())),
        };
        Ok(StoredSource {
            id: SourceId(id),
            kind,
            url: row.url,
            title: row.title,
            added_at: row.added_at,
            polled_at: row.polled_at,
            state: FeedState {
                etag: row.etag,
                last_modified: row.last_modified,
                last_poll: row.last_poll,
                last_success: row.last_success,
                last_status,
                last_error: row.last_error,
                error_count,
                interval_secs: row.interval_secs,
                next_poll: row.next_poll,
                wait_until: row.wait_until,
            },
            websub,
        })
    }
}

/// Notes a poll's time, both as `polled_at` and as the state's `last_poll`.
pub(super) async fn mark_polled(pool: &SqlitePool, id: SourceId, at: DateTime<Utc>) -> Result<()> {
    let done = sqlx::query("UPDATE sources SET polled_at = ?, last_poll = ? WHERE id = ?")
        .bind(at)
        .bind(at)
        .bind(id.0)
        .execute(pool)
        .await?;
    touched(done, id)
}

/// Deletes a source and its polls, and detaches its articles. The explicit
/// statements do what the foreign keys' actions would, so that the result
/// does not hang on `PRAGMA foreign_keys`.
pub(super) async fn remove(tx: &mut Transaction<'static, Sqlite>, id: SourceId) -> Result<bool> {
    sqlx::query("DELETE FROM polls WHERE source_id = ?")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE articles SET source_id = NULL WHERE source_id = ?")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query("DELETE FROM sources WHERE id = ?")
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn set_websub(pool: &SqlitePool, id: SourceId, websub: Option<&WebSub>) -> Result<()> {
    let done = sqlx::query(
        "UPDATE sources SET websub_hub = ?, websub_topic = ?, websub_secret = ?, websub_state = ?, \
         websub_lease_until = ? WHERE id = ?",
    )
    .bind(websub.map(|w| &w.hub))
    .bind(websub.map(|w| &w.topic))
    .bind(websub.map(|w| &w.secret))
    .bind(websub.map(|w| w.state.as_str()))
    .bind(websub.and_then(|w| w.lease_until))
    .bind(id.0)
    .execute(pool)
    .await?;
    touched(done, id)
}

pub(super) async fn count_articles(pool: &SqlitePool, id: SourceId) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM articles WHERE source_id = ?")
        .bind(id.0)
        .fetch_one(pool)
        .await?;
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("article count of source {id} is {n}")))
}

/// The code as stored (upper case), or [`Error::Invalid`] naming the input.
pub(crate) fn country_code(id: SourceId, country: &str) -> Result<String> {
    let code = country.trim();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        Err(Error::Invalid(format!(
            "country {country:?} of source {id}: not a two-letter ISO 3166-1 code"
        )))
    }
}

pub(super) async fn set_country(pool: &SqlitePool, id: SourceId, country: Option<&str>) -> Result<()> {
    let code = country.map(|c| country_code(id, c)).transpose()?;
    let done = sqlx::query("UPDATE sources SET country = ? WHERE id = ?")
        .bind(code)
        .bind(id.0)
        .execute(pool)
        .await?;
    touched(done, id)
}

pub(super) async fn country(pool: &SqlitePool, id: SourceId) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = sqlx::query_as("SELECT country FROM sources WHERE id = ?")
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.map(|(country,)| country)
        .ok_or_else(|| Error::NotFound(format!("source {id}")))
}

/// Articles are looked up this many at a time, well under SQLite's limit
/// on bound parameters.
const IDS_PER_QUERY: usize = 500;

/// Each of `ids` that exists, with its addresses and its source's country.
pub(super) async fn article_origins(
    pool: &SqlitePool,
    ids: &[ArticleId],
) -> Result<std::collections::HashMap<ArticleId, ArticleOrigin>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT a.id, a.canonical_url, a.url, s.country FROM articles a \
             LEFT JOIN sources s ON s.id = a.source_id WHERE a.id IN ({placeholders})"
        );
        let mut query = sqlx::query_as::<_, (i64, String, Option<String>, Option<String>)>(&sql);
        for id in chunk {
            query = query.bind(id.0);
        }
        out.extend(query.fetch_all(pool).await?.into_iter().map(origin));
    }
    Ok(out)
}

/// An article's origin as either backend reads it.
pub(crate) fn origin(
    (id, canonical_url, url, country): (i64, String, Option<String>, Option<String>),
) -> (ArticleId, ArticleOrigin) {
    let id = ArticleId(id);
    (
        id,
        ArticleOrigin {
            id,
            canonical_url,
            url,
            country,
        },
    )
}

/// NotFound when an update by id touched no row: the source is gone.
fn touched(done: sqlx::sqlite::SqliteQueryResult, id: SourceId) -> Result<()> {
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(format!("source {id}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::test_support::store_test;

    use super::*;

    fn feed(url: &str, title: Option<&str>) -> Source {
        Source {
            kind: SourceKind::Feed,
            url: url.to_string(),
            title: title.map(str::to_string),
        }
    }

    store_test!(async fn adding_the_same_url_twice_returns_the_first_id(store) {
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
    });

    store_test!(async fn a_repeat_does_not_overwrite_a_known_title(store) {
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
    });

    store_test!(async fn lists_by_kind_oldest_first(store) {
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
    });

    store_test!(async fn marks_a_source_polled_and_keeps_the_exact_instant(store) {
        let id = store.add_source(&feed("https://a.example/rss", None)).await.unwrap();
        let at = Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        store.mark_source_polled(id, at).await.unwrap();
        let stored = store.sources(None).await.unwrap();
        assert_eq!(stored[0].polled_at, Some(store.kept(at)));
    });

    store_test!(async fn finds_one_source_by_id_and_by_exact_url(store) {
        let sitemap = Source {
            kind: SourceKind::Sitemap,
            url: "https://b.example/news-sitemap.xml".to_string(),
            title: Some("B Herald".to_string()),
        };
        store.add_source(&feed("https://a.example/rss", None)).await.unwrap();
        let id = store.add_source(&sitemap).await.unwrap();

        let by_id = store.source(id).await.unwrap().expect("by id");
        assert_eq!(by_id.kind, SourceKind::Sitemap);
        assert_eq!(by_id.url, sitemap.url);
        assert_eq!(by_id.title.as_deref(), Some("B Herald"));
        assert_eq!(by_id.state, FeedState::default());
        assert_eq!(by_id.websub, None);
        assert_eq!(store.source_by_url(&sitemap.url).await.unwrap(), Some(by_id.clone()));
        assert_eq!(store.sources(None).await.unwrap()[1], by_id);
        assert_eq!(store.sources(Some(SourceKind::Sitemap)).await.unwrap(), vec![by_id]);

        assert!(store.source(SourceId(99)).await.unwrap().is_none());
        assert!(store.source_by_url("https://b.example/").await.unwrap().is_none());
        assert!(!store.remove_source(SourceId(99)).await.unwrap());
    });

    store_test!(async fn a_websub_subscription_round_trips_and_clears(store) {
        let id = store.add_source(&feed("https://a.example/rss", None)).await.unwrap();
        let mut websub = WebSub {
            hub: "https://hub.example/".to_string(),
            topic: "https://a.example/rss".to_string(),
            secret: "9f2c-weather-vane".to_string(),
            state: WebSubState::Requested,
            lease_until: None,
        };
        store.set_websub(id, Some(&websub)).await.unwrap();
        assert_eq!(store.source(id).await.unwrap().unwrap().websub.as_ref(), Some(&websub));

        websub.state = WebSubState::Active;
        websub.lease_until = Some(Utc.timestamp_opt(1_700_864_000, 250_000_000).unwrap());
        store.set_websub(id, Some(&websub)).await.unwrap();
        let stored = store.source(id).await.unwrap().unwrap();
        assert_eq!(stored.websub.as_ref(), Some(&websub));
        assert_eq!(stored.state, FeedState::default(), "the polling state is untouched");
        let json = serde_json::to_string(&stored).unwrap();
        assert!(!json.contains("weather-vane"), "the secret stays out of JSON: {json}");

        websub.state = WebSubState::Denied;
        store.set_websub(id, Some(&websub)).await.unwrap();
        assert_eq!(
            store.sources(None).await.unwrap()[0].websub.as_ref().map(|w| w.state),
            Some(WebSubState::Denied)
        );

        store.set_websub(id, None).await.unwrap();
        assert_eq!(store.source(id).await.unwrap().unwrap().websub, None);

        let err = store.set_websub(SourceId(42), Some(&websub)).await.unwrap_err();
        assert!(matches!(err, Error::NotFound(ref what) if what == "source 42"), "{err}");
    });

    store_test!(async fn marking_a_source_polled_also_sets_its_last_poll(store) {
        let id = store.add_source(&feed("https://a.example/rss", None)).await.unwrap();
        let at = Utc.timestamp_opt(1_700_000_000, 5_000).unwrap();
        store.mark_source_polled(id, at).await.unwrap();
        assert_eq!(store.source(id).await.unwrap().unwrap().state.last_poll, Some(at));
    });

    store_test!(async fn a_country_is_set_read_cleared_and_seen_from_articles(store) {
        use super::super::super::test_support::new_article;

        let id = store.add_source(&feed("https://a.example/rss", None)).await.unwrap();
        assert_eq!(store.source_country(id).await.unwrap(), None);
        store.set_source_country(id, Some(" ng ")).await.unwrap();
        assert_eq!(store.source_country(id).await.unwrap().as_deref(), Some("NG"));

        let mut linked = new_article("https://a.example/one", "One", None);
        linked.source = Some(id);
        let linked = store.insert_article(&linked).await.unwrap();
        let loose = store
            .insert_article(&new_article("https://b.example/two", "Two", None))
            .await
            .unwrap();
        let origins = store
            .article_origins(&[linked, loose, crate::ArticleId(999)])
            .await
            .unwrap();
        assert_eq!(origins.len(), 2);
        assert_eq!(origins[&linked].country.as_deref(), Some("NG"));
        assert_eq!(origins[&linked].canonical_url, "https://a.example/one");
        assert_eq!(origins[&loose].country, None);
        let texts = store.article_texts(&[loose, crate::ArticleId(999)]).await.unwrap();
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[&loose], "Body of https://b.example/two.");

        for bad in ["", "GBR", "G1", "é"] {
            let err = store.set_source_country(id, Some(bad)).await.unwrap_err();
            assert!(
                matches!(err, Error::Invalid(ref m) if m.contains(&format!("{bad:?}"))),
                "{err}"
            );
        }
        assert_eq!(store.source_country(id).await.unwrap().as_deref(), Some("NG"));
        store.set_source_country(id, None).await.unwrap();
        assert_eq!(store.source_country(id).await.unwrap(), None);

        let missing = SourceId(42);
        assert!(matches!(
            store.set_source_country(missing, Some("FR")).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(store.source_country(missing).await, Err(Error::NotFound(_))));
    });

    store_test!(async fn polling_an_unknown_source_is_not_found(store) {
        let err = store.mark_source_polled(SourceId(42), Utc::now()).await.unwrap_err();
        assert!(matches!(err, Error::NotFound(ref what) if what == "source 42"), "{err}");
    });
}
