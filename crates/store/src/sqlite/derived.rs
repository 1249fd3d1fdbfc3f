//! SQLite queries that let derived state (the search index, story placement) catch up with the store.

use sqlx::SqlitePool;

use crate::{ArticleId, Error, Result};

/// Counts every article. SQLite counts a table without a WHERE clause on
/// its smallest index (`articles_by_source`, about 10 bytes an article);
/// any condition on `id`, even one every row meets, walks the table itself,
/// whose leaves hold the articles' texts: at a million articles that read
/// 4.5 GB, and a cold start of the pipeline took half a minute.
pub(super) const COUNT_ALL: &str = "SELECT COUNT(*) FROM articles";

/// Counts the articles above an id: a walk of the table's tail only.
const COUNT_AFTER: &str = "SELECT COUNT(*) FROM articles WHERE id > ?";

/// Counts the placed articles. Each member row names an article of its own
/// (its key, and a foreign key with ON DELETE CASCADE), so this equals
/// [`COUNT_ALL`] exactly when no article is unplaced.
const COUNT_PLACED: &str = "SELECT COUNT(*) FROM story_members";

/// The unplaced articles, by a walk of the whole article table.
const UNPLACED: &str = "SELECT a.id FROM articles a LEFT JOIN story_members m ON m.article_id = a.id \
                        WHERE m.article_id IS NULL ORDER BY a.id LIMIT ?";

/// How many articles have an id above `after` (all of them for `None`).
pub(super) async fn count_after(pool: &SqlitePool, after: Option<ArticleId>) -> Result<u64> {
    let n: i64 = match after {
        None => sqlx::query_scalar(COUNT_ALL).fetch_one(pool).await?,
        Some(id) => sqlx::query_scalar(COUNT_AFTER).bind(id.0).fetch_one(pool).await?,
    };
    super::count(n, "article")
}

/// Up to `limit` articles in no story, in id order.
///
/// Every opening of a pipeline asks, and the answer is almost always none:
/// two counts on small indexes say so without the walk of the article
/// table that finding them takes.
pub(super) async fn unplaced(pool: &SqlitePool, limit: u32) -> Result<Vec<ArticleId>> {
    let (all, placed): (i64, i64) = sqlx::query_as(&format!("SELECT ({COUNT_ALL}), ({COUNT_PLACED})"))
        .fetch_one(pool)
        .await?;
    if all == placed {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = sqlx::query_scalar(UNPLACED)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    Ok(ids.into_iter().map(ArticleId).collect())
}

/// How many entries wait in the reindex queue.
pub(super) async fn reindex_pending(pool: &SqlitePool) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reindex_queue")
        .fetch_one(pool)
        .await?;
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("reindex queue length is {n}")))
}

