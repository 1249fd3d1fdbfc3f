//! SQLite storage of stories, their membership and related stories.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::parse_timestamp;
use super::tallies::{MemberFacts, Tallies};
use crate::summary::{summarize_story, Member, MemberRecord};
use crate::{
    ArticleId, ArticleSummary, Error, LeftStory, Placed, Result, StoryDetail, StoryId, StoryPlacement, StorySummary,
};

/// Ids per `IN (...)` list: far below SQLite's limit on bound parameters.
const IDS_PER_QUERY: usize = 500;

/// An article as a placement finds it: the story it is in, and what its
/// story's tallies count of it.
#[derive(sqlx::FromRow)]
struct ArticleNow {
    previous: Option<i64>,
    canonical_url: String,
    site_name: Option<String>,
    published_unix: Option<i64>,
    added_at: DateTime<Utc>,
}

/// A story as a placement finds it, with its tallies (`outlets` is NULL
/// when it has none).
#[derive(sqlx::FromRow)]
struct StoryNow {
    id: i64,
    latest_credible: Option<i64>,
    first_credible: Option<i64>,
    latest_arrival: Option<i64>,
    outlets: Option<i64>,
}

/// Stories whose members changed in a way their tallies cannot count (an
/// article moved in or out, or a member's verdict changed): their front-page
/// columns are worked out again, once each, by [`refresh_changed`]. Both
/// backends use it.
#[derive(Debug, Default)]
pub(crate) struct Changed(pub(crate) BTreeSet<i64>);

/// Works out again the front-page columns of the stories `changed` names
/// that still exist. Runs inside the caller's write transaction, after the
/// placements that changed them.
pub(super) async fn refresh_changed(conn: &mut SqliteConnection, changed: Changed) -> Result<()> {
    for story in changed.0 {
        super::front::refresh(conn, story).await?;
    }
    Ok(())
}

