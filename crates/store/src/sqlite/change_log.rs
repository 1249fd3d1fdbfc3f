//! SQLite queries of the change log: the story moves that every search index follows by sequence number (see [`crate::Store::change_log_after`]).

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::{ArticleId, ChangeLogBounds, Error, ReindexEntry, Result};

/// Up to `limit` entries with a seq above `after`, in seq order.
pub(super) async fn after(pool: &SqlitePool, after: i64, limit: u32) -> Result<Vec<ReindexEntry>> {
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT seq, article_id FROM reindex_queue WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, article)| ReindexEntry {
            seq,
            article: ArticleId(article),
        })
        .collect())
}

/// How many entries have a seq above `after`.
pub(super) async fn count_after(pool: &SqlitePool, after: i64) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reindex_queue WHERE seq > ?")
        .bind(after)
        .fetch_one(pool)
        .await?;
    u64::try_from(n).map_err(|_| Error::Corrupt(format!("change log length is {n}")))
}

/// The newest seq and the highest pruned one, read in one statement.
pub(super) async fn bounds(pool: &SqlitePool) -> Result<ChangeLogBounds> {
    let (newest, pruned): (Option<i64>, i64) = sqlx::query_as(
        "SELECT (SELECT MAX(seq) FROM reindex_queue), \
                (SELECT through FROM change_log_pruned WHERE id = 1)",
    )
    .fetch_one(pool)
    .await?;
    Ok(ChangeLogBounds::new(newest, pruned))
}

/// Deletes the entries written before `before` and records the highest
/// seq deleted, in the caller's transaction.
pub(super) async fn prune(tx: &mut Transaction<'static, Sqlite>, before: DateTime<Utc>) -> Result<u64> {
    let highest: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM reindex_queue WHERE at_ms < ?")
        .bind(before.timestamp_millis())
        .fetch_one(&mut **tx)
        .await?;
    let Some(highest) = highest else {
        return Ok(0);
    };
    // Everything up to the highest old entry goes, so that the log stays
    // one unbroken run of seqs above the pruned one.
    let deleted = sqlx::query("DELETE FROM reindex_queue WHERE seq <= ?")
        .bind(highest)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    sqlx::query("UPDATE change_log_pruned SET through = MAX(through, ?) WHERE id = 1")
        .bind(highest)
        .execute(&mut **tx)
        .await?;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::super::test_support::{new_article, placement, store_test};
    use crate::{ArticleId, ChangeLogBounds};

    /// Stores `n` articles in story "one" and moves each to "two": `n`
    /// log entries, in article order.
    async fn moves(store: &dyn crate::Store, n: usize) -> Vec<ArticleId> {
        let mut ids = Vec::new();
        for i in 0..n {
            let id = store
                .insert_article(&new_article(&format!("https://a.example/{i}"), "A", None))
                .await
                .unwrap();
            store.assign_story(id, &placement("one")).await.unwrap();
            ids.push(id);
        }
        for &id in &ids {
            store.assign_story(id, &placement("two")).await.unwrap();
        }
        ids
    }

    store_test!(async fn each_reader_follows_the_log_from_its_own_seq_and_nothing_is_consumed(store) {
        assert_eq!(store.change_log_bounds().await.unwrap(), ChangeLogBounds { head: 0, pruned_through: 0 });
        let ids = moves(&*store, 3).await;
        let all = store.change_log_after(0, 10).await.unwrap();
        assert_eq!(all.iter().map(|e| e.article).collect::<Vec<_>>(), ids);
        assert!(all.windows(2).all(|w| w[0].seq < w[1].seq), "in seq order: {all:?}");
        // Two readers at different places see what lies beyond each.
        assert_eq!(store.change_log_after(all[0].seq, 10).await.unwrap(), all[1..].to_vec());
        assert_eq!(store.change_log_after(all[0].seq, 1).await.unwrap(), all[1..2].to_vec());
        assert_eq!(store.change_log_after(all[2].seq, 10).await.unwrap(), vec![]);
        assert_eq!(store.change_log_count_after(all[0].seq).await.unwrap(), 2);
        // Reading takes nothing away.
        assert_eq!(store.change_log_after(0, 10).await.unwrap(), all);
        assert_eq!(store.change_log_bounds().await.unwrap().head, all[2].seq);
    });

    store_test!(async fn pruning_drops_old_entries_and_remembers_how_far_it_went(store) {
        let ids = moves(&*store, 2).await;
        let all = store.change_log_after(0, 10).await.unwrap();
        // Nothing is older than an hour ago.
        assert_eq!(store.prune_change_log(Utc::now() - Duration::hours(1)).await.unwrap(), 0);
        assert_eq!(store.change_log_bounds().await.unwrap().pruned_through, 0);
        // Age the first entry, then prune.
        store
            .exec("UPDATE reindex_queue SET at_ms = at_ms - 86400000 WHERE seq = $1", &[all[0].seq])
            .await;
        assert_eq!(store.prune_change_log(Utc::now() - Duration::hours(1)).await.unwrap(), 1);
        let bounds = store.change_log_bounds().await.unwrap();
        assert_eq!(bounds, ChangeLogBounds { head: all[1].seq, pruned_through: all[0].seq });
        assert_eq!(store.change_log_after(0, 10).await.unwrap(), all[1..].to_vec());

        // Everything pruned: the head stays where it was, and the next move
        // gets a seq above every one handed out before.
        assert_eq!(store.prune_change_log(Utc::now() + Duration::hours(1)).await.unwrap(), 1);
        let bounds = store.change_log_bounds().await.unwrap();
        assert_eq!(bounds, ChangeLogBounds { head: all[1].seq, pruned_through: all[1].seq });
        store.assign_story(ids[0], &placement("three")).await.unwrap();
        let next = store.change_log_after(bounds.head, 10).await.unwrap();
        assert_eq!(next.len(), 1);
        assert!(next[0].seq > all[1].seq, "{next:?} after {all:?}");
        // A prune never moves the horizon back.
        assert_eq!(store.prune_change_log(Utc::now() - Duration::hours(1)).await.unwrap(), 0);
        assert_eq!(store.change_log_bounds().await.unwrap().pruned_through, all[1].seq);
    });
}
