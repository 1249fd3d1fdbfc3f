//! SQLite counts that the web server's `/metrics` reads at every scrape:
//! copies, polls by outcome, and how long the longest-waiting due source
//! has waited. Each is one indexed or small aggregate query.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use model::SourceKind;

use super::count;
use crate::{Error, PollOutcomes, Result};

/// How many rows each main table holds.
pub(super) async fn stats(pool: &SqlitePool) -> Result<crate::StoreStats> {
    let (sources, fetches, articles, stories): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM fetches), \
         (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM stories)",
    )
    .fetch_one(pool)
    .await?;
    Ok(crate::StoreStats {
        sources: count(sources, "sources")?,
        fetches: count(fetches, "fetches")?,
        articles: count(articles, "articles")?,
        stories: count(stories, "stories")?,
    })
}

/// Articles whose story membership marks them a copy or re-dated copy.
pub(super) async fn copies(pool: &SqlitePool) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM story_members WHERE copy_of IS NOT NULL OR redated <> 0")
        .fetch_one(pool)
        .await?;
    count(n, "copies")
}

/// Polls by outcome: any error first, then 304s, and the rest are ok.
pub(super) async fn poll_outcomes(pool: &SqlitePool) -> Result<PollOutcomes> {
    let (ok, not_modified, error): (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT SUM(error IS NULL AND NOT not_modified), SUM(error IS NULL AND not_modified), \
         SUM(error IS NOT NULL) FROM polls",
    )
    .fetch_one(pool)
    .await?;
    // SUM over no rows is NULL.
    Ok(PollOutcomes {
        ok: count(ok.unwrap_or(0), "ok polls")?,
        not_modified: count(not_modified.unwrap_or(0), "not-modified polls")?,
        error: count(error.unwrap_or(0), "failed polls")?,
    })
}

