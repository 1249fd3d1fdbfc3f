use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use model::Timestamp;

use super::parse_timestamp;
use crate::{
    outlet_name, ArticleId, ArticleSummary, Error, Result, StoryDetail, StoryId, StoryPlacement, StorySummary,
};

/// Ids per `IN (...)` list: far below SQLite's limit on bound parameters.
const IDS_PER_QUERY: usize = 500;

/// Places an article in the story for `placement.story_key`. Runs inside the
/// caller's write transaction.
pub(super) async fn assign(
    conn: &mut SqliteConnection,
    article: ArticleId,
    placement: &StoryPlacement,
) -> Result<StoryId> {
    if placement.story_key.trim().is_empty() {
        return Err(Error::Invalid(format!("empty story key for article {article}")));
    }
    if placement.copy_of == Some(article) {
        return Err(Error::Invalid(format!("article {article} cannot be a copy of itself")));
    }
    if !article_exists(conn, article).await? {
        return Err(Error::NotFound(format!("article {article}")));
    }
    if let Some(original) = placement.copy_of {
        if !article_exists(conn, original).await? {
            return Err(Error::NotFound(format!(
                "article {original}, named as the original of article {article}"
            )));
        }
    }

    sqlx::query(
        "INSERT INTO stories (key, created_at, updated_unix) VALUES (?, ?, 0) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(&placement.story_key)
    .bind(Utc::now())
    .execute(&mut *conn)
    .await?;
    let story: i64 = sqlx::query_scalar("SELECT id FROM stories WHERE key = ?")
        .bind(&placement.story_key)
        .fetch_one(&mut *conn)
        .await?;
    let previous: Option<i64> = sqlx::query_scalar("SELECT story_id FROM story_members WHERE article_id = ?")
        .bind(article.0)
        .fetch_optional(&mut *conn)
        .await?;

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
    refresh_updated(conn, story).await?;

    // The engine may move an article when stories merge; a story left with
    // no articles has no headline to show, so it goes.
    if let Some(left) = previous.filter(|&previous| previous != story) {
        let remaining: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM story_members WHERE story_id = ?")
            .bind(left)
            .fetch_one(&mut *conn)
            .await?;
        if remaining == 0 {
            sqlx::query("DELETE FROM stories WHERE id = ?")
                .bind(left)
                .execute(&mut *conn)
                .await?;
        } else {
            refresh_updated(conn, left).await?;
        }
    }
    Ok(StoryId(story))
}

async fn article_exists(conn: &mut SqliteConnection, id: ArticleId) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE id = ?")
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Recomputes the column the front page sorts by, with the rule of
/// [`latest_activity`].
async fn refresh_updated(conn: &mut SqliteConnection, story: i64) -> Result<()> {
    let latest_published: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(a.published_unix) FROM story_members m \
         JOIN articles a ON a.id = m.article_id WHERE m.story_id = ? AND m.redated = 0",
    )
    .bind(story)
    .fetch_one(&mut *conn)
    .await?;
    let updated = match latest_published {
        Some(unix) => unix,
        None => {
            // Arrival times are compared as instants, not as stored text.
            let arrivals: Vec<DateTime<Utc>> = sqlx::query_scalar(
                "SELECT a.added_at FROM story_members m \
                 JOIN articles a ON a.id = m.article_id WHERE m.story_id = ?",
            )
            .bind(story)
            .fetch_all(&mut *conn)
            .await?;
            arrivals.into_iter().max().map_or(0, |t| t.timestamp())
        }
    };
    sqlx::query("UPDATE stories SET updated_unix = ? WHERE id = ?")
        .bind(updated)
        .bind(story)
        .execute(&mut *conn)
        .await?;
    Ok(())
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

#[derive(sqlx::FromRow)]
struct MemberRow {
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

/// One article of a story, with what the summary rules need beyond the
/// page row.
#[derive(Debug, Clone)]
struct Member {
    article: ArticleSummary,
    canonical_url: String,
    added_at: DateTime<Utc>,
}

impl Member {
    fn is_original(&self) -> bool {
        self.article.copy_of.is_none() && !self.article.redated
    }
}

impl TryFrom<MemberRow> for Member {
    type Error = Error;

    fn try_from(row: MemberRow) -> Result<Member> {
        let published = parse_timestamp(row.published, &format!("published of article {}", row.article_id))?;
        Ok(Member {
            article: ArticleSummary {
                id: ArticleId(row.article_id),
                title: row.title,
                // The address it was read from is known to work; the
                // canonical one stands in when there is none.
                url: row.url.or_else(|| Some(row.canonical_url.clone())),
                outlet: outlet_name(row.site_name.as_deref(), &row.canonical_url),
                language: row.language,
                published,
                copy_of: row.copy_of.map(ArticleId),
                redated: row.redated,
                description: row.description,
            },
            canonical_url: row.canonical_url,
            added_at: row.added_at,
        })
    }
}

/// Summaries and article lists of the given stories, in the order given.
/// Ids with no story (or no articles) are left out.
async fn load(conn: &mut SqliteConnection, ids: &[i64]) -> Result<Vec<(StorySummary, Vec<ArticleSummary>)>> {
    let mut by_story: HashMap<i64, (String, Vec<Member>)> = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT s.id AS story_id, s.key AS story_key, a.id AS article_id, a.canonical_url, \
             a.url, a.title, a.site_name, a.language, a.description, a.published, a.added_at, \
             m.copy_of, m.redated \
             FROM stories s JOIN story_members m ON m.story_id = s.id \
             JOIN articles a ON a.id = m.article_id WHERE s.id IN (",
        );
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        list.push_unseparated(")");
        let rows: Vec<MemberRow> = query.build_query_as().fetch_all(&mut *conn).await?;
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
    }
    let mut loaded = Vec::with_capacity(ids.len());
    for id in ids {
        let Some((key, mut members)) = by_story.remove(id) else {
            continue;
        };
        sort_oldest_first(&mut members);
        if let Some(summary) = summarize(StoryId(*id), key, &members) {
            loaded.push((summary, members.into_iter().map(|m| m.article).collect()));
        }
    }
    Ok(loaded)
}

/// Dated articles by publication instant, then undated ones; ties by id,
/// which is arrival order.
fn sort_oldest_first(members: &mut [Member]) {
    members.sort_by_key(|m| {
        let published = m.article.published.map(|p| p.to_utc());
        (published.is_none(), published, m.article.id)
    });
}

/// The language most of the members (oldest first) are in; a tie goes to
/// the language met first.
fn main_language(members: &[Member]) -> Option<String> {
    let mut counts: Vec<(&Option<String>, usize)> = Vec::new();
    for m in members {
        match counts.iter_mut().find(|(l, _)| *l == &m.article.language) {
            Some((_, n)) => *n += 1,
            None => counts.push((&m.article.language, 1)),
        }
    }
    // `max_by_key` keeps the last of equals; reversed, that is the first met.
    counts
        .into_iter()
        .rev()
        .max_by_key(|&(_, n)| n)
        .and_then(|(l, _)| l.clone())
}

/// Applies the summary rules to a story's members, sorted oldest first.
fn summarize(id: StoryId, key: String, members: &[Member]) -> Option<StorySummary> {
    let first = members.first()?;
    // A story covered in several languages is headed in the language most
    // of its articles use, by the first original in it: the German first
    // report of a story five outlets covered in English should not head
    // it on every reader's front page.
    let language = main_language(members);
    let headline_from = members
        .iter()
        .find(|m| m.is_original() && m.article.language == language)
        .or_else(|| members.iter().find(|m| m.is_original()))
        .unwrap_or(first);
    let title = non_empty(&headline_from.article.title)
        .or_else(|| members.iter().find_map(|m| non_empty(&m.article.title)))
        .unwrap_or_else(|| headline_from.canonical_url.clone());

    let mut outlets: Vec<String> = Vec::new();
    for member in members {
        if !outlets.contains(&member.article.outlet) {
            outlets.push(member.article.outlet.clone());
        }
    }

    // A re-dated copy's date is the one thing about it not to trust.
    let first_published = members
        .iter()
        .filter(|m| !m.article.redated)
        .filter_map(|m| m.article.published)
        .min_by_key(Timestamp::to_utc);

    // Nor may it make an old story look fresh on the front page.
    let updated = latest_activity(
        members
            .iter()
            .map(|m| (m.article.published.filter(|_| !m.article.redated), m.added_at)),
    )?;

    Some(StorySummary {
        id,
        key,
        title,
        article_count: u32::try_from(members.len()).unwrap_or(u32::MAX),
        outlets,
        first_published,
        updated,
    })
}

/// The latest publication instant, or the latest arrival when nothing in
/// the story carries a date.
fn latest_activity(times: impl Iterator<Item = (Option<Timestamp>, DateTime<Utc>)>) -> Option<DateTime<Utc>> {
    let (published, arrived): (Vec<_>, Vec<_>) = times.unzip();
    published
        .iter()
        .flatten()
        .map(Timestamp::to_utc)
        .max()
        .or_else(|| arrived.into_iter().max())
}

fn non_empty(title: &Option<String>) -> Option<String> {
    title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{fresh_store, new_article};
    use super::super::SqliteStore;
    use crate::Store;

    use super::*;

    fn placement(key: &str, copy_of: Option<ArticleId>, redated: bool) -> StoryPlacement {
        StoryPlacement {
            story_key: key.to_string(),
            copy_of,
            redated,
        }
    }

    async fn add(
        store: &SqliteStore,
        url: &str,
        title: &str,
        published: Option<&str>,
        site: Option<&str>,
    ) -> ArticleId {
        let mut new = new_article(url, title, published);
        new.article.site_name = site.map(str::to_string);
        store.insert_article(&new).await.unwrap()
    }

    #[tokio::test]
    async fn one_story_per_key() {
        let (_dir, store) = fresh_store().await;
        let a = add(&store, "https://a.example/1", "A", None, None).await;
        let b = add(&store, "https://b.example/1", "B", None, None).await;
        let c = add(&store, "https://c.example/1", "C", None, None).await;
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
    }

    #[tokio::test]
    async fn records_a_redated_copy() {
        let (_dir, store) = fresh_store().await;
        let a = add(&store, "https://a.example/1", "A", None, None).await;
        let b = add(&store, "https://b.example/1", "B", None, None).await;
        store.assign_story(a, &placement("k", None, false)).await.unwrap();
        store.assign_story(b, &placement("k", Some(a), true)).await.unwrap();
        let stored = store.article(b).await.unwrap().unwrap();
        assert!(stored.redated);
        assert_eq!(stored.provenance(), model::Provenance::Redated);
    }

    #[tokio::test]
    async fn rejects_placements_that_name_missing_or_impossible_things() {
        let (_dir, store) = fresh_store().await;
        let a = add(&store, "https://a.example/1", "A", None, None).await;

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
    }

    #[tokio::test]
    async fn a_redated_copy_does_not_bring_an_old_story_back_to_the_top() {
        let (_dir, store) = fresh_store().await;
        let old = add(&store, "https://a.example/old", "Old events", Some("2021-10-18"), None).await;
        let recent = add(
            &store,
            "https://b.example/new",
            "Recent events",
            Some("2022-05-01"),
            None,
        )
        .await;
        let recycled = add(&store, "https://farm.example/r", "Old events", Some("2023-02-02"), None).await;
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
    }

    #[tokio::test]
    async fn summary_follows_the_first_original_and_ignores_redated_dates() {
        let (_dir, store) = fresh_store().await;
        let recycled = add(
            &store,
            "https://recycler.example/r",
            "Recycled",
            Some("2021-10-17"),
            Some("Recycler"),
        )
        .await;
        let copy = add(
            &store,
            "https://copycat.example/c",
            "Copied headline",
            Some("2021-10-18T08:00:00Z"),
            Some("Copycat"),
        )
        .await;
        let original = add(
            &store,
            "https://planet.example/o",
            "Original headline",
            Some("2021-10-18T11:00:00+02:00"),
            Some("Planet"),
        )
        .await;
        let follow_up = add(
            &store,
            "https://planet.example/f",
            "Follow-up",
            Some("2021-10-18T11:00:00Z"),
            Some("Planet"),
        )
        .await;
        let undated = add(&store, "https://u.example/x", "Undated", None, None).await;

        // Placed out of order on purpose: the summary must not depend on it.
        store
            .assign_story(follow_up, &placement("flood", None, false))
            .await
            .unwrap();
        store
            .assign_story(undated, &placement("flood", None, false))
            .await
            .unwrap();
        store
            .assign_story(original, &placement("flood", None, false))
            .await
            .unwrap();
        store
            .assign_story(copy, &placement("flood", Some(original), false))
            .await
            .unwrap();
        let story = store
            .assign_story(recycled, &placement("flood", Some(original), true))
            .await
            .unwrap();

        let detail = store.story(story).await.unwrap().expect("story");
        let summary = &detail.summary;
        assert_eq!(summary.key, "flood");
        assert_eq!(summary.title, "Original headline");
        assert_eq!(summary.article_count, 5);
        assert_eq!(summary.outlets, vec!["Recycler", "Copycat", "Planet", "u.example"]);
        assert_eq!(
            summary.first_published,
            Some("2021-10-18T08:00:00+00:00".parse().unwrap())
        );
        assert_eq!(summary.updated.to_rfc3339(), "2021-10-18T11:00:00+00:00");

        let order: Vec<ArticleId> = detail.articles.iter().map(|a| a.id).collect();
        assert_eq!(order, vec![recycled, copy, original, follow_up, undated]);
        let copied = &detail.articles[1];
        assert_eq!(copied.copy_of, Some(original));
        assert_eq!(copied.outlet, "Copycat");
        assert_eq!(copied.url.as_deref(), Some("https://copycat.example/c"));
        assert_eq!(copied.title.as_deref(), Some("Copied headline"));
        assert!(detail.articles[0].redated);
        assert!(detail.related.is_empty());
    }

    #[tokio::test]
    async fn provenance_of_many_articles_in_one_look_up() {
        let (_dir, store) = fresh_store().await;
        let original = add(&store, "https://a.example/1", "A", Some("2020-01-01"), None).await;
        let copy = add(&store, "https://b.example/1", "B", Some("2020-01-01"), None).await;
        let rerun = add(&store, "https://c.example/1", "C", Some("2020-06-01"), None).await;
        let loose = add(&store, "https://d.example/1", "D", None, None).await;
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
    }

    #[tokio::test]
    async fn a_story_of_copies_takes_its_first_article_headline() {
        let (_dir, store) = fresh_store().await;
        let source = add(&store, "https://wire.example/1", "Wire", Some("2020-01-01"), None).await;
        let late = add(&store, "https://b.example/1", "Late copy", Some("2020-01-03"), None).await;
        let early = add(&store, "https://c.example/1", "Early copy", Some("2020-01-02"), None).await;
        store
            .assign_story(source, &placement("wire", None, false))
            .await
            .unwrap();
        store
            .assign_story(late, &placement("copies", Some(source), false))
            .await
            .unwrap();
        let story = store
            .assign_story(early, &placement("copies", Some(source), false))
            .await
            .unwrap();
        let summary = store.story(story).await.unwrap().unwrap().summary;
        assert_eq!(summary.title, "Early copy");
        assert_eq!(summary.outlets, vec!["c.example", "b.example"]);
    }

    #[tokio::test]
    async fn a_story_in_several_languages_is_headed_in_its_main_one() {
        let (_dir, store) = fresh_store().await;
        let mut ids = Vec::new();
        for (url, title, published, language) in [
            (
                "https://zeitung.example/1",
                "Brücke eingestürzt",
                "2025-05-20T05:00:00Z",
                "de",
            ),
            (
                "https://herald.example/1",
                "Bridge collapses",
                "2025-05-20T07:00:00Z",
                "en",
            ),
            (
                "https://diario.example/1",
                "Se derrumba el puente",
                "2025-05-20T08:00:00Z",
                "es",
            ),
            (
                "https://meridian.example/1",
                "Three hurt in bridge fall",
                "2025-05-20T09:00:00Z",
                "en",
            ),
        ] {
            let mut new = new_article(url, title, Some(published));
            new.article.language = Some(language.to_string());
            ids.push(store.insert_article(&new).await.unwrap());
        }
        let mut story = None;
        for &id in &ids {
            story = Some(store.assign_story(id, &placement("bridge", None, false)).await.unwrap());
        }
        let detail = store.story(story.unwrap()).await.unwrap().unwrap();
        assert_eq!(detail.summary.title, "Bridge collapses");
        // The first report is still the first, whatever its language.
        assert_eq!(detail.articles[0].title.as_deref(), Some("Brücke eingestürzt"));
        assert_eq!(
            detail.summary.first_published,
            Some("2025-05-20T05:00:00Z".parse().unwrap())
        );

        // One article per language: the tie goes to the first report's.
        let mut new = new_article("https://solo.example/1", "Einsturz", Some("2025-05-21"));
        new.article.language = Some("de".to_string());
        let solo = store.insert_article(&new).await.unwrap();
        let mut new = new_article("https://solo.example/2", "Collapse", Some("2025-05-22"));
        new.article.language = Some("en".to_string());
        let other = store.insert_article(&new).await.unwrap();
        store.assign_story(solo, &placement("tie", None, false)).await.unwrap();
        let tie = store.assign_story(other, &placement("tie", None, false)).await.unwrap();
        assert_eq!(store.story(tie).await.unwrap().unwrap().summary.title, "Einsturz");
    }

    #[tokio::test]
    async fn an_untitled_original_borrows_the_next_headline() {
        let (_dir, store) = fresh_store().await;
        let untitled = add(&store, "https://a.example/1", "", Some("2020-01-01"), None).await;
        let titled = add(&store, "https://b.example/1", "Second take", Some("2020-01-02"), None).await;
        store
            .assign_story(untitled, &placement("k", None, false))
            .await
            .unwrap();
        let story = store.assign_story(titled, &placement("k", None, false)).await.unwrap();
        assert_eq!(store.story(story).await.unwrap().unwrap().summary.title, "Second take");
    }

    #[tokio::test]
    async fn an_undated_story_is_updated_at_its_last_arrival() {
        let (_dir, store) = fresh_store().await;
        let before = Utc::now();
        let a = add(&store, "https://a.example/1", "A", None, None).await;
        let b = add(&store, "https://b.example/1", "B", None, None).await;
        store.assign_story(a, &placement("k", None, false)).await.unwrap();
        let story = store.assign_story(b, &placement("k", None, false)).await.unwrap();
        let summary = store.story(story).await.unwrap().unwrap().summary;
        let arrived = store.article(b).await.unwrap().unwrap().added_at;
        assert_eq!(summary.updated, arrived);
        assert!(summary.updated >= before);
        assert_eq!(summary.first_published, None);
    }

    #[tokio::test]
    async fn latest_stories_put_the_most_recent_activity_first() {
        let (_dir, store) = fresh_store().await;
        let old = add(&store, "https://a.example/old", "Old", Some("2021-01-01"), None).await;
        let newer = add(&store, "https://a.example/newer", "Newer", Some("2022-01-01"), None).await;
        let undated = add(&store, "https://a.example/undated", "Undated", None, None).await;
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
        let revival = add(&store, "https://b.example/revival", "Revival", Some("2030-05-05"), None).await;
        store
            .assign_story(revival, &placement("old", None, false))
            .await
            .unwrap();
        let latest = store.latest_stories(10, 0).await.unwrap();
        assert_eq!(latest[0].id, s_old);
        assert_eq!(latest[0].title, "Old");
        assert_eq!(latest[0].article_count, 2);
    }

    #[tokio::test]
    async fn moving_an_article_updates_both_stories_and_drops_an_empty_one() {
        let (_dir, store) = fresh_store().await;
        let a = add(&store, "https://a.example/1", "A", Some("2021-01-01"), None).await;
        let b = add(&store, "https://b.example/1", "B", Some("2024-01-01"), None).await;
        let c = add(&store, "https://c.example/1", "C", Some("2023-01-01"), None).await;
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
    }

    #[tokio::test]
    async fn related_stories_are_replaced_and_kept_in_rank_order() {
        let (_dir, store) = fresh_store().await;
        let mut stories = Vec::new();
        for n in 0..4 {
            let url = format!("https://a.example/{n}");
            let article = add(&store, &url, &format!("Story {n}"), None, None).await;
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
    }

    #[tokio::test]
    async fn related_lists_reject_unknown_and_self_references() {
        let (_dir, store) = fresh_store().await;
        let a = add(&store, "https://a.example/1", "A", None, None).await;
        let story = store.assign_story(a, &placement("k", None, false)).await.unwrap();
        let b = add(&store, "https://b.example/1", "B", None, None).await;
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
    }

    #[tokio::test]
    async fn an_unknown_story_is_none() {
        let (_dir, store) = fresh_store().await;
        assert!(store.story(StoryId(5)).await.unwrap().is_none());
        assert!(store.latest_stories(10, 0).await.unwrap().is_empty());
    }
}
