//! A story's tallies (migration 0011): what keeps its front-page columns
//! up to date when an article joins it, without reading its members again.
//!
//! [`super::front::refresh`] reads every member of a story. Run at every
//! placement, that made placing a story's articles quadratic in its size,
//! and each member read is a random read of an article row, which misses the
//! page cache more often as the database grows. The tallies hold what the
//! ranking rule needs (the latest and earliest credible dates, the latest
//! arrival, the distinct outlets of the originals), so an article that joins
//! a story costs a few statements whatever the story's size.
//!
//! The tallies are derived: [`rebuild`] makes them from the members, and
//! `front::refresh` calls it whenever a member leaves or changes, or a story
//! has no tallies yet (one stored before the migration).

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::{outlet_name, rank_key, Result};

/// Outlets per `INSERT` when a story's outlets are written again.
const OUTLETS_PER_INSERT: usize = 300;

/// A story's tallies, as `story_tallies` holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Tallies {
    pub latest_credible: Option<i64>,
    pub first_credible: Option<i64>,
    pub latest_arrival: Option<i64>,
    pub outlets: i64,
}

/// One member of a story, with what the ranking rule reads of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct MemberFacts {
    pub site_name: Option<String>,
    pub canonical_url: String,
    pub published_unix: Option<i64>,
    pub copy_of: Option<i64>,
    pub redated: bool,
    pub added_at: DateTime<Utc>,
}

impl MemberFacts {
    /// An original copies nothing and is not re-dated: only originals count
    /// as independent outlets.
    fn is_original(&self) -> bool {
        self.copy_of.is_none() && !self.redated
    }

    /// A re-dated member's date is not credible.
    fn credible_date(&self) -> Option<i64> {
        self.published_unix.filter(|_| !self.redated)
    }

    fn outlet(&self) -> String {
        outlet_name(self.site_name.as_deref(), &self.canonical_url)
    }
}

impl Tallies {
    /// The tallies of `members`, and the distinct outlets of its originals.
    pub(crate) fn of(members: &[MemberFacts]) -> (Self, Vec<String>) {
        let mut tallies = Self::default();
        let mut outlets: Vec<String> = members
            .iter()
            .filter(|m| m.is_original())
            .map(MemberFacts::outlet)
            .collect();
        outlets.sort_unstable();
        outlets.dedup();
        for member in members {
            tallies.count_dates(member);
        }
        tallies.outlets = outlets.len() as i64;
        (tallies, outlets)
    }

    fn count_dates(&mut self, member: &MemberFacts) {
        if let Some(date) = member.credible_date() {
            self.latest_credible = Some(self.latest_credible.map_or(date, |d| d.max(date)));
            self.first_credible = Some(self.first_credible.map_or(date, |d| d.min(date)));
        }
        let arrival = member.added_at.timestamp();
        self.latest_arrival = Some(self.latest_arrival.map_or(arrival, |a| a.max(arrival)));
    }

    /// The story's `(updated_unix, rank_unix, first_unix)`: its latest
    /// credible date (else its latest arrival, else 0), that date plus a day
    /// per doubling of its independent outlets, and its first credible date
    /// (else the updated one). This is the rule of [`crate::ranking`].
    pub(crate) fn columns(&self) -> (i64, i64, i64) {
        let updated = self.latest_credible.or(self.latest_arrival).unwrap_or(0);
        let outlets = u32::try_from(self.outlets).unwrap_or(u32::MAX);
        (
            updated,
            rank_key(updated, outlets),
            self.first_credible.unwrap_or(updated),
        )
    }
}

/// Makes `story`'s tallies and outlets from its members, and returns them.
pub(super) async fn rebuild(conn: &mut SqliteConnection, story: i64, members: &[MemberFacts]) -> Result<Tallies> {
    let (tallies, outlets) = Tallies::of(members);
    sqlx::query("DELETE FROM story_outlets WHERE story_id = ?")
        .bind(story)
        .execute(&mut *conn)
        .await?;
    for chunk in outlets.chunks(OUTLETS_PER_INSERT) {
        let mut insert: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO story_outlets (story_id, outlet) ");
        insert.push_values(chunk, |mut row, outlet| {
            row.push_bind(story).push_bind(outlet);
        });
        insert.build().execute(&mut *conn).await?;
    }
    save(conn, story, &tallies).await?;
    Ok(tallies)
}