/// The earliest instant at which a source now due became due. The
/// conditions are those of `polls::due` without `force`; a source is due
/// from its `next_poll` (or, never polled, from when it was added), but not
/// before its `wait_until`. Instants compare as text (see `polls`), and ''
/// sorts before every instant.
pub(super) async fn oldest_due(pool: &SqlitePool, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    let oldest: Option<String> = sqlx::query_scalar(
        "SELECT MIN(MAX(COALESCE(next_poll, added_at), COALESCE(wait_until, ''))) FROM sources \
         WHERE kind IN (?, ?) \
           AND (wait_until IS NULL OR wait_until <= ?) \
           AND (next_poll IS NULL OR next_poll <= ?)",
    )
    .bind(SourceKind::Feed.as_str())
    .bind(SourceKind::Sitemap.as_str())
    .bind(now)
    .bind(now)
    .fetch_one(pool)
    .await?;
    oldest
        .map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| Error::Corrupt(format!("a source's due time {text:?}: {e}")))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use model::Source;

    use super::super::test_support::{new_article, store_test};
    use super::*;
    use crate::{FeedState, PollRecord, SourceId, Store, StoryPlacement};

    fn poll(source: SourceId, status: Option<u16>, error: Option<&str>, not_modified: bool) -> PollRecord {
        PollRecord {
            source,
            at: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            status,
            error: error.map(str::to_string),
            bytes: 0,
            entries: 0,
            new_articles: 0,
            not_modified,
            duration_ms: 10,
        }
    }

    async fn add(store: &dyn Store, kind: SourceKind, url: &str) -> SourceId {
        let source = Source {
            kind,
            url: url.to_string(),
            title: None,
        };
        store.add_source(&source).await.unwrap()
    }

    store_test!(async fn copies_count_copies_and_redated_copies_but_not_originals_or_unplaced_articles(store) {
        assert_eq!(store.count_copies().await.unwrap(), 0);
        let mut ids = Vec::new();
        for n in 0..5 {
            let url = format!("https://lantern.example/{n}");
            ids.push(
                store
                    .insert_article(&new_article(&url, "Lantern fair", None))
                    .await
                    .unwrap(),
            );
        }
        let place = |copy_of, redated| StoryPlacement {
            story_key: "fair".to_string(),
            copy_of,
            redated,
        };
        store.assign_story(ids[0], &place(None, false)).await.unwrap();
        store.assign_story(ids[1], &place(Some(ids[0]), false)).await.unwrap();
        store.assign_story(ids[2], &place(Some(ids[0]), true)).await.unwrap();
        // Re-dated without a known original (old events reported as new).
        store.assign_story(ids[3], &place(None, true)).await.unwrap();
        // ids[4] is in no story.
        assert_eq!(store.count_copies().await.unwrap(), 3);
    });

    store_test!(async fn polls_are_counted_by_outcome_an_error_first(store) {
        assert_eq!(store.poll_outcomes().await.unwrap(), PollOutcomes::default());
        let a = add(&*store, SourceKind::Feed, "https://a.example/rss").await;
        let b = add(&*store, SourceKind::Sitemap, "https://b.example/sitemap.xml").await;
        let polls = [
            poll(a, Some(200), None, false),
            poll(a, Some(200), None, false),
            poll(a, Some(304), None, true),
            poll(
                b,
                Some(503),
                Some("status 503 from https://b.example/sitemap.xml"),
                false,
            ),
            poll(b, None, Some("no address for b.example"), false),
        ];
        for p in &polls {
            store.record_poll(p, &FeedState::default()).await.unwrap();
        }
        assert_eq!(
            store.poll_outcomes().await.unwrap(),
            PollOutcomes {
                ok: 2,
                not_modified: 1,
                error: 2
            }
        );
    });

    store_test!(async fn the_oldest_due_source_sets_the_lag_and_waiting_or_later_ones_do_not(store) {
        // Later than every source's `added_at` (the real clock), so that a
        // never-polled source is due.
        let now = store.kept(Utc::now() + Duration::days(1));
        assert_eq!(store.oldest_due(now).await.unwrap(), None, "no source at all");

        let schedule = |id, next_poll: Option<DateTime<Utc>>, wait_until: Option<DateTime<Utc>>| {
            let store = store.clone();
            async move {
                let state = FeedState {
                    next_poll,
                    wait_until,
                    ..FeedState::default()
                };
                store
                    .record_poll(&poll(id, Some(200), None, false), &state)
                    .await
                    .unwrap();
            }
        };
        let two_hours = add(&*store, SourceKind::Feed, "https://two.example/rss").await;
        let one_hour = add(&*store, SourceKind::Sitemap, "https://one.example/sitemap.xml").await;
        let later = add(&*store, SourceKind::Feed, "https://later.example/rss").await;
        let waiting = add(&*store, SourceKind::Feed, "https://waiting.example/rss").await;
        let waited = add(&*store, SourceKind::Feed, "https://waited.example/rss").await;
        // A site is never polled, so never due.
        add(&*store, SourceKind::Site, "https://site.example").await;
        schedule(two_hours, Some(now - Duration::hours(2)), None).await;
        schedule(one_hour, Some(now - Duration::hours(1)), None).await;
        schedule(later, Some(now + Duration::hours(1)), None).await;
        schedule(
            waiting,
            Some(now - Duration::hours(5)),
            Some(now + Duration::minutes(1)),
        )
        .await;
        // Overdue ten hours, but told to wait until half an hour ago.
        schedule(
            waited,
            Some(now - Duration::hours(10)),
            Some(now - Duration::minutes(30)),
        )
        .await;
        assert_eq!(store.oldest_due(now).await.unwrap(), Some(now - Duration::hours(2)));
        assert_eq!(
            store.oldest_due(now - Duration::hours(3)).await.unwrap(),
            None,
            "nothing was due three hours earlier"
        );

        // A feed never polled is due since it was added.
        let fresh = add(&*store, SourceKind::Feed, "https://fresh.example/rss").await;
        let added = store.source(fresh).await.unwrap().unwrap().added_at;
        assert_eq!(store.oldest_due(now).await.unwrap(), Some(added));
    });
}
