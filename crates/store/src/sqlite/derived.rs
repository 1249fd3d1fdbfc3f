//! SQLite queries that let derived state (the search index, story placement) catch up with the store.

use sqlx::SqlitePool;

use crate::{ArticleId, Error, Result};

/// How many articles have an id above `after` (all of them for `None`).
pub(super) async fn count_after(pool: &SqlitePool, after: Option<ArticleId>) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM articles WHERE id > ?")
        .bind(after.map_or(i64::MIN, |id| id.0))
        .fetch_one(pool)
        .await?;
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("article count is {n}")))
}

/// Up to `limit` articles in no story, in id order.
pub(super) async fn unplaced(pool: &SqlitePool, limit: u32) -> Result<Vec<ArticleId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT a.id FROM articles a LEFT JOIN story_members m ON m.article_id = a.id \
         WHERE m.article_id IS NULL ORDER BY a.id LIMIT ?",
    )
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