/// Counts `member`, which has just joined `story`, into the story's
/// `tallies`, and returns the new tallies.
pub(super) async fn join(
    conn: &mut SqliteConnection,
    story: i64,
    mut tallies: Tallies,
    member: &MemberFacts,
) -> Result<Tallies> {
    tallies.count_dates(member);
    if member.is_original() {
        let added = sqlx::query("INSERT OR IGNORE INTO story_outlets (story_id, outlet) VALUES (?, ?)")
            .bind(story)
            .bind(member.outlet())
            .execute(&mut *conn)
            .await?
            .rows_affected();
        tallies.outlets += added as i64;
    }
    save(conn, story, &tallies).await?;
    Ok(tallies)
}

async fn save(conn: &mut SqliteConnection, story: i64, tallies: &Tallies) -> Result<()> {
    sqlx::query(
        "INSERT INTO story_tallies (story_id, latest_credible, first_credible, latest_arrival, outlets) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (story_id) DO UPDATE SET latest_credible = excluded.latest_credible, \
         first_credible = excluded.first_credible, latest_arrival = excluded.latest_arrival, \
         outlets = excluded.outlets",
    )
    .bind(story)
    .bind(tallies.latest_credible)
    .bind(tallies.first_credible)
    .bind(tallies.latest_arrival)
    .bind(tallies.outlets)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::new_article;
    use super::super::SqliteStore;
    use super::*;
    use crate::{ArticleId, Store, StoryPlacement};

    /// A small deterministic generator (xorshift), so a failure repeats.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// Every story's front-page columns and tallies, as stored and as a
    /// full read of its members makes them.
    async fn stored_and_recomputed(store: &SqliteStore) -> Vec<(i64, [i64; 3], [i64; 3], Tallies, Tallies)> {
        let mut conn = store.pool.acquire().await.unwrap();
        let stories: Vec<(i64, i64, i64, i64)> =
            sqlx::query_as("SELECT id, updated_unix, rank_unix, first_unix FROM stories ORDER BY id")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        let mut out = Vec::new();
        for (id, updated, rank, first) in stories {
            let rows: Vec<MemberFacts> = sqlx::query_as(&format!("{}?", super::super::front::RANK_ROWS))
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
            let (fresh, outlets) = Tallies::of(&rows);
            let kept: Tallies = sqlx::query_as(
                "SELECT latest_credible, first_credible, latest_arrival, outlets FROM story_tallies WHERE story_id = ?",
            )
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
            let kept_outlets: Vec<String> =
                sqlx::query_scalar("SELECT outlet FROM story_outlets WHERE story_id = ? ORDER BY outlet")
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
            assert_eq!(kept_outlets, outlets, "story {id}'s outlets");
            let (u, r, f) = fresh.columns();
            out.push((id, [updated, rank, first], [u, r, f], kept, fresh));
        }
        out
    }

    /// Articles join, move between stories and change verdicts at random,
    /// one at a time and in batches; after every call each story's stored
    /// columns and tallies are what a full read of its members gives, and
    /// each move names the story it left.
    #[tokio::test]
    async fn tallies_counted_as_articles_join_match_a_full_read_of_the_members() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("news.db")).await.unwrap();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let sites = [Some("Alpha"), Some("Beta"), Some(" Gamma "), None, Some("")];
        let mut placed: Vec<ArticleId> = Vec::new();
        let mut story_of: std::collections::HashMap<ArticleId, crate::StoryId> = Default::default();
        let mut n = 0;
        for call in 0..120 {
            let mut batch = Vec::new();
            for _ in 0..1 + rng.below(5) {
                n += 1;
                let reuse = !placed.is_empty() && rng.below(3) == 0;
                let id = if reuse {
                    placed[rng.below(placed.len() as u64) as usize]
                } else {
                    let published = match rng.below(4) {
                        0 => None,
                        d => Some(format!("2030-01-{:02}T{:02}:00:00Z", d * 3, rng.below(24))),
                    };
                    let host = rng.below(3);
                    let mut new = new_article(&format!("https://h{host}.example/{n}"), "T", published.as_deref());
                    new.article.site_name = sites[rng.below(sites.len() as u64) as usize].map(str::to_string);
                    let id = store.insert_article(&new).await.unwrap();
                    placed.push(id);
                    id
                };
                let copy_of = match rng.below(3) {
                    0 => placed.iter().copied().find(|&o| o != id),
                    _ => None,
                };
                let placement = StoryPlacement {
                    story_key: format!("k{}", rng.below(6)),
                    copy_of,
                    redated: rng.below(5) == 0,
                };
                batch.push((id, placement));
            }
            let results = if batch.len() == 1 {
                let story = store.assign_story(batch[0].0, &batch[0].1).await.unwrap();
                vec![(story, None)]
            } else {
                let placed = store.assign_stories(&batch).await.unwrap();
                placed.into_iter().map(|p| (p.story, Some(p.left))).collect()
            };
            for ((article, _), (story, left)) in batch.iter().zip(results) {
                let before = story_of.insert(*article, story);
                if let Some(left) = left {
                    let moved_from = before.filter(|&b| b != story);
                    assert_eq!(
                        left.as_ref().map(|l| l.story),
                        moved_from,
                        "call {call}: the story left"
                    );
                }
            }
            let live: Vec<i64> = sqlx::query_scalar("SELECT id FROM stories ORDER BY id")
                .fetch_all(&store.pool)
                .await
                .unwrap();
            let members: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT story_id FROM story_members")
                .fetch_all(&store.pool)
                .await
                .unwrap();
            let mut members = members;
            members.sort_unstable();
            assert_eq!(
                live, members,
                "call {call}: a story exists while it has members, and only then"
            );
            for (story, stored, fresh, kept, recomputed) in stored_and_recomputed(&store).await {
                assert_eq!(stored, fresh, "story {story}'s columns after call {call}");
                assert_eq!(kept, recomputed, "story {story}'s tallies after call {call}");
            }
        }
    }

    /// A story stored before migration 0011 has no tallies: its next
    /// placement reads its members and makes them.
    #[tokio::test]
    async fn a_story_without_tallies_gets_them_at_its_next_placement() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("news.db")).await.unwrap();
        let mut ids = Vec::new();
        for (n, (site, day)) in [("Alpha", "05"), ("Beta", "07"), ("Alpha", "09")].iter().enumerate() {
            let mut new = new_article(
                &format!("https://a.example/{n}"),
                "T",
                Some(&format!("2030-01-{day}T00:00:00Z")),
            );
            new.article.site_name = Some(site.to_string());
            ids.push(store.insert_article(&new).await.unwrap());
        }
        let place = |key: &str| StoryPlacement {
            story_key: key.to_string(),
            copy_of: None,
            redated: false,
        };
        store.assign_story(ids[0], &place("k")).await.unwrap();
        store.assign_story(ids[1], &place("k")).await.unwrap();
        sqlx::query("DELETE FROM story_tallies")
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM story_outlets")
            .execute(&store.pool)
            .await
            .unwrap();
        store.assign_story(ids[2], &place("k")).await.unwrap();
        let rows = stored_and_recomputed(&store).await;
        assert_eq!(rows.len(), 1);
        let (_, stored, fresh, kept, _) = &rows[0];
        assert_eq!(stored, fresh);
        assert_eq!(kept.outlets, 2, "Alpha and Beta, each once");
        assert_eq!(kept.latest_credible, Some(1_893_456_000 + 8 * 86_400), "2030-01-09");
    }
}
