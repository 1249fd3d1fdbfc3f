//! SQLite storage of polls: each source's poll history and polling state,
//! and which sources are due.
//!
//! Instants are RFC 3339 text in UTC as sqlx writes them (`+00:00`, with 0,
//! 3, 6 or 9 fraction digits), so comparing and ordering them as text is
//! comparing them in time: a shorter fraction is the same digits followed by
//! zeros, and `+` sorts before every digit.

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqlitePool, Transaction};

use model::SourceKind;

use super::sources::{SourceRow, SOURCE_COLUMNS};
use crate::{Error, FeedState, PollRecord, Result, SourceId, StoredSource};

/// Sets a source's state and logs the poll; `NotFound` when the source is
/// gone, before anything is written.
pub(super) async fn record(tx: &mut Transaction<'static, Sqlite>, poll: &PollRecord, state: &FeedState) -> Result<()> {
    let id = poll.source;
    let done = sqlx::query(
        "UPDATE sources SET polled_at = ?, etag = ?, last_modified = ?, last_poll = ?, last_success = ?, \
         last_status = ?, last_error = ?, error_count = ?, interval_secs = ?, next_poll = ?, wait_until = ? \
         WHERE id = ?",
    )
    .bind(poll.at)
    .bind(&state.etag)
    .bind(&state.last_modified)
    .bind(state.last_poll)
    .bind(state.last_success)
    .bind(state.last_status)
    .bind(&state.last_error)
    .bind(state.error_count)
    .bind(state.interval_secs)
    .bind(state.next_poll)
    .bind(state.wait_until)
    .bind(id.0)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(format!("source {id}")));
    }
    sqlx::query(
        "INSERT INTO polls (source_id, at, status, error, bytes, entries, new_articles, not_modified, duration_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.0)
    .bind(poll.at)
    .bind(poll.status)
    .bind(&poll.error)
    .bind(saturating_i64(poll.bytes))
    .bind(poll.entries)
    .bind(poll.new_articles)
    .bind(poll.not_modified)
    .bind(saturating_i64(poll.duration_ms))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// SQLite integers are signed; no real body or duration comes near the edge.
pub(crate) fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[derive(sqlx::FromRow)]
pub(crate) struct PollRow {
    id: i64,
    source_id: i64,
    at: DateTime<Utc>,
    status: Option<i64>,
    error: Option<String>,
    bytes: i64,
    entries: i64,
    new_articles: i64,
    not_modified: bool,
    duration_ms: i64,
}

impl TryFrom<PollRow> for PollRecord {
    type Error = Error;

    fn try_from(row: PollRow) -> Result<PollRecord> {
        let id = row.id;
        fn field<T: TryFrom<i64>>(id: i64, name: &str, value: i64) -> Result<T> {
            T::try_from(value).map_err(|_| Error::Corrupt(format!("poll {id} has {name} {value}")))
        }
        Ok(PollRecord {
            source: SourceId(row.source_id),
            at: row.at,
            status: row.status.map(|s| field(id, "status", s)).transpose()?,
            error: row.error,
            bytes: field(id, "bytes", row.bytes)?,
            entries: field(id, "entries", row.entries)?,
            new_articles: field(id, "new articles", row.new_articles)?,
            not_modified: row.not_modified,
            duration_ms: field(id, "duration", row.duration_ms)?,
        })
    }
}

/// Up to `limit` polls of a source, newest first (the later row first when
/// two share an instant).
pub(super) async fn history(pool: &SqlitePool, source: SourceId, limit: u32) -> Result<Vec<PollRecord>> {
    let rows: Vec<PollRow> = sqlx::query_as(
        "SELECT id, source_id, at, status, error, bytes, entries, new_articles, not_modified, duration_ms \
         FROM polls WHERE source_id = ? ORDER BY at DESC, id DESC LIMIT ?",
    )
    .bind(source.0)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(PollRecord::try_from).collect()
}

/// Polled sources due at `now` (all with `force`), never one told to wait
/// past `now`; never-polled first, then oldest `next_poll`, then id.
pub(super) async fn due(pool: &SqlitePool, now: DateTime<Utc>, force: bool, limit: u32) -> Result<Vec<StoredSource>> {
    let rows: Vec<SourceRow> = sqlx::query_as(&format!(
        "SELECT {SOURCE_COLUMNS} FROM sources \
         WHERE kind IN (?, ?) \
           AND (wait_until IS NULL OR wait_until <= ?) \
           AND (? OR next_poll IS NULL OR next_poll <= ?) \
         ORDER BY next_poll NULLS FIRST, id LIMIT ?"
    ))
    .bind(SourceKind::Feed.as_str())
    .bind(SourceKind::Sitemap.as_str())
    .bind(now)
    .bind(force)
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(StoredSource::try_from).collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use model::Source;

    use super::super::test_support::{new_article, store_test};
    use crate::{WebSub, WebSubState};

    use super::*;

    fn source(kind: SourceKind, url: &str) -> Source {
        Source {
            kind,
            url: url.to_string(),
            title: None,
        }
    }

    fn at(secs: i64, nanos: u32) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, nanos).unwrap()
    }

    fn poll(id: SourceId, when: DateTime<Utc>) -> PollRecord {
        PollRecord {
            source: id,
            at: when,
            status: Some(200),
            error: None,
            bytes: 1234,
            entries: 10,
            new_articles: 3,
            not_modified: false,
            duration_ms: 250,
        }
    }

    /// A state whose every field is set, to see each one come back.
    fn full_state() -> FeedState {
        FeedState {
            etag: Some("\"v7-north\"".to_string()),
            last_modified: Some("Tue, 14 Nov 2023 22:13:20 GMT".to_string()),
            last_poll: Some(at(1_700_000_000, 123_456_789)),
            last_success: Some(at(1_699_999_000, 0)),
            last_status: Some(503),
            last_error: Some("status 503 from https://a.example/rss".to_string()),
            error_count: 4,
            interval_secs: Some(1800),
            next_poll: Some(at(1_700_001_800, 500_000_000)),
            wait_until: Some(at(1_700_003_600, 0)),
        }
    }

    store_test!(async fn a_recorded_poll_sets_every_state_field_and_logs_the_poll(store) {
        let id = store
            .add_source(&source(SourceKind::Feed, "https://a.example/rss"))
            .await
            .unwrap();
        let fresh = store.source(id).await.unwrap().expect("source");
        assert_eq!(fresh.state, FeedState::default(), "a new source has a blank state");

        let state = full_state();
        let mut logged = poll(id, at(1_700_000_000, 123_456_789));
        logged.status = Some(503);
        logged.error = state.last_error.clone();
        logged.bytes = u64::from(u32::MAX) + 5;
        store.record_poll(&logged, &state).await.unwrap();

        let stored = store.source(id).await.unwrap().expect("source");
        assert_eq!(stored.state, store.kept_state(&state));
        logged.at = store.kept(logged.at);
        assert_eq!(stored.polled_at, Some(logged.at));
        assert_eq!(store.polls(id, 10).await.unwrap(), vec![logged]);

        // A later success clears what the failure left.
        let healed = FeedState {
            last_error: None,
            error_count: 0,
            wait_until: None,
            last_status: Some(304),
            ..full_state()
        };
        let mut second = poll(id, at(1_700_005_000, 0));
        second.not_modified = true;
        second.status = Some(304);
        store.record_poll(&second, &healed).await.unwrap();
        assert_eq!(store.source(id).await.unwrap().unwrap().state, store.kept_state(&healed));
    });

    store_test!(async fn a_poll_of_a_removed_source_is_not_found_and_writes_nothing(store) {
        let id = store
            .add_source(&source(SourceKind::Feed, "https://a.example/rss"))
            .await
            .unwrap();
        assert!(store.remove_source(id).await.unwrap());
        let err = store
            .record_poll(&poll(id, at(1_700_000_000, 0)), &full_state())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound(ref what) if what == "source 1"), "{err}");
        let (polls,): (i64,) = store.row("SELECT COUNT(*) FROM polls", &[]).await;
        assert_eq!(polls, 0);
    });

    store_test!(async fn poll_history_is_newest_first_per_source_and_limited(store) {
        let a = store
            .add_source(&source(SourceKind::Feed, "https://a.example/rss"))
            .await
            .unwrap();
        let b = store
            .add_source(&source(SourceKind::Sitemap, "https://b.example/sitemap.xml"))
            .await
            .unwrap();
        // Written out of order, with fractions of a second of every length.
        let times = [
            at(1_700_000_100, 0),
            at(1_700_000_000, 500_000_000),
            at(1_700_000_100, 123_000),
            at(1_700_000_000, 0),
            at(1_700_000_100, 100_000_001),
        ];
        for (n, when) in times.iter().enumerate() {
            let mut p = poll(a, *when);
            p.entries = n as u32;
            store.record_poll(&p, &FeedState::default()).await.unwrap();
        }
        store
            .record_poll(&poll(b, at(1_800_000_000, 0)), &FeedState::default())
            .await
            .unwrap();

        let history = store.polls(a, 100).await.unwrap();
        let order: Vec<_> = history.iter().map(|p| p.at).collect();
        let mut expected: Vec<_> = times.iter().map(|t| store.kept(*t)).collect();
        expected.sort_by(|x, y| y.cmp(x));
        assert_eq!(order, expected);
        assert!(history.iter().all(|p| p.source == a));

        let newest_two = store.polls(a, 2).await.unwrap();
        assert_eq!(newest_two, history[..2].to_vec());
        assert_eq!(store.polls(b, 100).await.unwrap().len(), 1);
        assert!(store.polls(SourceId(99), 10).await.unwrap().is_empty());
    });

    /// Sets only the scheduling fields of a source.
    async fn schedule(
        store: &dyn crate::Store,
        id: SourceId,
        next_poll: Option<DateTime<Utc>>,
        wait_until: Option<DateTime<Utc>>,
    ) {
        let state = FeedState {
            next_poll,
            wait_until,
            ..FeedState::default()
        };
        store
            .record_poll(&poll(id, at(1_600_000_000, 0)), &state)
            .await
            .unwrap();
    }

    store_test!(async fn due_sources_are_the_polled_kinds_whose_time_has_come_oldest_first(store) {
        let now = at(1_700_000_000, 250_000_000);
        let add = |kind, url: &'static str| {
            let store = store.clone();
            async move { store.add_source(&source(kind, url)).await.unwrap() }
        };
        let later = add(SourceKind::Feed, "https://later.example/rss").await;
        let never_a = add(SourceKind::Feed, "https://never-a.example/rss").await;
        let long_ago = add(SourceKind::Sitemap, "https://long-ago.example/sitemap.xml").await;
        let site = add(SourceKind::Site, "https://site.example").await;
        let just_now = add(SourceKind::Feed, "https://just-now.example/rss").await;
        let exactly = add(SourceKind::Feed, "https://exactly.example/rss").await;
        let never_b = add(SourceKind::Sitemap, "https://never-b.example/sitemap.xml").await;
        let waiting = add(SourceKind::Feed, "https://waiting.example/rss").await;
        let waited = add(SourceKind::Feed, "https://waited.example/rss").await;

        schedule(&*store, later, Some(now + Duration::milliseconds(1)), None).await;
        schedule(&*store, long_ago, Some(now - Duration::days(2)), None).await;
        schedule(&*store, just_now, Some(at(1_700_000_000, 0)), None).await;
        schedule(&*store, exactly, Some(now), None).await;
        // Overdue, but the server asked for quiet until after now.
        schedule(
            &*store,
            waiting,
            Some(now - Duration::days(3)),
            Some(now + store.tick()),
        )
        .await;
        // Its wait ended an hour ago.
        schedule(
            &*store,
            waited,
            Some(now - Duration::hours(1)),
            Some(now - Duration::hours(1)),
        )
        .await;

        let ids = |sources: Vec<StoredSource>| sources.into_iter().map(|s| s.id).collect::<Vec<_>>();
        let due = store.due_sources(now, false, 100).await.unwrap();
        assert_eq!(ids(due), vec![never_a, never_b, long_ago, waited, just_now, exactly]);

        let forced = store.due_sources(now, true, 100).await.unwrap();
        assert_eq!(
            ids(forced),
            vec![never_a, never_b, long_ago, waited, just_now, exactly, later],
            "force takes every polled source but the waiting one"
        );
        assert!(!store
            .due_sources(now, true, 100)
            .await
            .unwrap()
            .iter()
            .any(|s| s.id == site));

        assert_eq!(
            ids(store.due_sources(now, false, 3).await.unwrap()),
            vec![never_a, never_b, long_ago]
        );

        // Once the wait is over the source is due again.
        let after_wait = now + Duration::seconds(1);
        assert!(ids(store.due_sources(after_wait, false, 100).await.unwrap()).contains(&waiting));
    });

    store_test!(async fn due_sources_come_with_their_state_and_websub(store) {
        let id = store
            .add_source(&source(SourceKind::Feed, "https://a.example/rss"))
            .await
            .unwrap();
        let state = FeedState {
            wait_until: None,
            next_poll: Some(at(1_600_000_000, 0)),
            ..full_state()
        };
        store
            .record_poll(&poll(id, at(1_600_000_000, 0)), &state)
            .await
            .unwrap();
        let websub = WebSub {
            hub: "https://hub.example/".to_string(),
            topic: "https://a.example/rss".to_string(),
            secret: "s3cret".to_string(),
            state: WebSubState::Active,
            lease_until: None,
        };
        store.set_websub(id, Some(&websub)).await.unwrap();
        let due = store.due_sources(at(1_700_000_000, 0), false, 10).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].state, store.kept_state(&state));
        assert_eq!(due[0].websub, Some(websub));
    });

    store_test!(async fn removing_a_source_deletes_its_polls_but_keeps_its_articles(store) {
        let gone = store
            .add_source(&source(SourceKind::Feed, "https://gone.example/rss"))
            .await
            .unwrap();
        let kept = store
            .add_source(&source(SourceKind::Feed, "https://kept.example/rss"))
            .await
            .unwrap();
        let mut article = new_article("https://gone.example/1", "Harbour reopens", None);
        article.source = Some(gone);
        let article = store.insert_article(&article).await.unwrap();
        let mut other = new_article("https://kept.example/1", "Ferry resumes", None);
        other.source = Some(kept);
        let other = store.insert_article(&other).await.unwrap();
        store
            .record_poll(&poll(gone, at(1_700_000_000, 0)), &FeedState::default())
            .await
            .unwrap();
        store
            .record_poll(&poll(kept, at(1_700_000_000, 0)), &FeedState::default())
            .await
            .unwrap();
        assert_eq!(store.count_articles_of_source(gone).await.unwrap(), 1);

        assert!(store.remove_source(gone).await.unwrap());
        assert!(
            !store.remove_source(gone).await.unwrap(),
            "a second removal finds nothing"
        );
        assert!(store.source(gone).await.unwrap().is_none());

        let article = store.article(article).await.unwrap().expect("the article is kept");
        assert_eq!(article.source, None);
        assert_eq!(store.article(other).await.unwrap().unwrap().source, Some(kept));
        assert_eq!(store.count_articles_of_source(gone).await.unwrap(), 0);
        assert_eq!(store.count_articles_of_source(kept).await.unwrap(), 1);
        let left: Vec<i64> = store.rows::<(i64,)>("SELECT source_id FROM polls", &[]).await.into_iter().map(|(x,)| x).collect();
        assert_eq!(left, vec![kept.0]);
    });
}
