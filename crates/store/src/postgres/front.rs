//! PostgreSQL side of the front page: each story's stored rank, kept up to
//! date by every placement, and the ranked, filtered listing. The rule and
//! the filter walk are the SQLite backend's, shared.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool};

use super::{begin_snapshot, id_array, stories};
use crate::sqlite::front::{
    names_by_story, ranked_stories, with_openings, FilterWalk, NameRow, BY_RANK, RANK_ROWS, SCAN_CHUNK,
};
use crate::sqlite::tallies::{MemberFacts, Tallies};
use crate::{ArticleId, RankedStory, Result, StoryFilter, OPENING_CHARS};

/// Recomputes the columns the front page sorts by (`updated_unix`,
/// `rank_unix`, `first_unix`) from a story's members, read once. Runs
/// inside the caller's transaction, after every change of membership.
/// (PostgreSQL keeps no tallies: the SQLite backend's `story_tallies` is
/// not in its schema.)
pub(super) async fn refresh(conn: &mut PgConnection, story: i64) -> Result<()> {
    let rows: Vec<MemberFacts> = sqlx::query_as(&format!("{RANK_ROWS}$1"))
        .bind(story)
        .fetch_all(&mut *conn)
        .await?;
    let (updated, rank, first) = Tallies::of(&rows).0.columns();
    sqlx::query("UPDATE stories SET updated_unix = $1, rank_unix = $2, first_unix = $3 WHERE id = $4")
        .bind(updated)
        .bind(rank)
        .bind(first)
        .bind(story)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The front page's listing; see [`crate::Store::top_stories`].
pub(super) async fn top(pool: &PgPool, filter: &StoryFilter, limit: u32, offset: u32) -> Result<Vec<RankedStory>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut tx = begin_snapshot(pool).await?;
    let ranked: Vec<(i64, Option<i64>)> = if filter.is_empty() {
        sqlx::query_as(&format!(
            "SELECT id, rank_unix FROM stories {BY_RANK} LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&mut *tx)
        .await?
    } else {
        filtered(&mut tx, filter, limit, offset).await?
    };
    let ids: Vec<i64> = ranked.iter().map(|(id, _)| *id).collect();
    let stories = ranked_stories(stories::load(&mut tx, &ids).await?, ranked);
    let first_reports: Vec<ArticleId> = stories.iter().filter_map(|s| s.first_report).collect();
    let openings = openings(&mut tx, &first_reports).await?;
    tx.commit().await?;
    Ok(with_openings(stories, openings))
}

/// Walks the stories in rank order, a chunk at a time, and keeps those that
/// pass the filter.
async fn filtered(
    conn: &mut PgConnection,
    filter: &StoryFilter,
    limit: u32,
    offset: u32,
) -> Result<Vec<(i64, Option<i64>)>> {
    let mut walk = FilterWalk::new(filter, limit, offset);
    // A PostgreSQL store never holds a NULL rank (every placement sets
    // it), and no real rank comes near i64::MAX, so one query with the row
    // comparison starting above them all begins at the top.
    let mut after = (i64::MAX, i64::MAX, i64::MAX);
    loop {
        let chunk: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(&format!(
            "SELECT id, rank_unix, first_unix FROM stories \
             WHERE (rank_unix, first_unix, id) < ($1, $2, $3) {BY_RANK} LIMIT $4"
        ))
        .bind(after.0)
        .bind(after.1)
        .bind(after.2)
        .bind(SCAN_CHUNK as i64)
        .fetch_all(&mut *conn)
        .await?;
        let Some(&(last_id, Some(last_rank), Some(last_first))) = chunk.last() else {
            return Ok(walk.found);
        };
        after = (last_rank, last_first, last_id);
        let ids: Vec<i64> = chunk.iter().map(|(id, _, _)| *id).collect();
        let rows: Vec<NameRow> = sqlx::query_as(
            "SELECT m.story_id, a.site_name, a.canonical_url, a.language \
             FROM story_members m JOIN articles a ON a.id = m.article_id WHERE m.story_id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
        if walk.step(&chunk, &names_by_story(rows)) {
            return Ok(walk.found);
        }
    }
}

/// The beginning of each article's text, up to [`OPENING_CHARS`]
/// characters; blank texts are left out.
async fn openings(conn: &mut PgConnection, ids: &[ArticleId]) -> Result<HashMap<ArticleId, String>> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, substr(text, 1, $1) FROM articles WHERE id = ANY($2)")
        .bind(OPENING_CHARS as i32)
        .bind(id_array(ids, |id| id.0))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(id, text)| (ArticleId(id), text))
        .collect())
}