/// Drops the queue entries up to and including `seq`.
pub(super) async fn clear_reindex(pool: &SqlitePool, seq: i64) -> Result<()> {
    sqlx::query("DELETE FROM reindex_queue WHERE seq <= ?")
        .bind(seq)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{new_article, placement, store_test};
    use crate::ArticleId;

    store_test!(async fn an_article_stored_but_not_placed_is_listed_until_it_is(store) {
        let a = store
            .insert_article(&new_article("https://a.example/1", "A", None))
            .await
            .unwrap();
        let b = store
            .insert_article(&new_article("https://a.example/2", "B", None))
            .await
            .unwrap();
        assert_eq!(store.unplaced_articles(10).await.unwrap(), vec![a, b]);
        store.assign_story(a, &placement("k")).await.unwrap();
        assert_eq!(store.unplaced_articles(10).await.unwrap(), vec![b]);
        assert_eq!(store.count_articles_after(None).await.unwrap(), 2);
        assert_eq!(store.count_articles_after(Some(a)).await.unwrap(), 1);
        assert_eq!(store.count_articles_after(Some(b)).await.unwrap(), 0);
    });

    /// Regression: a cold start of the pipeline at a million articles read
    /// 4.5 GB and took half a minute, because the counts it asks for at
    /// every opening walked the article table, whose leaves hold the texts.
    /// They must be answered from an index: SQLite says which in its plan.
    #[tokio::test]
    async fn a_cold_start_counts_articles_without_reading_their_texts() {
        let (_dir, store) = crate::test_support::sqlite_store().await;
        let scanned = format!(
            "SELECT ({}), (SELECT COUNT(*) FROM entity_scans WHERE version >= 1)",
            super::COUNT_ALL
        );
        for sql in [super::COUNT_ALL, super::COUNT_PLACED, scanned.as_str()] {
            let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(&store.pool)
                .await
                .unwrap();
            let steps: Vec<&str> = plan.iter().map(|(_, _, _, step)| step.as_str()).collect();
            assert!(
                steps
                    .iter()
                    .all(|step| !step.contains(" articles") || step.contains("COVERING INDEX")),
                "{sql}: {steps:?}"
            );
        }
        // What this guards against: a condition on the id walks the table.
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM articles WHERE id > -1")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert!(
            plan.iter()
                .any(|(_, _, _, step)| step.contains(" articles") && !step.contains("COVERING INDEX")),
            "{plan:?}"
        );
    }

    store_test!(async fn an_opening_with_every_article_placed_and_scanned_finds_none_lacking(store) {
        let a = store
            .insert_scanned_article(&new_article("https://a.example/1", "A", None), 1, &[])
            .await
            .unwrap();
        let b = store
            .insert_scanned_article(&new_article("https://a.example/2", "B", None), 1, &[])
            .await
            .unwrap();
        store.assign_story(a, &placement("k")).await.unwrap();
        assert_eq!(store.unplaced_articles(10).await.unwrap(), vec![b]);
        store.assign_story(b, &placement("k")).await.unwrap();
        assert_eq!(store.unplaced_articles(10).await.unwrap(), vec![]);
        assert_eq!(store.articles_lacking_entities(1, 10).await.unwrap(), vec![]);
        // Newer rules: every article lacks them again, in id order.
        assert_eq!(store.articles_lacking_entities(2, 10).await.unwrap(), vec![a, b]);
        // An article deleted takes its member and scan rows with it, and
        // the counts still agree.
        store.exec("DELETE FROM articles WHERE id = $1", &[a.0]).await;
        assert_eq!(store.unplaced_articles(10).await.unwrap(), vec![]);
        assert_eq!(store.articles_lacking_entities(1, 10).await.unwrap(), vec![]);
        assert_eq!(store.count_articles_after(None).await.unwrap(), 1);
    });

    store_test!(async fn a_story_move_is_queued_for_the_index_in_its_own_transaction_and_only_a_move(store) {
        let a = store
            .insert_article(&new_article("https://a.example/1", "A", None))
            .await
            .unwrap();
        let b = store
            .insert_article(&new_article("https://a.example/2", "B", None))
            .await
            .unwrap();
        store.assign_story(a, &placement("one")).await.unwrap();
        store.assign_story(b, &placement("one")).await.unwrap();
        // A first placement, and the same story again, are no moves.
        store.assign_story(a, &placement("one")).await.unwrap();
        assert_eq!(store.reindex_pending().await.unwrap(), 0);

        store.assign_story(b, &placement("two")).await.unwrap();
        store.assign_story(a, &placement("two")).await.unwrap();
        let queue = store.reindex_queue(10).await.unwrap();
        assert_eq!(queue.iter().map(|e| e.article).collect::<Vec<ArticleId>>(), vec![b, a]);
        assert_eq!(store.reindex_pending().await.unwrap(), 2);

        store.clear_reindex(queue[0].seq).await.unwrap();
        let left = store.reindex_queue(10).await.unwrap();
        assert_eq!(left, vec![queue[1]]);
        store.clear_reindex(queue[1].seq).await.unwrap();
        assert_eq!(store.reindex_pending().await.unwrap(), 0);
    });
}
