//! Keeping a search index up to the store without writing the store: the follower that lets any number of web nodes each keep their own index.
//!
//! An index knows two things about itself, both kept in its commits (see
//! `index::SearchIndex::mark` and `log_seq`): every article up to its mark
//! is filed, and every entry of the store's change log (a story move) up to
//! its applied seq is applied. One round of [`follow`] reads the log beyond
//! the applied seq, then the articles beyond the mark, and commits both
//! with the new mark and seq in one commit: a kill at any point leaves the
//! last commit, and the next round does the rest again (filing an article
//! twice replaces it).
//!
//! Only *placed* articles are filed: a follower reads the articles beyond
//! its mark up to the first one in no story, and stops there. The leader
//! places articles in id order, so the placed ones form a prefix that only
//! grows; an article placed late is filed when the prefix reaches it, with
//! its story. So placement needs no log entry of its own (nothing more is
//! written on the leader's hot path), and the log holds only moves of
//! articles already placed. Reading the log before the articles makes the
//! articles' stories at least as new as the entries read; a move written
//! after that read has a higher seq, and the next round applies it.
//!
//! The log is pruned by age ([`store::CHANGE_LOG_RETENTION_DAYS`]). An index
//! whose applied seq lies below what was pruned may have missed a move, so
//! it is rebuilt from the store, which is the truth: [`rebuild`].

use index::SearchIndex;
use store::{ArticleId, ReindexEntry, Store, StoredArticle};

use crate::convert::indexed_of;

/// How many log entries, or articles, one commit takes.
const FOLLOW_BATCH: u32 = 1000;

/// What one round of [`follow`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Followed {
    /// Articles beyond the mark, now filed.
    pub indexed: u64,
    /// Log entries applied (moved articles filed again).
    pub applied: u64,
    /// When the log had been pruned past the index's seq: how many
    /// articles the rebuild filed.
    pub rebuilt: Option<u64>,
}

impl Followed {
    /// Whether the round changed the index.
    pub fn changed(&self) -> bool {
        self.indexed > 0 || self.applied > 0 || self.rebuilt.is_some()
    }
}

/// Brings `index` up to the store: applies the change log beyond the
/// index's seq and files the placed articles beyond its mark, a commit per
/// batch; rebuilds it when the log was pruned past its seq. The caller
/// holds whatever keeps other writers of this index away (the data
/// folder's lock); the store is only read.
pub async fn follow(store: &dyn Store, index: &SearchIndex) -> crate::Result<Followed> {
    let mut followed = Followed::default();
    loop {
        let applied = index.log_seq()?.unwrap_or(0);
        let Some(moves) = log_after(store, applied, FOLLOW_BATCH).await? else {
            tracing::warn!(
                applied,
                "the change log was pruned past this search index's last applied entry; rebuilding it from the store"
            );
            followed.rebuilt = Some(rebuild(store, index, |_| {}).await?);
            return Ok(followed);
        };
        let (page, _) = placed_after(store, index.mark()?.map(ArticleId), FOLLOW_BATCH).await?;
        if moves.is_empty() && page.is_empty() {
            return Ok(followed);
        }
        let mut moved = Vec::with_capacity(moves.len());
        for entry in &moves {
            // An article that is gone has nothing to file.
            if let Some(stored) = store.article(entry.article).await? {
                moved.push(stored);
            }
        }
        let mut batch = index.batch()?;
        for stored in moved.iter().chain(&page) {
            batch.upsert(&indexed_of(stored, stored.story))?;
        }
        if let Some(last) = page.last() {
            batch.set_mark(last.id.0);
        }
        if let Some(last) = moves.last() {
            batch.set_log_seq(last.seq);
        }
        batch.commit()?;
        followed.indexed += page.len() as u64;
        followed.applied += moves.len() as u64;
        if moves.len() < FOLLOW_BATCH as usize && page.len() < FOLLOW_BATCH as usize {
            return Ok(followed);
        }
    }
}

/// Whether a round of [`follow`] would change `index`: two small reads,
/// for a caller that takes a lock only when there is work.
pub async fn behind(store: &dyn Store, index: &SearchIndex) -> crate::Result<bool> {
    let applied = index.log_seq()?.unwrap_or(0);
    if store.change_log_bounds().await?.head > applied {
        return Ok(true);
    }
    let (next, _) = placed_after(store, index.mark()?.map(ArticleId), 1).await?;
    Ok(!next.is_empty())
}