/// Places an article in the story for `placement.story_key`. Runs inside the
/// caller's write transaction; the stories it names in `changed` must be
/// handed to [`refresh_changed`] before the transaction commits.
pub(super) async fn assign(
    conn: &mut SqliteConnection,
    article: ArticleId,
    placement: &StoryPlacement,
    changed: &mut Changed,
) -> Result<Placed> {
    check_placement(article, placement)?;
    // Whether the article exists, the story it is in now, and what the
    // story's tallies count of it, in one read.
    let found: Option<ArticleNow> = sqlx::query_as(
        "SELECT m.story_id AS previous, a.canonical_url, a.site_name, a.published_unix, a.added_at \
         FROM articles a LEFT JOIN story_members m ON m.article_id = a.id WHERE a.id = ?",
    )
    .bind(article.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(ArticleNow {
        previous,
        canonical_url,
        site_name,
        published_unix,
        added_at,
    }) = found
    else {
        return Err(Error::NotFound(format!("article {article}")));
    };
    if let Some(original) = placement.copy_of {
        if !article_exists(conn, original).await? {
            return Err(Error::NotFound(format!(
                "article {original}, named as the original of article {article}"
            )));
        }
    }

    // Most placements join a story that exists: one read, with its
    // tallies. The caller's transaction holds the story write lock, so no
    // one adds the key between the read and the insert.
    let existing: Option<StoryNow> = sqlx::query_as(
        "SELECT s.id, t.latest_credible, t.first_credible, t.latest_arrival, t.outlets \
         FROM stories s LEFT JOIN story_tallies t ON t.story_id = s.id WHERE s.key = ?",
    )
    .bind(&placement.story_key)
    .fetch_optional(&mut *conn)
    .await?;
    let (story, tallies) = match existing {
        Some(now) => (
            now.id,
            now.outlets.map(|outlets| Tallies {
                latest_credible: now.latest_credible,
                first_credible: now.first_credible,
                latest_arrival: now.latest_arrival,
                outlets,
            }),
        ),
        None => {
            let id =
                sqlx::query_scalar("INSERT INTO stories (key, created_at, updated_unix) VALUES (?, ?, 0) RETURNING id")
                    .bind(&placement.story_key)
                    .bind(Utc::now())
                    .fetch_one(&mut *conn)
                    .await?;
            (id, Some(Tallies::default()))
        }
    };

    sqlx::query(
        "INSERT INTO story_members (article_id, story_id, copy_of, redated) VALUES (?, ?, ?, ?) \
         ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id, \
         copy_of = excluded.copy_of, redated = excluded.redated",
    )
    .bind(article.0)
    .bind(story)
    .bind(placement.copy_of.map(|id| id.0))
    .bind(placement.redated)
    .execute(&mut *conn)
    .await?;
    match tallies {
        // An article that joins a story for the first time is counted into
        // its tallies; anything else (a move, a changed verdict, a story
        // without tallies) has the story's members read again, once, when
        // the caller's placements are done.
        Some(tallies) if previous.is_none() && !changed.0.contains(&story) => {
            let member = MemberFacts {
                site_name,
                canonical_url,
                published_unix,
                copy_of: placement.copy_of.map(|id| id.0),
                redated: placement.redated,
                added_at,
            };
            let tallies = super::tallies::join(conn, story, tallies, &member).await?;
            super::front::write_columns(conn, story, &tallies).await?;
        }
        _ => {
            changed.0.insert(story);
        }
    }

    // The engine may move an article when stories merge; a story left with
    // no articles has no headline to show, so it goes.
    let mut left_story = None;
    if let Some(left) = previous.filter(|&previous| previous != story) {
        // The index still files the article under the story it left.
        sqlx::query("INSERT INTO reindex_queue (article_id) VALUES (?)")
            .bind(article.0)
            .execute(&mut *conn)
            .await?;
        let (key, remaining): (String, bool) = sqlx::query_as(
            "SELECT key, EXISTS (SELECT 1 FROM story_members WHERE story_id = s.id) FROM stories s WHERE s.id = ?",
        )
        .bind(left)
        .fetch_one(&mut *conn)
        .await?;
        if remaining {
            changed.0.insert(left);
        } else {
            sqlx::query("DELETE FROM stories WHERE id = ?")
                .bind(left)
                .execute(&mut *conn)
                .await?;
            changed.0.remove(&left);
        }
        left_story = Some(LeftStory {
            story: StoryId(left),
            key,
            removed: !remaining,
        });
    }
    Ok(Placed {
        story: StoryId(story),
        left: left_story,
    })
}

/// What a placement must be before anything is read: a key, and no
/// article a copy of itself.
pub(crate) fn check_placement(article: ArticleId, placement: &StoryPlacement) -> Result<()> {
    if placement.story_key.trim().is_empty() {
        return Err(Error::Invalid(format!("empty story key for article {article}")));
    }
    if placement.copy_of == Some(article) {
        return Err(Error::Invalid(format!("article {article} cannot be a copy of itself")));
    }
    Ok(())
}

async fn article_exists(conn: &mut SqliteConnection, id: ArticleId) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE id = ?")
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

pub(super) async fn latest(pool: &SqlitePool, limit: u32, offset: u32) -> Result<Vec<StorySummary>> {
    // One read transaction, so the page and its members are the same snapshot.
    let mut tx = pool.begin().await?;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM stories ORDER BY updated_unix DESC, id DESC LIMIT ? OFFSET ?")
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&mut *tx)
            .await?;
    let stories = load(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(stories.into_iter().map(|(summary, _)| summary).collect())
}

pub(super) async fn detail(pool: &SqlitePool, id: StoryId) -> Result<Option<StoryDetail>> {
    let mut tx = pool.begin().await?;
    let Some((summary, articles)) = load(&mut tx, &[id.0]).await?.pop() else {
        return Ok(None);
    };
    let related_ids: Vec<i64> =
        sqlx::query_scalar("SELECT related_id FROM related_stories WHERE story_id = ? ORDER BY rank")
            .bind(id.0)
            .fetch_all(&mut *tx)
            .await?;
    let related = load(&mut tx, &related_ids).await?;
    tx.commit().await?;
    Ok(Some(StoryDetail {
        summary,
        articles,
        related: related.into_iter().map(|(summary, _)| summary).collect(),
    }))
}

pub(super) async fn by_key(pool: &SqlitePool, key: &str) -> Result<Option<StoryId>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM stories WHERE key = ?")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(id.map(StoryId))
}

