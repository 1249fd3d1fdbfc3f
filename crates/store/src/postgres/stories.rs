//! PostgreSQL storage of stories, their membership and related stories.

use std::collections::HashSet;

use chrono::Utc;
use sqlx::{PgConnection, PgPool};

use super::begin_snapshot;
pub(crate) use crate::sqlite::stories::Changed;
use crate::sqlite::stories::{
    check_placement, group_members, summarize_in_order, MemberRow, MembersByStory, SELECT_MEMBERS,
};
use crate::{
    ArticleId, ArticleSummary, Error, LeftStory, Placed, Result, StoryDetail, StoryId, StoryPlacement, StorySummary,
};

/// Works out again the front-page columns of the stories `changed` names
/// (PostgreSQL keeps no tallies, so every placement names its story).
/// Runs inside the caller's write transaction, after the placements.
pub(super) async fn refresh_changed(conn: &mut PgConnection, changed: Changed) -> Result<()> {
    for story in changed.0 {
        super::front::refresh(conn, story).await?;
    }
    Ok(())
}

/// Places an article in the story for `placement.story_key`. Runs inside the
/// caller's transaction, which holds the story write lock; the stories it
/// names in `changed` must be handed to [`refresh_changed`] before the
/// transaction commits.
pub(super) async fn assign(
    conn: &mut PgConnection,
    article: ArticleId,
    placement: &StoryPlacement,
    changed: &mut Changed,
) -> Result<Placed> {
    check_placement(article, placement)?;
    // Whether the article exists, and the story it is in now, in one read.
    let found: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT a.id, m.story_id FROM articles a LEFT JOIN story_members m ON m.article_id = a.id WHERE a.id = $1",
    )
    .bind(article.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((_, previous)) = found else {
        return Err(Error::NotFound(format!("article {article}")));
    };
    if let Some(original) = placement.copy_of {
        if !article_exists(conn, original).await? {
            return Err(Error::NotFound(format!(
                "article {original}, named as the original of article {article}"
            )));
        }
    }

    // Most placements join a story that exists: one read. The caller's
    // transaction holds the story write lock, so no one adds the key
    // between the read and the insert.
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM stories WHERE key = $1")
        .bind(&placement.story_key)
        .fetch_optional(&mut *conn)
        .await?;
    let story: i64 = match existing {
        Some(id) => id,
        None => {
            sqlx::query_scalar("INSERT INTO stories (key, created_at, updated_unix) VALUES ($1, $2, 0) RETURNING id")
                .bind(&placement.story_key)
                .bind(Utc::now())
                .fetch_one(&mut *conn)
                .await?
        }
    };

    sqlx::query(
        "INSERT INTO story_members (article_id, story_id, copy_of, redated) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id, \
         copy_of = excluded.copy_of, redated = excluded.redated",
    )
    .bind(article.0)
    .bind(story)
    .bind(placement.copy_of.map(|id| id.0))
    .bind(placement.redated)
    .execute(&mut *conn)
    .await?;
    changed.0.insert(story);

    // The engine may move an article when stories merge; a story left with
    // no articles has no headline to show, so it goes.
    let mut left_story = None;
    if let Some(left) = previous.filter(|&previous| previous != story) {
        // The index still files the article under the story it left.
        sqlx::query("INSERT INTO reindex_queue (article_id) VALUES ($1)")
            .bind(article.0)
            .execute(&mut *conn)
            .await?;
        let (key, remaining): (String, bool) = sqlx::query_as(
            "SELECT key, EXISTS (SELECT 1 FROM story_members WHERE story_id = s.id) FROM stories s WHERE s.id = $1",
        )
        .bind(left)
        .fetch_one(&mut *conn)
        .await?;
        if remaining {
            changed.0.insert(left);
        } else {
            sqlx::query("DELETE FROM stories WHERE id = $1")
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

async fn article_exists(conn: &mut PgConnection, id: ArticleId) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

pub(super) async fn latest(pool: &PgPool, limit: u32, offset: u32) -> Result<Vec<StorySummary>> {
    let mut tx = begin_snapshot(pool).await?;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM stories ORDER BY updated_unix DESC, id DESC LIMIT $1 OFFSET $2")
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&mut *tx)
            .await?;
    let stories = load(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(stories.into_iter().map(|(summary, _)| summary).collect())
}

pub(super) async fn detail(pool: &PgPool, id: StoryId) -> Result<Option<StoryDetail>> {
    let mut tx = begin_snapshot(pool).await?;
    let Some((summary, articles)) = load(&mut tx, &[id.0]).await?.pop() else {
        return Ok(None);
    };
    let related_ids: Vec<i64> =
        sqlx::query_scalar("SELECT related_id FROM related_stories WHERE story_id = $1 ORDER BY rank")
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

pub(super) async fn by_key(pool: &PgPool, key: &str) -> Result<Option<StoryId>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM stories WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(id.map(StoryId))
}

/// Replaces a story's related list; the order given is the rank kept.
pub(super) async fn set_related(conn: &mut PgConnection, story: StoryId, related: &[StoryId]) -> Result<()> {
    if related.contains(&story) {
        return Err(Error::Invalid(format!("story {story} cannot be related to itself")));
    }
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM stories WHERE id = $1")
        .bind(story.0)
        .fetch_optional(&mut *conn)
        .await?;
    if found.is_none() {
        return Err(Error::NotFound(format!("story {story}")));
    }
    sqlx::query("DELETE FROM related_stories WHERE story_id = $1")
        .bind(story.0)
        .execute(&mut *conn)
        .await?;
    let mut seen = HashSet::new();
    let others: Vec<i64> = related.iter().filter(|id| seen.insert(**id)).map(|id| id.0).collect();
    // One statement: the ranks are the positions in the list. A failed
    // statement would abort the transaction, so the missing story is
    // looked for first.
    let missing: Option<i64> = sqlx::query_scalar(
        "SELECT o FROM UNNEST($1::BIGINT[]) WITH ORDINALITY AS l(o, n) \
         WHERE NOT EXISTS (SELECT 1 FROM stories WHERE id = l.o) ORDER BY n LIMIT 1",
    )
    .bind(&others)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(other) = missing {
        return Err(Error::NotFound(format!(
            "story {}, named as related to story {story}",
            StoryId(other)
        )));
    }
    sqlx::query(
        "INSERT INTO related_stories (story_id, related_id, rank) \
         SELECT $1, o, n - 1 FROM UNNEST($2::BIGINT[]) WITH ORDINALITY AS l(o, n)",
    )
    .bind(story.0)
    .bind(&others)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Summaries and article lists of the given stories, in the order given.
/// Ids with no story (or no articles) are left out.
pub(super) async fn load(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<(StorySummary, Vec<ArticleSummary>)>> {
    let rows: Vec<MemberRow> = sqlx::query_as(&format!("{SELECT_MEMBERS} WHERE s.id = ANY($1)"))
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut by_story = MembersByStory::new();
    group_members(&mut by_story, rows)?;
    Ok(summarize_in_order(ids, by_story))
}
