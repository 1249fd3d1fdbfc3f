//! Storage for sources, fetches, articles and stories.
//!
//! Every stage above this crate sees only the [`Store`] trait. SQLite (through
//! sqlx) is the default backend; the trait is shaped so that a PostgreSQL
//! backend can sit behind it without any stage changing: it speaks in model
//! types and plain ids, never in SQL rows or connections.

pub mod copy;
mod error;
mod outlet;
mod postgres;
pub mod queue;
mod ranking;
mod route;
mod sqlite;
mod summary;
mod types;

#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

pub use error::{Error, Result};
pub use outlet::outlet_name;
pub use postgres::{LeaderLock, PgStore};
pub use queue::{DeadJob, Job, JobCounts, JobKind, JobState, NewJob};
pub use ranking::{independent_outlets, rank_key, RankedStory, StoryFilter, OPENING_CHARS, RANK_HALF_LIFE_SECS};
#[cfg(any(test, feature = "test-support"))]
pub use sqlite::entities::FoldState;
pub use sqlite::SqliteStore;
pub use types::*;

use async_trait::async_trait;
use model::{Source, SourceKind};

/// Everything ravenwire keeps, behind one interface.
#[async_trait]
pub trait Store: Send + Sync {
    /// Adds a source, or returns the existing one with the same URL.
    async fn add_source(&self, source: &Source) -> Result<SourceId>;
    /// Sources of one kind, or all of them, oldest first.
    async fn sources(&self, kind: Option<SourceKind>) -> Result<Vec<StoredSource>>;
    /// Notes that a feed was polled, so the next poll can be polite.
    async fn mark_source_polled(&self, id: SourceId, at: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// The source with this id, state and WebSub subscription included.
    async fn source(&self, id: SourceId) -> Result<Option<StoredSource>>;
    /// The source with exactly this URL.
    async fn source_by_url(&self, url: &str) -> Result<Option<StoredSource>>;
    /// Removes a source and its poll history; its articles are kept, with no
    /// source. `false` when there was no such source.
    async fn remove_source(&self, id: SourceId) -> Result<bool>;
    /// Logs one poll of `poll.source` and sets the source's new state, in one
    /// transaction. [`Error::NotFound`] when the source is gone (removed
    /// while it was being polled); nothing is written then.
    async fn record_poll(&self, poll: &PollRecord, state: &FeedState) -> Result<()>;
    /// Up to `limit` polls of a source, newest first.
    async fn polls(&self, source: SourceId, limit: u32) -> Result<Vec<PollRecord>>;
    /// Up to `limit` polled sources (feeds and sitemaps) due at `now`: those
    /// never polled or whose `next_poll` has come, or with `force` all of
    /// them; never one whose `wait_until` is after `now`. Never-polled ones
    /// first, then the longest overdue, then by id.
    async fn due_sources(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        force: bool,
        limit: u32,
    ) -> Result<Vec<StoredSource>>;
    /// Sets (or with `None` clears) a source's WebSub subscription.
    /// [`Error::NotFound`] when there is no such source.
    async fn set_websub(&self, source: SourceId, websub: Option<&WebSub>) -> Result<()>;
    /// How many stored articles came from this source.
    async fn count_articles_of_source(&self, source: SourceId) -> Result<u64>;

    /// Records one fetch or read of a document, successful or not.
    async fn record_fetch(&self, fetch: &FetchRecord) -> Result<FetchId>;

    /// The article stored under this canonical URL, if any.
    async fn find_article_by_url(&self, canonical_url: &str) -> Result<Option<ArticleId>>;
    /// The article whose body has this content hash, if any.
    async fn find_article_by_hash(&self, content_hash: &str) -> Result<Option<ArticleId>>;
    /// Stores a new article. Fails with [`Error::Conflict`] when its canonical
    /// URL is already stored.
    async fn insert_article(&self, article: &NewArticle) -> Result<ArticleId>;
    /// [`Store::insert_article`] and then [`Store::set_article_entities`]
    /// for the new article. SQLite does both in one transaction, so an
    /// article is never stored unscanned; PostgreSQL does them one after
    /// the other, so that workers hold the lock that orders article ids
    /// only for the insert (an article stored unscanned is scanned when the
    /// next pipeline opens).
    async fn insert_scanned_article(
        &self,
        article: &NewArticle,
        version: u32,
        entities: &[ArticleEntity],
    ) -> Result<ArticleId>;
    /// Stores pages in the order given, as one at a time would: a page with
    /// an article whose canonical URL is stored already is
    /// [`PageStored::Known`] and leaves no trace; otherwise its fetch is
    /// recorded and its article stored with its entities
    /// ([`Store::insert_scanned_article`]). SQLite writes them all in one
    /// transaction (all or none); PostgreSQL stores them one by one, so
    /// that workers take the lock that orders article ids for one insert
    /// at a time.
    async fn store_pages(&self, pages: Vec<NewPage>, version: u32) -> Result<Vec<PageStored>>;
    /// Puts an article into the story with this key, creating the story the
    /// first time the key is seen, and records its provenance.
    async fn assign_story(&self, article: ArticleId, placement: &StoryPlacement) -> Result<StoryId>;
    /// [`Store::assign_story`] for each placement in turn, in one
    /// transaction: all of them or none. Where each article went, and the
    /// story it left if it moved, in the same order. A story that several
    /// of the placements change has its front-page rank worked out once, at
    /// the end, so moving a story's members costs one read of it, not one a
    /// member.
    async fn assign_stories(&self, placements: &[(ArticleId, StoryPlacement)]) -> Result<Vec<Placed>>;

    async fn article(&self, id: ArticleId) -> Result<Option<StoredArticle>>;
    /// The provenance of those of `ids` that are in a story, in one look-up
    /// (a page of search hits); the others are left out.
    async fn provenance(&self, ids: &[ArticleId]) -> Result<std::collections::HashMap<ArticleId, model::Provenance>>;
    /// Articles in id order, starting after `after`: for reindexing and for
    /// warming the story engine.
    async fn articles_after(&self, after: Option<ArticleId>, limit: u32) -> Result<Vec<StoredArticle>>;

    /// Stories with the most recent activity first.
    async fn latest_stories(&self, limit: u32, offset: u32) -> Result<Vec<StorySummary>>;
    async fn story(&self, id: StoryId) -> Result<Option<StoryDetail>>;
    /// The story with this engine key, if any: for a caller whose engine
    /// knows stories it has not placed articles in this run.
    async fn story_by_key(&self, key: &str) -> Result<Option<StoryId>>;
    /// Replaces the related-stories list of a story.
    async fn set_related(&self, story: StoryId, related: &[StoryId]) -> Result<()>;
    /// Replaces the related-stories lists of many stories in one
    /// transaction: all of them, or, when one names a story that is not
    /// there, none.
    async fn set_related_lists(&self, lists: &[(StoryId, Vec<StoryId>)]) -> Result<()>;

    async fn stats(&self) -> Result<StoreStats>;

    /// How many articles have an id above `after` (all for `None`): what a
    /// derived copy that has seen every article up to `after` still lacks.
    async fn count_articles_after(&self, after: Option<ArticleId>) -> Result<u64>;
    /// Up to `limit` articles that are in no story (a run stopped between
    /// storing them and placing them), lowest id first.
    async fn unplaced_articles(&self, limit: u32) -> Result<Vec<ArticleId>>;
    /// Up to `limit` articles whose story changed after their first
    /// placement, oldest move first: [`Store::assign_story`] queues them in
    /// the same transaction as the move, so that the search index, which
    /// files articles under their story, can catch up.
    async fn reindex_queue(&self, limit: u32) -> Result<Vec<ReindexEntry>>;
    /// How many entries the change log holds (every index's pending moves
    /// are [`Store::change_log_count_after`] its applied seq).
    async fn reindex_pending(&self) -> Result<u64>;
    /// Drops the change log's entries up to and including `up_to`. Other
    /// indexes may still need them: the pipeline no longer calls this, and
    /// prunes by age instead ([`Store::prune_change_log`]).
    async fn clear_reindex(&self, up_to: i64) -> Result<()>;

    /// Up to `limit` entries of the change log with a seq above `after`, in
    /// seq order. The change log is the reindex queue read by sequence
    /// number: each search index keeps the highest seq it has applied (see
    /// `index::SearchIndex::log_seq`) and reads on from there, so any
    /// number of indexes follow it and none takes an entry from another.
    /// Seqs become visible in order (one writer at a time on SQLite; the
    /// story-write lock on PostgreSQL).
    async fn change_log_after(&self, after: i64, limit: u32) -> Result<Vec<ReindexEntry>>;
    /// How many entries of the change log have a seq above `after`: the
    /// moves an index that applied `after` still lacks.
    async fn change_log_count_after(&self, after: i64) -> Result<u64>;
    /// The change log's newest seq and the highest one pruned.
    async fn change_log_bounds(&self) -> Result<ChangeLogBounds>;
    /// Deletes the change log's entries written before `before` (and any
    /// older seq), recording the highest seq deleted in the same
    /// transaction. Returns how many went. For the leader, after its index
    /// commits; see [`CHANGE_LOG_RETENTION_DAYS`].
    async fn prune_change_log(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64>;

    /// Up to `limit` stories that pass `filter`, after skipping `offset`
    /// of them, in the front page's order: by the rank of [`rank_key`]
    /// (independent outlets and the latest report), then the later first
    /// report, then the higher id. Each carries the opening of its first
    /// report.
    async fn top_stories(&self, filter: &StoryFilter, limit: u32, offset: u32) -> Result<Vec<RankedStory>>;
    /// How many articles are not originals in their story: copies and
    /// re-dated copies (see [`model::Provenance`]).
    async fn count_copies(&self) -> Result<u64>;
    /// Every logged poll, counted by outcome.
    async fn poll_outcomes(&self) -> Result<PollOutcomes>;
    /// When the source that has waited longest among those due at `now`
    /// (as [`Store::due_sources`] picks them, without `force`) became due:
    /// its `next_poll`, or when it was added if it was never polled, or
    /// its `wait_until` if that came later. `None` when none is due.
    async fn oldest_due(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Option<chrono::DateTime<chrono::Utc>>>;
    /// Sets (or with `None` clears) a source's country: an ISO 3166-1
    /// alpha-2 code, stored in upper case. [`Error::Invalid`] when `country`
    /// is not two ASCII letters, [`Error::NotFound`] when there is no such
    /// source.
    async fn set_source_country(&self, id: SourceId, country: Option<&str>) -> Result<()>;
    /// A source's country, if one was set; [`Error::NotFound`] when there is
    /// no such source.
    async fn source_country(&self, id: SourceId) -> Result<Option<String>>;
    /// The origin of those of `ids` that exist, in one look-up (the members
    /// of a story); unknown ids are left out.
    async fn article_origins(&self, ids: &[ArticleId]) -> Result<std::collections::HashMap<ArticleId, ArticleOrigin>>;
    /// The plain text of those of `ids` that exist, in one look-up; unknown
    /// ids are left out.
    async fn article_texts(&self, ids: &[ArticleId]) -> Result<std::collections::HashMap<ArticleId, String>>;
    /// The admin password's argon2 hash (a PHC string), if one is set.
    async fn admin_password_hash(&self) -> Result<Option<String>>;
    /// Sets or replaces the admin password's hash, and ends every session:
    /// a changed password logs everyone out.
    async fn set_admin_password_hash(&self, phc: &str, at: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Keeps a new login session under the SHA-256 of its token (hex) until
    /// `expires_at`; sessions expired at `now` are dropped on the way.
    async fn create_session(
        &self,
        token_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()>;
    /// Whether the session with this token hash exists and is unexpired at `now`.
    async fn session_valid(&self, token_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<bool>;
    /// Ends a session (logout); false when there was none.
    async fn delete_session(&self, token_hash: &str) -> Result<bool>;
    /// Keeps a new API token under the SHA-256 of its value (hex).
    /// [`Error::Conflict`] when a token of that name exists.
    async fn create_api_token(
        &self,
        name: &str,
        token_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<ApiTokenId>;
    /// Every API token, oldest first.
    async fn api_tokens(&self) -> Result<Vec<ApiToken>>;
    /// The API token with this hash, if any, marked as used at `at`.
    async fn use_api_token(&self, token_hash: &str, at: chrono::DateTime<chrono::Utc>) -> Result<Option<ApiToken>>;
    /// Deletes an API token; false when there was none.
    async fn revoke_api_token(&self, id: ApiTokenId) -> Result<bool>;
    /// Keeps a search. [`Error::Invalid`] when its name is blank.
    async fn save_search(&self, search: &NewSavedSearch) -> Result<SavedSearchId>;
    /// Every saved search, newest first.
    async fn saved_searches(&self) -> Result<Vec<SavedSearch>>;
    async fn saved_search(&self, id: SavedSearchId) -> Result<Option<SavedSearch>>;
    /// Forgets a saved search; `false` when there was no such search.
    async fn delete_saved_search(&self, id: SavedSearchId) -> Result<bool>;
    /// Replaces the entities an article names and marks it scanned by
    /// entity rules of `version`, in one transaction. Entities are found
    /// by key or made (an existing one keeps its name and kind).
    /// [`Error::NotFound`] when there is no such article.
    async fn set_article_entities(&self, article: ArticleId, version: u32, entities: &[ArticleEntity]) -> Result<()>;
    /// Up to `limit` articles not yet scanned by entity rules of
    /// `version` (never scanned, or by older rules), lowest id first.
    async fn articles_lacking_entities(&self, version: u32, limit: u32) -> Result<Vec<ArticleId>>;
    /// Up to `limit` entities a story's articles name, most mentioned
    /// first; `mentions` and `articles` count within the story.
    async fn story_entities(&self, story: StoryId, limit: u32) -> Result<Vec<StoredEntity>>;
    /// An entity, with its mentions over every article.
    async fn entity(&self, id: EntityId) -> Result<Option<StoredEntity>>;
    /// Up to `limit` stories whose articles name an entity, newest
    /// (latest activity) first, after skipping `offset`.
    async fn entity_stories(&self, id: EntityId, limit: u32, offset: u32) -> Result<Vec<StorySummary>>;
    /// How many stories name an entity.
    async fn count_entity_stories(&self, id: EntityId) -> Result<u64>;

    /// Queues jobs for the workers; a job whose key is already in the
    /// queue, in any state, is skipped. Returns how many were queued.
    async fn enqueue_jobs(&self, jobs: &[NewJob], now: chrono::DateTime<chrono::Utc>) -> Result<u64>;
    /// Claims up to `limit` jobs for `worker`, leased until `now + lease`:
    /// queued ones whose back-off has passed, and running ones whose lease
    /// ran out (their worker died), oldest first. Two workers never get the
    /// same job under one lease. A job whose lease ran out on its last
    /// allowed try ([`queue::MAX_ATTEMPTS`]) is marked dead instead.
    async fn claim_jobs(
        &self,
        worker: &str,
        now: chrono::DateTime<chrono::Utc>,
        lease: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<Job>>;
    /// Marks a job done and drops its body, if `worker` still holds it;
    /// `false` when it does not (its lease ran out and another worker took
    /// it, which is harmless: writes are idempotent).
    async fn finish_job(&self, id: JobId, worker: &str, now: chrono::DateTime<chrono::Utc>) -> Result<bool>;
    /// Records a failed try of a job `worker` holds: queued again after a
    /// back-off ([`queue::retry_at_ms`]), or dead after
    /// [`queue::MAX_ATTEMPTS`] tries. `None` when `worker` no longer holds it.
    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<JobState>>;
    /// How many jobs are in each state.
    async fn job_counts(&self) -> Result<JobCounts>;
    /// Up to `limit` dead jobs, the latest failure first.
    async fn dead_jobs(&self, limit: u32) -> Result<Vec<DeadJob>>;
    /// Puts every dead job back in the queue with its tries reset; how many.
    async fn requeue_dead_jobs(&self, now: chrono::DateTime<chrono::Utc>) -> Result<u64>;
    /// The first job ahead of `job` in the queue's order (the order claims
    /// take: due time, then id) whose page may still be stored: one queued
    /// for its first try, or one running under a lease that has not run
    /// out at `now`. `None` when there is none, and so the page of `job`
    /// is next in line. A job that failed and waits out its back-off, or
    /// whose worker died, is not ahead of anyone: its page comes late.
    async fn job_ahead(&self, job: JobId, now: chrono::DateTime<chrono::Utc>) -> Result<Option<JobId>>;
}

/// [`Store::store_pages`] through the one-page methods, one after the other.
pub(crate) async fn store_pages_one_by_one(
    store: &dyn Store,
    pages: Vec<NewPage>,
    version: u32,
) -> Result<Vec<PageStored>> {
    let mut stored = Vec::with_capacity(pages.len());
    for page in pages {
        let Some((mut article, entities)) = page.article else {
            stored.push(PageStored::Recorded(store.record_fetch(&page.fetch).await?));
            continue;
        };
        if let Some(id) = store.find_article_by_url(&article.canonical_url).await? {
            stored.push(PageStored::Known(id));
            continue;
        }
        article.fetch = Some(store.record_fetch(&page.fetch).await?);
        stored.push(match store.insert_scanned_article(&article, version, &entities).await {
            Ok(id) => PageStored::New(id),
            Err(Error::Conflict(_)) => match store.find_article_by_url(&article.canonical_url).await? {
                Some(id) => PageStored::Known(id),
                None => PageStored::Lost,
            },
            Err(e) => return Err(e),
        });
    }
    Ok(stored)
}
