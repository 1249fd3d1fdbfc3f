//! SQLite side of the front page: each story's stored rank, kept up to date
//! by every placement, and the ranked, filtered listing.
//!
//! The rule itself lives in [`crate::ranking`]; the columns are
//! `stories.rank_unix` and `stories.first_unix` (migration 0007).

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::stories;
use super::tallies::{self, MemberFacts, Tallies};
use crate::{outlet_name, ArticleId, RankedStory, Result, StoryFilter, OPENING_CHARS};

/// Stories looked at per step when a filter is on, and ids per `IN (...)`.
pub(crate) const SCAN_CHUNK: usize = 200;

/// A story's members as [`refresh`] reads them.
pub(crate) const RANK_ROWS: &str = "SELECT a.site_name, a.canonical_url, a.published_unix, m.copy_of, m.redated, \
     a.added_at FROM story_members m JOIN articles a ON a.id = m.article_id WHERE m.story_id = ";

/// Recomputes the columns the front page sorts by (`updated_unix`,
/// `rank_unix`, `first_unix`) from a story's members, read once, and the
/// story's tallies with them. Runs inside the caller's transaction, after
/// a change of membership that [`super::tallies::join`] cannot count.
pub(super) async fn refresh(conn: &mut SqliteConnection, story: i64) -> Result<()> {
    let rows: Vec<MemberFacts> = sqlx::query_as(&format!("{RANK_ROWS}?"))
        .bind(story)
        .fetch_all(&mut *conn)
        .await?;
    if rows.is_empty() {
        // A story with no members is gone, or about to be: it has no
        // tallies to make.
        return write_columns(conn, story, &Tallies::default()).await;
    }
    let tallies = tallies::rebuild(conn, story, &rows).await?;
    write_columns(conn, story, &tallies).await
}