/// Replaces a story's related list; the order given is the rank kept.
pub(super) async fn set_related(conn: &mut SqliteConnection, story: StoryId, related: &[StoryId]) -> Result<()> {
    if related.contains(&story) {
        return Err(Error::Invalid(format!("story {story} cannot be related to itself")));
    }
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM stories WHERE id = ?")
        .bind(story.0)
        .fetch_optional(&mut *conn)
        .await?;
    if found.is_none() {
        return Err(Error::NotFound(format!("story {story}")));
    }
    sqlx::query("DELETE FROM related_stories WHERE story_id = ?")
        .bind(story.0)
        .execute(&mut *conn)
        .await?;
    let mut seen = HashSet::new();
    for (rank, other) in related.iter().filter(|id| seen.insert(**id)).enumerate() {
        let inserted = sqlx::query("INSERT INTO related_stories (story_id, related_id, rank) VALUES (?, ?, ?)")
            .bind(story.0)
            .bind(other.0)
            .bind(i64::try_from(rank).unwrap_or(i64::MAX))
            .execute(&mut *conn)
            .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
                return Err(Error::NotFound(format!(
                    "story {other}, named as related to story {story}"
                )))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// One member of a story as [`SELECT_MEMBERS`] reads it; SQLite's `load`
/// gets the same columns packed in JSON.
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct MemberRow {
    story_id: i64,
    story_key: String,
    article_id: i64,
    canonical_url: String,
    url: Option<String>,
    title: Option<String>,
    site_name: Option<String>,
    language: Option<String>,
    description: Option<String>,
    published: Option<String>,
    added_at: DateTime<Utc>,
    copy_of: Option<i64>,
    redated: bool,
}

impl TryFrom<MemberRow> for Member {
    type Error = Error;

    fn try_from(row: MemberRow) -> Result<Member> {
        let published = parse_timestamp(row.published, &format!("published of article {}", row.article_id))?;
        Ok(Member::from(MemberRecord {
            article_id: ArticleId(row.article_id),
            canonical_url: row.canonical_url,
            url: row.url,
            title: row.title,
            site_name: row.site_name,
            language: row.language,
            description: row.description,
            published,
            added_at: row.added_at,
            copy_of: row.copy_of.map(ArticleId),
            redated: row.redated,
        }))
    }
}

/// Summaries and article lists of the given stories, in the order given.
/// Ids with no story (or no articles) are left out.
///
/// Each story's members come packed in one JSON array (see
/// [`SELECT_PACKED_MEMBERS`]): a front page's twenty stories can hold
/// hundreds of members, and one row a member cost more in the driver,
/// which copies every value of every row across threads, than SQLite took
/// to find them.
pub(super) async fn load(conn: &mut SqliteConnection, ids: &[i64]) -> Result<Vec<(StorySummary, Vec<ArticleSummary>)>> {
    let mut by_story = MembersByStory::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let mut query = QueryBuilder::<Sqlite>::new(SELECT_PACKED_MEMBERS);
        query.push(" WHERE s.id IN (");
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        list.push_unseparated(") GROUP BY s.id");
        let packed: Vec<(i64, String)> = query.build_query_as().fetch_all(&mut *conn).await?;
        for (story, members) in packed {
            let rows: Vec<MemberRow> = serde_json::from_str(&members)
                .map_err(|e| Error::Corrupt(format!("the members of story {story}: {e}")))?;
            group_members(&mut by_story, rows)?;
        }
    }
    Ok(summarize_in_order(ids, by_story))
}

/// [`SELECT_MEMBERS`], one row a story: its id, and its members as a JSON
/// array of [`MemberRow`]s, each an array of the row's columns in order.
const SELECT_PACKED_MEMBERS: &str = "SELECT s.id, json_group_array(json_array(s.id, s.key, a.id, \
     a.canonical_url, a.url, a.title, a.site_name, a.language, a.description, a.published, a.added_at, \
     m.copy_of, CASE WHEN m.redated THEN json('true') ELSE json('false') END)) \
     FROM stories s JOIN story_members m ON m.story_id = s.id \
     JOIN articles a ON a.id = m.article_id";

/// Members by story, as either backend's `load` gathers them.
pub(crate) type MembersByStory = HashMap<i64, (String, Vec<Member>)>;

/// Files member rows under their stories.
pub(crate) fn group_members(by_story: &mut MembersByStory, rows: Vec<MemberRow>) -> Result<()> {
    for row in rows {
        let story = row.story_id;
        let key = row.story_key.clone();
        let member = Member::try_from(row)?;
        by_story
            .entry(story)
            .or_insert_with(|| (key, Vec::new()))
            .1
            .push(member);
    }
    Ok(())
}

/// The summaries of `ids` in the order given; those with no members are
/// left out.
pub(crate) fn summarize_in_order(
    ids: &[i64],
    mut by_story: MembersByStory,
) -> Vec<(StorySummary, Vec<ArticleSummary>)> {
    let mut loaded = Vec::with_capacity(ids.len());
    for id in ids {
        let Some((key, members)) = by_story.remove(id) else {
            continue;
        };
        loaded.extend(summarize_story(StoryId(*id), key, members));
    }
    loaded
}

/// The columns and joins `load` reads members with, on either backend.
pub(crate) const SELECT_MEMBERS: &str = "SELECT s.id AS story_id, s.key AS story_key, a.id AS article_id, \
     a.canonical_url, a.url, a.title, a.site_name, a.language, a.description, a.published, a.added_at, \
     m.copy_of, m.redated \
     FROM stories s JOIN story_members m ON m.story_id = s.id \
     JOIN articles a ON a.id = m.article_id";

#[cfg(test)]
mod tests {
    use super::super::test_support::{new_article, store_test};
    use crate::Store;

    use super::*;

    fn placement(key: &str, copy_of: Option<ArticleId>, redated: bool) -> StoryPlacement {
        StoryPlacement {
            story_key: key.to_string(),
            copy_of,
            redated,
        }
    }

    async fn add(store: &dyn Store, url: &str, title: &str, published: Option<&str>, site: Option<&str>) -> ArticleId {
        let mut new = new_article(url, title, published);
        new.article.site_name = site.map(str::to_string);
        store.insert_article(&new).await.unwrap()
    }

    #[tokio::test]
    async fn members_packed_as_json_load_as_the_same_rows_would() {
        let (_dir, store) = crate::test_support::sqlite_store().await;
        let titles = [
            Some("Quotes \"inside\", a back\\slash and a tab\there"),
            Some("Zeilen\nbruch, Umlaute äöü, 東京, emoji 🛳️"),
            None,
            Some(""),
        ];
        let mut ids = Vec::new();
        for (i, title) in titles.iter().enumerate() {
            let mut new = new_article(
                &format!("https://o{i}.example/a"),
                title.unwrap_or(""),
                Some("2025-03-01T08:00:00+01:00"),
            );
            new.article.title = title.map(str::to_string);
            new.article.site_name = (i % 2 == 0).then(|| format!("Outlet \"{i}\""));
            new.article.description = Some(format!("Lead {i} with \"quotes\" and \u{2028} a line separator"));
            new.article.language = (i != 2).then(|| "de".to_string());
            ids.push(store.insert_article(&new).await.unwrap());
        }
        store
            .assign_story(ids[0], &placement("one", None, false))
            .await
            .unwrap();
        store
            .assign_story(ids[1], &placement("one", Some(ids[0]), true))
            .await
            .unwrap();
        store
            .assign_story(ids[2], &placement("one", Some(ids[0]), false))
            .await
            .unwrap();
        let two = store
            .assign_story(ids[3], &placement("two", None, false))
            .await
            .unwrap();
        let one = store.story_by_key("one").await.unwrap().unwrap();
        let wanted = [two.0, 999, one.0];

        let mut conn = store.pool.acquire().await.unwrap();
        let packed = load(&mut conn, &wanted).await.unwrap();
        let rows: Vec<MemberRow> = sqlx::query_as(&format!("{SELECT_MEMBERS} WHERE s.id IN (?, ?, ?)"))
            .bind(wanted[0])
            .bind(wanted[1])
            .bind(wanted[2])
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let mut by_story = MembersByStory::new();
        group_members(&mut by_story, rows).unwrap();
        let by_rows = summarize_in_order(&wanted, by_story);
        assert_eq!(packed, by_rows);
        assert_eq!(packed.len(), 2, "the unknown id is left out");
        assert_eq!(packed[1].1.len(), 3);
        assert!(packed[1].1.iter().any(|a| a.redated && a.copy_of == Some(ids[0])));
    }

    store_test!(async fn one_story_per_key(store) {
        let a = add(&*store, "https://a.example/1", "A", None, None).await;
        let b = add(&*store, "https://b.example/1", "B", None, None).await;
        let c = add(&*store, "https://c.example/1", "C", None, None).await;
        let first = store.assign_story(a, &placement("k1", None, false)).await.unwrap();
        let same = store.assign_story(b, &placement("k1", Some(a), false)).await.unwrap();
        let other = store.assign_story(c, &placement("k2", None, false)).await.unwrap();
        assert_eq!(first, same);
        assert_ne!(first, other);
        assert_eq!(store.stats().await.unwrap().stories, 2);
        assert_eq!(store.story_by_key("k2").await.unwrap(), Some(other));
        assert_eq!(store.story_by_key("k3").await.unwrap(), None);

        let copy = store.article(b).await.unwrap().unwrap();
        assert_eq!(copy.story, Some(first));
        assert_eq!(copy.story_key.as_deref(), Some("k1"));
        assert_eq!(copy.copy_of, Some(a));
        assert_eq!(copy.provenance(), model::Provenance::Copy);
    });

    store_test!(async fn records_a_redated_copy(store) {
        let a = add(&*store, "https://a.example/1", "A", None, None).await;
        let b = add(&*store, "https://b.example/1", "B", None, None).await;
        store.assign_story(a, &placement("k", None, false)).await.unwrap();
        store.assign_story(b, &placement("k", Some(a), true)).await.unwrap();
        let stored = store.article(b).await.unwrap().unwrap();
        assert!(stored.redated);
        assert_eq!(stored.provenance(), model::Provenance::Redated);
    });

    store_test!(async fn rejects_placements_that_name_missing_or_impossible_things(store) {
        let a = add(&*store, "https://a.example/1", "A", None, None).await;

        let missing = store.assign_story(ArticleId(99), &placement("k", None, false)).await;
        assert!(
            matches!(missing, Err(Error::NotFound(ref w)) if w == "article 99"),
            "{missing:?}"
        );

        let missing_original = store.assign_story(a, &placement("k", Some(ArticleId(98)), false)).await;
        assert!(
            matches!(missing_original, Err(Error::NotFound(ref w)) if w.contains("98")),
            "{missing_original:?}"
        );

        let self_copy = store.assign_story(a, &placement("k", Some(a), false)).await;
        assert!(matches!(self_copy, Err(Error::Invalid(_))), "{self_copy:?}");

        let no_key = store.assign_story(a, &placement("  ", None, false)).await;
        assert!(matches!(no_key, Err(Error::Invalid(_))), "{no_key:?}");

        assert_eq!(
            store.stats().await.unwrap().stories,
            0,
            "failed placements leave nothing"
        );
        assert_eq!(store.article(a).await.unwrap().unwrap().story, None);
    });

    store_test!(async fn a_redated_copy_does_not_bring_an_old_story_back_to_the_top(store) {
        let old = add(&*store, "https://a.example/old", "Old events", Some("2021-10-18"), None).await;
        let recent = add(
            &*store,
            "https://b.example/new",
            "Recent events",
            Some("2022-05-01"),
            None,
        )
        .await;
        let recycled = add(&*store, "https://farm.example/r", "Old events", Some("2023-02-02"), None).await;
        let old_story = store.assign_story(old, &placement("old", None, false)).await.unwrap();
        let recent_story = store
            .assign_story(recent, &placement("recent", None, false))
            .await
            .unwrap();
        store
            .assign_story(recycled, &placement("old", Some(old), true))
            .await
            .unwrap();

        let latest = store.latest_stories(10, 0).await.unwrap();
        let order: Vec<StoryId> = latest.iter().map(|s| s.id).collect();
        assert_eq!(order, vec![recent_story, old_story]);
        assert_eq!(latest[1].updated.to_rfc3339(), "2021-10-18T00:00:00+00:00");
    });

    store_test!(async fn provenance_of_many_articles_in_one_look_up(store) {
        let original = add(&*store, "https://a.example/1", "A", Some("2020-01-01"), None).await;
        let copy = add(&*store, "https://b.example/1", "B", Some("2020-01-01"), None).await;
        let rerun = add(&*store, "https://c.example/1", "C", Some("2020-06-01"), None).await;
        let loose = add(&*store, "https://d.example/1", "D", None, None).await;
        store
            .assign_story(original, &placement("k", None, false))
            .await
            .unwrap();
        store
            .assign_story(copy, &placement("k", Some(original), false))
            .await
            .unwrap();
        store
            .assign_story(rerun, &placement("k", Some(original), true))
            .await
            .unwrap();
        let found = store
            .provenance(&[original, copy, rerun, loose, ArticleId(999)])
            .await
            .unwrap();
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[&original], model::Provenance::Original);
        assert_eq!(found[&copy], model::Provenance::Copy);
        assert_eq!(found[&rerun], model::Provenance::Redated);
        assert!(store.provenance(&[]).await.unwrap().is_empty());
    });

    store_test!(async fn latest_stories_put_the_most_recent_activity_first(store) {
        let old = add(&*store, "https://a.example/old", "Old", Some("2021-01-01"), None).await;
        let newer = add(&*store, "https://a.example/newer", "Newer", Some("2022-01-01"), None).await;
        let undated = add(&*store, "https://a.example/undated", "Undated", None, None).await;
        let s_old = store.assign_story(old, &placement("old", None, false)).await.unwrap();
        let s_newer = store
            .assign_story(newer, &placement("newer", None, false))
            .await
            .unwrap();
        let s_undated = store
            .assign_story(undated, &placement("undated", None, false))
            .await
            .unwrap();

        let ids = |list: Vec<StorySummary>| list.into_iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(
            ids(store.latest_stories(10, 0).await.unwrap()),
            vec![s_undated, s_newer, s_old]
        );
        assert_eq!(ids(store.latest_stories(1, 1).await.unwrap()), vec![s_newer]);
        assert!(store.latest_stories(10, 3).await.unwrap().is_empty());

        // A fresh report revives the old story.
        let revival = add(&*store, "https://b.example/revival", "Revival", Some("2030-05-05"), None).await;
        store
            .assign_story(revival, &placement("old", None, false))
            .await
            .unwrap();
        let latest = store.latest_stories(10, 0).await.unwrap();
        assert_eq!(latest[0].id, s_old);
        assert_eq!(latest[0].title, "Old");
        assert_eq!(latest[0].article_count, 2);
    });

    store_test!(async fn moving_an_article_updates_both_stories_and_drops_an_empty_one(store) {
        let a = add(&*store, "https://a.example/1", "A", Some("2021-01-01"), None).await;
        let b = add(&*store, "https://b.example/1", "B", Some("2024-01-01"), None).await;
        let c = add(&*store, "https://c.example/1", "C", Some("2023-01-01"), None).await;
        let first = store.assign_story(a, &placement("first", None, false)).await.unwrap();
        store.assign_story(b, &placement("first", None, false)).await.unwrap();
        let lone = store.assign_story(c, &placement("lone", None, false)).await.unwrap();
        assert_eq!(store.latest_stories(10, 0).await.unwrap()[0].id, first);

        // b leaves `first`, whose latest date falls back to 2021.
        let second = store.assign_story(b, &placement("second", None, false)).await.unwrap();
        let order: Vec<StoryId> = store
            .latest_stories(10, 0)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(order, vec![second, lone, first]);

        // c leaves `lone`, which is then empty.
        store.assign_story(c, &placement("second", None, false)).await.unwrap();
        assert!(store.story(lone).await.unwrap().is_none());
        assert_eq!(store.stats().await.unwrap().stories, 2);
        assert_eq!(store.article(c).await.unwrap().unwrap().story, Some(second));
    });

    store_test!(async fn related_stories_are_replaced_and_kept_in_rank_order(store) {
        let mut stories = Vec::new();
        for n in 0..4 {
            let url = format!("https://a.example/{n}");
            let article = add(&*store, &url, &format!("Story {n}"), None, None).await;
            let key = format!("k{n}");
            stories.push(
                store
                    .assign_story(article, &placement(&key, None, false))
                    .await
                    .unwrap(),
            );
        }
        let main = stories[0];
        store
            .set_related(main, &[stories[3], stories[1], stories[3]])
            .await
            .unwrap();
        let related = store.story(main).await.unwrap().unwrap().related;
        assert_eq!(
            related.iter().map(|s| s.id).collect::<Vec<_>>(),
            vec![stories[3], stories[1]]
        );
        assert_eq!(related[0].title, "Story 3");

        store.set_related(main, &[stories[2]]).await.unwrap();
        let related = store.story(main).await.unwrap().unwrap().related;
        assert_eq!(related.iter().map(|s| s.id).collect::<Vec<_>>(), vec![stories[2]]);

        store.set_related(main, &[]).await.unwrap();
        assert!(store.story(main).await.unwrap().unwrap().related.is_empty());
    });

    store_test!(async fn related_lists_reject_unknown_and_self_references(store) {
        let a = add(&*store, "https://a.example/1", "A", None, None).await;
        let story = store.assign_story(a, &placement("k", None, false)).await.unwrap();
        let b = add(&*store, "https://b.example/1", "B", None, None).await;
        let other = store.assign_story(b, &placement("k2", None, false)).await.unwrap();
        store.set_related(story, &[other]).await.unwrap();

        let unknown_story = store.set_related(StoryId(77), &[story]).await;
        assert!(
            matches!(unknown_story, Err(Error::NotFound(ref w)) if w == "story 77"),
            "{unknown_story:?}"
        );
        let unknown_related = store.set_related(story, &[StoryId(78)]).await;
        assert!(
            matches!(unknown_related, Err(Error::NotFound(ref w)) if w.contains("78")),
            "{unknown_related:?}"
        );
        let itself = store.set_related(story, &[story]).await;
        assert!(matches!(itself, Err(Error::Invalid(_))), "{itself:?}");

        // The failed replacements rolled back: the old list stands.
        let related = store.story(story).await.unwrap().unwrap().related;
        assert_eq!(related.iter().map(|s| s.id).collect::<Vec<_>>(), vec![other]);
    });

    store_test!(async fn related_lists_of_many_stories_are_set_together_or_not_at_all(store) {
        let mut stories = Vec::new();
        for n in 0..3 {
            let article = add(&*store, &format!("https://a.example/{n}"), &format!("Story {n}"), None, None).await;
            let key = format!("k{n}");
            stories.push(store.assign_story(article, &placement(&key, None, false)).await.unwrap());
        }
        let related_of = |story| {
            let store = store.clone();
            async move {
                let detail = store.story(story).await.unwrap().unwrap();
                detail.related.iter().map(|s| s.id).collect::<Vec<_>>()
            }
        };
        store
            .set_related_lists(&[(stories[0], vec![stories[1]]), (stories[1], vec![stories[2], stories[0]])])
            .await
            .unwrap();
        assert_eq!(related_of(stories[0]).await, [stories[1]]);
        assert_eq!(related_of(stories[1]).await, [stories[2], stories[0]]);

        // The second list names a story that is not there: the first list
        // is not replaced either.
        let failed = store
            .set_related_lists(&[(stories[0], vec![stories[2]]), (stories[2], vec![StoryId(99)])])
            .await;
        assert!(matches!(failed, Err(Error::NotFound(ref w)) if w.contains("99")), "{failed:?}");
        assert_eq!(related_of(stories[0]).await, [stories[1]]);
        assert!(related_of(stories[2]).await.is_empty());
        store.set_related_lists(&[]).await.unwrap();
    });

    store_test!(async fn an_unknown_story_is_none(store) {
        assert!(store.story(StoryId(5)).await.unwrap().is_none());
        assert!(store.latest_stories(10, 0).await.unwrap().is_empty());
    });
}