/// Up to `limit` change-log entries beyond `applied`, or `None` when the
/// log was pruned past `applied` (some entry beyond it may be gone). The
/// horizon is read after the entries: a prune that committed before the
/// entries were read shows in it.
pub(crate) async fn log_after(store: &dyn Store, applied: i64, limit: u32) -> crate::Result<Option<Vec<ReindexEntry>>> {
    let entries = store.change_log_after(applied, limit).await?;
    let bounds = store.change_log_bounds().await?;
    if bounds.pruned_through > applied {
        return Ok(None);
    }
    Ok(Some(entries))
}

/// Up to `limit` articles after `after` in id order, up to the first one in
/// no story; the flag says whether such an article cut the page short.
pub(crate) async fn placed_after(
    store: &dyn Store,
    after: Option<ArticleId>,
    limit: u32,
) -> crate::Result<(Vec<StoredArticle>, bool)> {
    let mut page = store.articles_after(after, limit).await?;
    let placed = page.iter().take_while(|a| a.story.is_some()).count();
    let cut = placed < page.len();
    page.truncate(placed);
    Ok((page, cut))
}

/// Rebuilds `index` from the store in one commit: every placed article (the
/// prefix [`follow`] files) under its current story, with the mark of the
/// last and the log's head as the applied seq. The head is read before the
/// articles, so every move after it is applied by a later round. Readers
/// see the old index until the commit. Returns how many articles it filed;
/// `progress` hears the count so far.
pub(crate) async fn rebuild(
    store: &dyn Store,
    index: &SearchIndex,
    mut progress: impl FnMut(u64),
) -> crate::Result<u64> {
    let head = store.change_log_bounds().await?.head;
    let mut batch = index.batch()?;
    batch.clear()?;
    let mut after = None;
    let mut count = 0;
    loop {
        let (page, cut) = placed_after(store, after, FOLLOW_BATCH).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for stored in &page {
            batch.upsert(&indexed_of(stored, stored.story))?;
            count += 1;
        }
        progress(count);
        if cut {
            break;
        }
    }
    if let Some(last) = after {
        batch.set_mark(last.0);
    }
    batch.set_log_seq(head);
    batch.commit()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use index::SearchIndex;
    use model::Article;
    use store::{ArticleId, NewArticle, SqliteStore, Store, StoryPlacement};

    use super::{behind, follow, Followed};

    async fn store(dir: &std::path::Path) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(&dir.join("db.sqlite")).await.unwrap())
    }

    /// Stores an article whose title and text carry `word`, in no story.
    async fn stored(store: &dyn Store, word: &str) -> ArticleId {
        let url = format!("https://coast.example/{word}");
        store
            .insert_article(&NewArticle {
                article: Article {
                    url: Some(url.clone()),
                    canonical_url: Some(url.clone()),
                    title: Some(format!("Harbour {word}")),
                    text: format!("The harbour board spoke of {word} on Monday."),
                    ..Article::default()
                },
                canonical_url: url.clone(),
                content_hash: format!("hash of {url}"),
                source: None,
                fetch: None,
            })
            .await
            .unwrap()
    }

    async fn place(store: &dyn Store, id: ArticleId, key: &str) -> i64 {
        let placement = StoryPlacement {
            story_key: key.to_string(),
            copy_of: None,
            redated: false,
        };
        store.assign_story(id, &placement).await.unwrap().0
    }

    /// The story `index` files the article about `word` under, or `None`
    /// when it does not hold it.
    fn filed(index: &SearchIndex, word: &str) -> Option<Option<i64>> {
        index.search(word, 1).unwrap().first().map(|hit| hit.story)
    }

    #[tokio::test]
    async fn new_articles_and_a_story_move_reach_a_second_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let follower = SearchIndex::open(&dir.path().join("follower")).unwrap();
        let a = stored(store.as_ref(), "dredging").await;
        let b = stored(store.as_ref(), "lighthouse").await;
        let one = place(store.as_ref(), a, "one").await;
        place(store.as_ref(), b, "one").await;
        // Stored but not yet placed by the leader: not filed yet.
        let c = stored(store.as_ref(), "ferries").await;

        let followed = follow(store.as_ref(), &follower).await.unwrap();
        assert_eq!((followed.indexed, followed.applied, followed.rebuilt), (2, 0, None));
        assert_eq!(follower.mark().unwrap(), Some(b.0));
        assert_eq!(filed(&follower, "dredging"), Some(Some(one)));
        assert_eq!(filed(&follower, "ferries"), None, "an article in no story waits");

        // The leader places it, and moves another article.
        let other = place(store.as_ref(), c, "two").await;
        place(store.as_ref(), a, "two").await;
        let followed = follow(store.as_ref(), &follower).await.unwrap();
        assert_eq!((followed.indexed, followed.applied), (1, 1));
        assert_eq!(filed(&follower, "ferries"), Some(Some(other)));
        assert_eq!(filed(&follower, "dredging"), Some(Some(other)), "the move reached it");
        assert_eq!(follower.len().unwrap(), 3);
        assert_eq!(follow(store.as_ref(), &follower).await.unwrap(), Followed::default());
        assert!(!behind(store.as_ref(), &follower).await.unwrap());
        place(store.as_ref(), b, "two").await;
        assert!(behind(store.as_ref(), &follower).await.unwrap(), "a move waits");
        follow(store.as_ref(), &follower).await.unwrap();
        stored(store.as_ref(), "quay").await;
        assert!(
            !behind(store.as_ref(), &follower).await.unwrap(),
            "an unplaced article is no work yet"
        );

        // The log is still whole for an index that starts late.
        assert_eq!(store.change_log_after(0, 10).await.unwrap().len(), 2);
        let late = SearchIndex::open(&dir.path().join("late")).unwrap();
        follow(store.as_ref(), &late).await.unwrap();
        assert_eq!(filed(&late, "dredging"), Some(Some(other)));
        assert_eq!(late.log_seq().unwrap(), follower.log_seq().unwrap());
    }

    #[tokio::test]
    async fn a_follower_that_fell_behind_the_pruning_rebuilds_and_one_that_did_not_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let behind = SearchIndex::open(&dir.path().join("behind")).unwrap();
        let current = SearchIndex::open(&dir.path().join("current")).unwrap();
        let a = stored(store.as_ref(), "dredging").await;
        let b = stored(store.as_ref(), "lighthouse").await;
        place(store.as_ref(), a, "one").await;
        place(store.as_ref(), b, "one").await;
        follow(store.as_ref(), &behind).await.unwrap();

        let two = place(store.as_ref(), a, "two").await;
        follow(store.as_ref(), &current).await.unwrap();
        // Every entry pruned: `behind` never applied the move.
        let pruned = store
            .prune_change_log(chrono::Utc::now() + chrono::Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(pruned, 1);
        assert!(store.change_log_after(0, 10).await.unwrap().is_empty());

        let followed = follow(store.as_ref(), &behind).await.unwrap();
        assert_eq!(followed.rebuilt, Some(2), "{followed:?}");
        assert_eq!(filed(&behind, "dredging"), Some(Some(two)));
        assert_eq!(behind.len().unwrap(), 2);
        assert_eq!(behind.mark().unwrap(), Some(b.0));
        // The rebuilt index takes the head as applied, and goes on from it.
        assert_eq!(follow(store.as_ref(), &behind).await.unwrap(), Followed::default());

        assert_eq!(follow(store.as_ref(), &current).await.unwrap(), Followed::default());
        let three = place(store.as_ref(), b, "three").await;
        for index in [&behind, &current] {
            let followed = follow(store.as_ref(), index).await.unwrap();
            assert_eq!((followed.applied, followed.rebuilt), (1, None));
            assert_eq!(filed(index, "lighthouse"), Some(Some(three)));
        }
    }

    #[tokio::test]
    async fn the_leaders_commits_leave_the_log_to_the_followers() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let leader = Arc::new(SearchIndex::open(&dir.path().join("leader")).unwrap());
        let follower = SearchIndex::open(&dir.path().join("follower")).unwrap();
        let a = stored(store.as_ref(), "dredging").await;
        // The pipeline places what is in no story and files it in its index.
        let mut pipeline = crate::Pipeline::open(Arc::clone(&store), Arc::clone(&leader))
            .await
            .unwrap();
        assert_eq!(pipeline.place_pending().await.unwrap(), 1);
        follow(store.as_ref(), &follower).await.unwrap();
        assert!(filed(&follower, "dredging").is_some());

        let moved = place(store.as_ref(), a, "elsewhere").await;
        pipeline.flush().await.unwrap();
        assert_eq!(filed(&leader, "dredging"), Some(Some(moved)));
        assert_eq!(
            leader.log_seq().unwrap(),
            store.change_log_bounds().await.unwrap().head.into()
        );
        // The leader's commit took nothing from the log (and pruned only old entries).
        assert_eq!(follow(store.as_ref(), &follower).await.unwrap().applied, 1);
        assert_eq!(filed(&follower, "dredging"), Some(Some(moved)));
    }
}