/// Sets a story's front-page columns from its tallies.
pub(super) async fn write_columns(conn: &mut SqliteConnection, story: i64, tallies: &Tallies) -> Result<()> {
    let (updated, rank, first) = tallies.columns();
    sqlx::query("UPDATE stories SET updated_unix = ?, rank_unix = ?, first_unix = ? WHERE id = ?")
        .bind(updated)
        .bind(rank)
        .bind(first)
        .bind(story)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Fills the rank of every story that has none: those stored before
/// migration 0007. Runs when the store opens; a no-op afterwards.
pub(super) async fn fill_missing_ranks(pool: &SqlitePool) -> Result<()> {
    loop {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM stories WHERE rank_unix IS NULL LIMIT ?")
            .bind(SCAN_CHUNK as i64)
            .fetch_all(&mut *tx)
            .await?;
        if ids.is_empty() {
            return Ok(());
        }
        for id in ids {
            refresh(&mut tx, id).await?;
        }
        tx.commit().await?;
    }
}

pub(crate) const BY_RANK: &str = "ORDER BY rank_unix DESC, first_unix DESC, id DESC";

/// The front page's listing; see [`crate::Store::top_stories`].
pub(super) async fn top(pool: &SqlitePool, filter: &StoryFilter, limit: u32, offset: u32) -> Result<Vec<RankedStory>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    // One read transaction, so the page and its members are one snapshot.
    let mut tx = pool.begin().await?;
    let ranked: Vec<(i64, Option<i64>)> = if filter.is_empty() {
        sqlx::query_as(&format!("SELECT id, rank_unix FROM stories {BY_RANK} LIMIT ? OFFSET ?"))
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

/// Loaded stories with the stored rank each was ordered by.
pub(crate) fn ranked_stories(
    loaded: Vec<(crate::StorySummary, Vec<crate::ArticleSummary>)>,
    ranked: Vec<(i64, Option<i64>)>,
) -> Vec<RankedStory> {
    let ranks: HashMap<i64, Option<i64>> = ranked.into_iter().collect();
    loaded
        .into_iter()
        .map(|(summary, articles)| {
            let mut story = RankedStory::from_articles(summary, &articles);
            // The stored rank is the one the order came from.
            if let Some(Some(rank)) = ranks.get(&story.summary.id.0) {
                story.rank = *rank;
            }
            story
        })
        .collect()
}

/// Each story with the opening of its first report, if it has one.
pub(crate) fn with_openings(
    mut stories: Vec<RankedStory>,
    mut openings: HashMap<ArticleId, String>,
) -> Vec<RankedStory> {
    for story in &mut stories {
        story.opening = story.first_report.and_then(|id| openings.remove(&id));
    }
    stories
}

/// Walks the stories in rank order, a chunk at a time, and keeps those that
/// pass the filter. A rare outlet may walk them all; each step reads only
/// the members' names and languages.
async fn filtered(
    conn: &mut SqliteConnection,
    filter: &StoryFilter,
    limit: u32,
    offset: u32,
) -> Result<Vec<(i64, Option<i64>)>> {
    let mut walk = FilterWalk::new(filter, limit, offset);
    let mut after: Option<(i64, i64, i64)> = None;
    loop {
        let chunk: Vec<(i64, Option<i64>, Option<i64>)> = match after {
            None => {
                sqlx::query_as(&format!(
                    "SELECT id, rank_unix, first_unix FROM stories {BY_RANK} LIMIT ?"
                ))
                .bind(SCAN_CHUNK as i64)
                .fetch_all(&mut *conn)
                .await?
            }
            Some((rank, first, id)) => {
                sqlx::query_as(&format!(
                    "SELECT id, rank_unix, first_unix FROM stories \
                     WHERE (rank_unix, first_unix, id) < (?, ?, ?) {BY_RANK} LIMIT ?"
                ))
                .bind(rank)
                .bind(first)
                .bind(id)
                .bind(SCAN_CHUNK as i64)
                .fetch_all(&mut *conn)
                .await?
            }
        };
        let Some(&(last_id, Some(last_rank), Some(last_first))) = chunk.last() else {
            return Ok(walk.found);
        };
        after = Some((last_rank, last_first, last_id));
        let members = member_names(conn, chunk.iter().map(|(id, _, _)| *id)).await?;
        if walk.step(&chunk, &members) {
            return Ok(walk.found);
        }
    }
}

/// A walk through the stories in rank order, a chunk at a time, keeping
/// those that pass a filter: the same on either backend.
pub(crate) struct FilterWalk<'a> {
    filter: &'a StoryFilter,
    limit: usize,
    offset: u32,
    skipped: u32,
    /// The stories kept so far, with their stored ranks.
    pub(crate) found: Vec<(i64, Option<i64>)>,
}

impl<'a> FilterWalk<'a> {
    pub(crate) fn new(filter: &'a StoryFilter, limit: u32, offset: u32) -> Self {
        FilterWalk {
            filter,
            limit: limit as usize,
            offset,
            skipped: 0,
            found: Vec::new(),
        }
    }

    /// Takes one chunk of (id, rank, first) with its members' names; true
    /// when the walk is done (the page is full or the stories ran out).
    pub(crate) fn step(
        &mut self,
        chunk: &[(i64, Option<i64>, Option<i64>)],
        members: &HashMap<i64, Vec<(String, Option<String>)>>,
    ) -> bool {
        for (id, rank, _) in chunk {
            let names = members.get(id).map(Vec::as_slice).unwrap_or_default();
            if !self.filter.matches(
                names
                    .iter()
                    .map(|(outlet, language)| (outlet.as_str(), language.as_deref())),
            ) {
                continue;
            }
            if self.skipped < self.offset {
                self.skipped += 1;
                continue;
            }
            self.found.push((*id, *rank));
            if self.found.len() >= self.limit {
                return true;
            }
        }
        chunk.len() < SCAN_CHUNK
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct NameRow {
    story_id: i64,
    site_name: Option<String>,
    canonical_url: String,
    language: Option<String>,
}

/// Each story's articles as (outlet, language) pairs.
async fn member_names(
    conn: &mut SqliteConnection,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, Vec<(String, Option<String>)>>> {
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT m.story_id, a.site_name, a.canonical_url, a.language \
         FROM story_members m JOIN articles a ON a.id = m.article_id WHERE m.story_id IN (",
    );
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    list.push_unseparated(")");
    let rows: Vec<NameRow> = query.build_query_as().fetch_all(&mut *conn).await?;
    Ok(names_by_story(rows))
}

/// Each story's articles as (outlet, language) pairs.
pub(crate) fn names_by_story(rows: Vec<NameRow>) -> HashMap<i64, Vec<(String, Option<String>)>> {
    let mut by_story: HashMap<i64, Vec<(String, Option<String>)>> = HashMap::new();
    for row in rows {
        let outlet = outlet_name(row.site_name.as_deref(), &row.canonical_url);
        by_story.entry(row.story_id).or_default().push((outlet, row.language));
    }
    by_story
}

/// The beginning of each article's text, up to [`OPENING_CHARS`]
/// characters; blank texts are left out.
async fn openings(conn: &mut SqliteConnection, ids: &[ArticleId]) -> Result<HashMap<ArticleId, String>> {
    let mut openings = HashMap::new();
    for chunk in ids.chunks(SCAN_CHUNK) {
        let mut query = QueryBuilder::<Sqlite>::new("SELECT id, substr(text, 1, ");
        query.push_bind(OPENING_CHARS as i64);
        query.push(") FROM articles WHERE id IN (");
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(id.0);
        }
        list.push_unseparated(")");
        let rows: Vec<(i64, String)> = query.build_query_as().fetch_all(&mut *conn).await?;
        openings.extend(
            rows.into_iter()
                .filter(|(_, text)| !text.trim().is_empty())
                .map(|(id, text)| (ArticleId(id), text)),
        );
    }
    Ok(openings)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{new_article, store_test};
    use super::super::SqliteStore;
    use crate::{Store, StoryId, StoryPlacement};

    use super::*;

    async fn place(
        store: &dyn Store,
        url: &str,
        site: &str,
        published: &str,
        key: &str,
        copy_of: Option<ArticleId>,
        redated: bool,
    ) -> (ArticleId, StoryId) {
        let mut new = new_article(url, &format!("About {key}"), Some(published));
        new.article.site_name = Some(site.to_string());
        new.article.language = Some(if key == "quiet" { "de" } else { "en" }.to_string());
        new.article.text = format!("{key} happened. More text follows.");
        let id = store.insert_article(&new).await.unwrap();
        let placement = StoryPlacement {
            story_key: key.to_string(),
            copy_of,
            redated,
        };
        (id, store.assign_story(id, &placement).await.unwrap())
    }

    fn ids(stories: &[RankedStory]) -> Vec<StoryId> {
        stories.iter().map(|s| s.summary.id).collect()
    }

    store_test!(async fn independent_outlets_outrank_copies_and_a_little_recency(store) {
        // Three newsrooms on the ferry strike, the latest at 10:00.
        let (ferry, broad) = place(
            &*store,
            "https://a.example/1",
            "Alpha",
            "2030-01-01T08:00:00Z",
            "ferry",
            None,
            false,
        )
        .await;
        place(
            &*store,
            "https://b.example/1",
            "Beta",
            "2030-01-01T09:00:00Z",
            "ferry",
            None,
            false,
        )
        .await;
        place(
            &*store,
            "https://c.example/1",
            "Gamma",
            "2030-01-01T10:00:00Z",
            "ferry",
            None,
            false,
        )
        .await;
        // One original and three copies of it, later in the day.
        let (mill, copied) = place(
            &*store,
            "https://d.example/1",
            "Delta",
            "2030-01-01T12:00:00Z",
            "mill",
            None,
            false,
        )
        .await;
        for (n, site) in ["Echo", "Foxtrot", "Golf"].iter().enumerate() {
            let url = format!("https://copies.example/{n}");
            place(&*store, &url, site, "2030-01-01T13:00:00Z", "mill", Some(mill), false).await;
        }
        // A re-dated copy of the ferry story claims a much later date.
        place(
            &*store,
            "https://z.example/1",
            "Zulu",
            "2030-03-01T00:00:00Z",
            "ferry",
            Some(ferry),
            true,
        )
        .await;
        // A single report, two days later: newer than both by more than
        // the ferry story's outlets make up for (log2(3) ≈ 1.58 days).
        let (_, fresh) = place(
            &*store,
            "https://h.example/1",
            "Hotel",
            "2030-01-03T12:00:00Z",
            "fresh",
            None,
            false,
        )
        .await;
        // One a quarter of a day older than the ferry story's latest, in German.
        let (_, quiet) = place(
            &*store,
            "https://q.example/1",
            "Quelle",
            "2030-01-01T04:00:00Z",
            "quiet",
            None,
            false,
        )
        .await;

        let top = store.top_stories(&StoryFilter::default(), 10, 0).await.unwrap();
        assert_eq!(ids(&top), vec![fresh, broad, copied, quiet]);
        assert_eq!(top[1].independent_outlets, 3);
        assert_eq!(top[1].redated, 1);
        assert_eq!(top[1].copies, 0);
        assert_eq!(top[1].first_report, Some(ferry));
        assert_eq!(top[1].opening.as_deref(), Some("ferry happened. More text follows."));
        assert_eq!(top[2].independent_outlets, 1);
        assert_eq!(top[2].copies, 3);
        assert!(top[1].rank > top[2].rank);
        assert_eq!(
            ids(&store.top_stories(&StoryFilter::default(), 2, 1).await.unwrap()),
            vec![broad, copied]
        );

        let only = |language: Option<&str>, outlet: Option<&str>| StoryFilter {
            language: language.map(str::to_string),
            outlet: outlet.map(str::to_string),
        };
        assert_eq!(
            ids(&store.top_stories(&only(Some("de"), None), 10, 0).await.unwrap()),
            vec![quiet]
        );
        // Copies count for the outlet filter: Foxtrot carried the mill story.
        assert_eq!(
            ids(&store.top_stories(&only(None, Some("foxtrot")), 10, 0).await.unwrap()),
            vec![copied]
        );
        assert_eq!(
            ids(&store.top_stories(&only(Some("en"), None), 2, 1).await.unwrap()),
            vec![broad, copied]
        );
        assert!(store
            .top_stories(&only(Some("en"), Some("Quelle")), 10, 0)
            .await
            .unwrap()
            .is_empty());
        assert!(store
            .top_stories(&StoryFilter::default(), 0, 0)
            .await
            .unwrap()
            .is_empty());
    });

    store_test!(async fn a_filtered_walk_crosses_chunks(store) {
        let mut wanted = Vec::new();
        for n in 0..(SCAN_CHUNK + 50) {
            let site = if n % 60 == 0 { "Rare" } else { "Common" };
            let published = format!("2030-01-01T00:{:02}:{:02}Z", n / 60, n % 60);
            let url = format!("https://s.example/{n}");
            let (_, story) = place(&*store, &url, site, &published, &format!("k{n}"), None, false).await;
            if site == "Rare" {
                wanted.push(story);
            }
        }
        wanted.reverse();
        let filter = StoryFilter {
            language: None,
            outlet: Some("Rare".to_string()),
        };
        assert_eq!(ids(&store.top_stories(&filter, 10, 0).await.unwrap()), wanted);
        assert_eq!(
            ids(&store.top_stories(&filter, 2, 2).await.unwrap()),
            wanted[2..4].to_vec()
        );
    });

    #[tokio::test]
    async fn ranks_missing_after_the_migration_are_filled_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let (_, story) = place(
            &store,
            "https://a.example/1",
            "Alpha",
            "2030-01-01T08:00:00Z",
            "k",
            None,
            false,
        )
        .await;
        place(
            &store,
            "https://b.example/1",
            "Beta",
            "2030-01-01T08:00:00Z",
            "k",
            None,
            false,
        )
        .await;
        sqlx::query("UPDATE stories SET rank_unix = NULL, first_unix = NULL")
            .execute(&store.pool)
            .await
            .unwrap();
        store.close().await;
        let again = SqliteStore::open(&path).await.unwrap();
        let row: (i64, i64) = sqlx::query_as("SELECT rank_unix, first_unix FROM stories WHERE id = ?")
            .bind(story.0)
            .fetch_one(&again.pool)
            .await
            .unwrap();
        let eight = 1_893_484_800; // 2030-01-01T08:00:00Z
        assert_eq!(row, (eight + 86_400, eight));
    }
}
