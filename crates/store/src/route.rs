//! The [`crate::Store`] implementation both backends share: each method
//! routes to the function of the same name in the backend's module for its
//! data type (`sources::add`, `stories::assign`, ...), which holds that
//! backend's SQL. Writes that span statements run in a transaction from the
//! backend's `begin_write`, story writes in one from its
//! `begin_story_write` (see each backend for what they lock).

/// Implements [`crate::Store`] for a backend type with a `pool` field, the
/// two `begin_*` methods and the data-type modules in scope.
macro_rules! store_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::Store for $store {
            async fn add_source(&self, source: &Source) -> Result<SourceId> {
                sources::add(&self.pool, source).await
            }

            async fn sources(&self, kind: Option<SourceKind>) -> Result<Vec<StoredSource>> {
                sources::list(&self.pool, kind).await
            }

            async fn mark_source_polled(&self, id: SourceId, at: DateTime<Utc>) -> Result<()> {
                sources::mark_polled(&self.pool, id, at).await
            }

            async fn source(&self, id: SourceId) -> Result<Option<StoredSource>> {
                sources::get(&self.pool, id).await
            }

            async fn source_by_url(&self, url: &str) -> Result<Option<StoredSource>> {
                sources::by_url(&self.pool, url).await
            }

            async fn remove_source(&self, id: SourceId) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let removed = sources::remove(&mut tx, id).await?;
                tx.commit().await?;
                Ok(removed)
            }

            async fn record_poll(&self, poll: &PollRecord, state: &FeedState) -> Result<()> {
                let mut tx = self.begin_write().await?;
                polls::record(&mut tx, poll, state).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn polls(&self, source: SourceId, limit: u32) -> Result<Vec<PollRecord>> {
                polls::history(&self.pool, source, limit).await
            }

            async fn due_sources(&self, now: DateTime<Utc>, force: bool, limit: u32) -> Result<Vec<StoredSource>> {
                polls::due(&self.pool, now, force, limit).await
            }

            async fn set_websub(&self, source: SourceId, websub: Option<&WebSub>) -> Result<()> {
                sources::set_websub(&self.pool, source, websub).await
            }

            async fn count_articles_of_source(&self, source: SourceId) -> Result<u64> {
                sources::count_articles(&self.pool, source).await
            }

            async fn record_fetch(&self, fetch: &FetchRecord) -> Result<FetchId> {
                fetches::record(self.writes(), fetch).await
            }

            async fn find_article_by_url(&self, canonical_url: &str) -> Result<Option<ArticleId>> {
                articles::find_by_url(&self.pool, canonical_url).await
            }

            async fn find_article_by_hash(&self, content_hash: &str) -> Result<Option<ArticleId>> {
                articles::find_by_hash(&self.pool, content_hash).await
            }

            async fn insert_article(&self, article: &NewArticle) -> Result<ArticleId> {
                articles::insert(self.writes(), article).await
            }

            async fn insert_scanned_article(
                &self,
                article: &NewArticle,
                version: u32,
                entities: &[crate::ArticleEntity],
            ) -> Result<ArticleId> {
                self.insert_scanned(article, version, entities).await
            }

            async fn store_pages(&self, pages: Vec<crate::NewPage>, version: u32) -> Result<Vec<crate::PageStored>> {
                self.store_pages_here(pages, version).await
            }

            async fn assign_story(&self, article: ArticleId, placement: &StoryPlacement) -> Result<StoryId> {
                let mut tx = self.begin_story_write().await?;
                let mut changed = stories::Changed::default();
                let placed = stories::assign(&mut tx, article, placement, &mut changed).await?;
                stories::refresh_changed(&mut tx, changed).await?;
                tx.commit().await?;
                Ok(placed.story)
            }

            async fn assign_stories(&self, placements: &[(ArticleId, StoryPlacement)]) -> Result<Vec<crate::Placed>> {
                if placements.is_empty() {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_story_write().await?;
                let mut placed = Vec::with_capacity(placements.len());
                let mut changed = stories::Changed::default();
                for (article, placement) in placements {
                    placed.push(stories::assign(&mut tx, *article, placement, &mut changed).await?);
                }
                stories::refresh_changed(&mut tx, changed).await?;
                tx.commit().await?;
                Ok(placed)
            }

            async fn article(&self, id: ArticleId) -> Result<Option<StoredArticle>> {
                articles::get(&self.pool, id).await
            }

            async fn provenance(
                &self,
                ids: &[ArticleId],
            ) -> Result<std::collections::HashMap<ArticleId, model::Provenance>> {
                articles::provenance(&self.pool, ids).await
            }

            async fn articles_after(&self, after: Option<ArticleId>, limit: u32) -> Result<Vec<StoredArticle>> {
                articles::after(&self.pool, after, limit).await
            }

            async fn latest_stories(&self, limit: u32, offset: u32) -> Result<Vec<StorySummary>> {
                stories::latest(&self.pool, limit, offset).await
            }

            async fn story(&self, id: StoryId) -> Result<Option<StoryDetail>> {
                stories::detail(&self.pool, id).await
            }

            async fn story_by_key(&self, key: &str) -> Result<Option<StoryId>> {
                stories::by_key(&self.pool, key).await
            }

            async fn set_related(&self, story: StoryId, related: &[StoryId]) -> Result<()> {
                let mut tx = self.begin_story_write().await?;
                stories::set_related(&mut tx, story, related).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_related_lists(&self, lists: &[(StoryId, Vec<StoryId>)]) -> Result<()> {
                if lists.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_story_write().await?;
                for (story, related) in lists {
                    stories::set_related(&mut tx, *story, related).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn count_articles_after(&self, after: Option<ArticleId>) -> Result<u64> {
                derived::count_after(&self.pool, after).await
            }

            async fn unplaced_articles(&self, limit: u32) -> Result<Vec<ArticleId>> {
                derived::unplaced(&self.pool, limit).await
            }

            async fn reindex_queue(&self, limit: u32) -> Result<Vec<ReindexEntry>> {
                // The whole log: sequence numbers start at 1.
                change_log::after(&self.pool, 0, limit).await
            }

            async fn reindex_pending(&self) -> Result<u64> {
                derived::reindex_pending(&self.pool).await
            }

            async fn clear_reindex(&self, up_to: i64) -> Result<()> {
                derived::clear_reindex(&self.pool, up_to).await
            }

            async fn change_log_after(&self, after: i64, limit: u32) -> Result<Vec<ReindexEntry>> {
                change_log::after(&self.pool, after, limit).await
            }

            async fn change_log_count_after(&self, after: i64) -> Result<u64> {
                change_log::count_after(&self.pool, after).await
            }

            async fn change_log_bounds(&self) -> Result<crate::ChangeLogBounds> {
                change_log::bounds(&self.pool).await
            }

            async fn prune_change_log(&self, before: DateTime<Utc>) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let pruned = change_log::prune(&mut tx, before).await?;
                tx.commit().await?;
                Ok(pruned)
            }

            async fn save_search(&self, search: &crate::NewSavedSearch) -> Result<crate::SavedSearchId> {
                saved::save(&self.pool, search).await
            }

            async fn saved_searches(&self) -> Result<Vec<crate::SavedSearch>> {
                saved::list(&self.pool).await
            }

            async fn saved_search(&self, id: crate::SavedSearchId) -> Result<Option<crate::SavedSearch>> {
                saved::get(&self.pool, id).await
            }

            async fn delete_saved_search(&self, id: crate::SavedSearchId) -> Result<bool> {
                saved::delete(&self.pool, id).await
            }

            async fn enqueue_jobs(&self, new: &[crate::NewJob], now: DateTime<Utc>) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let queued = jobs::enqueue(&mut tx, new, now).await?;
                tx.commit().await?;
                Ok(queued)
            }

            async fn claim_jobs(
                &self,
                worker: &str,
                now: DateTime<Utc>,
                lease: std::time::Duration,
                limit: u32,
            ) -> Result<Vec<crate::Job>> {
                let mut tx = self.begin_write().await?;
                let claimed = jobs::claim(&mut tx, worker, now, lease, limit).await?;
                tx.commit().await?;
                Ok(claimed)
            }

            async fn finish_job(&self, id: crate::JobId, worker: &str, now: DateTime<Utc>) -> Result<bool> {
                jobs::finish(&self.pool, id, worker, now).await
            }

            async fn fail_job(
                &self,
                id: crate::JobId,
                worker: &str,
                error: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<crate::JobState>> {
                let mut tx = self.begin_write().await?;
                let state = jobs::fail(&mut tx, id, worker, error, now).await?;
                tx.commit().await?;
                Ok(state)
            }

            async fn job_counts(&self) -> Result<crate::JobCounts> {
                jobs::counts(&self.pool).await
            }

            async fn dead_jobs(&self, limit: u32) -> Result<Vec<crate::DeadJob>> {
                jobs::dead(&self.pool, limit).await
            }

            async fn requeue_dead_jobs(&self, now: DateTime<Utc>) -> Result<u64> {
                jobs::requeue_dead(&self.pool, now).await
            }

            async fn job_ahead(&self, job: crate::JobId, now: DateTime<Utc>) -> Result<Option<crate::JobId>> {
                jobs::ahead(&self.pool, job, now).await
            }

            async fn stats(&self) -> Result<StoreStats> {
                counts::stats(&self.pool).await
            }

            async fn top_stories(
                &self,
                filter: &crate::StoryFilter,
                limit: u32,
                offset: u32,
            ) -> Result<Vec<crate::RankedStory>> {
                front::top(&self.pool, filter, limit, offset).await
            }

            async fn count_copies(&self) -> Result<u64> {
                counts::copies(&self.pool).await
            }

            async fn poll_outcomes(&self) -> Result<crate::PollOutcomes> {
                counts::poll_outcomes(&self.pool).await
            }

            async fn oldest_due(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
                counts::oldest_due(&self.pool, now).await
            }

            async fn set_source_country(&self, id: SourceId, country: Option<&str>) -> Result<()> {
                sources::set_country(&self.pool, id, country).await
            }

            async fn source_country(&self, id: SourceId) -> Result<Option<String>> {
                sources::country(&self.pool, id).await
            }

            async fn article_origins(
                &self,
                ids: &[ArticleId],
            ) -> Result<std::collections::HashMap<ArticleId, crate::ArticleOrigin>> {
                sources::article_origins(&self.pool, ids).await
            }

            async fn article_texts(&self, ids: &[ArticleId]) -> Result<std::collections::HashMap<ArticleId, String>> {
                articles::texts(&self.pool, ids).await
            }

            async fn admin_password_hash(&self) -> Result<Option<String>> {
                auth::password_hash(&self.pool).await
            }

            async fn set_admin_password_hash(&self, phc: &str, at: DateTime<Utc>) -> Result<()> {
                let mut tx = self.begin_write().await?;
                auth::set_password_hash(&mut tx, phc, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(
                &self,
                token_hash: &str,
                now: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                auth::create_session(&mut tx, token_hash, now, expires_at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session_valid(&self, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
                auth::session_valid(&self.pool, token_hash, now).await
            }

            async fn delete_session(&self, token_hash: &str) -> Result<bool> {
                auth::delete_session(&self.pool, token_hash).await
            }

            async fn create_api_token(
                &self,
                name: &str,
                token_hash: &str,
                at: DateTime<Utc>,
            ) -> Result<crate::ApiTokenId> {
                auth::create_token(&self.pool, name, token_hash, at).await
            }

            async fn api_tokens(&self) -> Result<Vec<crate::ApiToken>> {
                auth::tokens(&self.pool).await
            }

            async fn use_api_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<Option<crate::ApiToken>> {
                auth::use_token(&self.pool, token_hash, at).await
            }

            async fn revoke_api_token(&self, id: crate::ApiTokenId) -> Result<bool> {
                auth::revoke_token(&self.pool, id).await
            }

            async fn set_article_entities(
                &self,
                article: ArticleId,
                version: u32,
                entities: &[crate::ArticleEntity],
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                entities::set_for_article(&mut tx, article, version, entities).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn articles_lacking_entities(&self, version: u32, limit: u32) -> Result<Vec<ArticleId>> {
                entities::unscanned(&self.pool, version, limit).await
            }

            async fn story_entities(&self, story: StoryId, limit: u32) -> Result<Vec<crate::StoredEntity>> {
                entities::of_story(&self.pool, story, limit).await
            }

            async fn entity(&self, id: crate::EntityId) -> Result<Option<crate::StoredEntity>> {
                entities::get(&self.pool, id).await
            }

            async fn entity_stories(&self, id: crate::EntityId, limit: u32, offset: u32) -> Result<Vec<StorySummary>> {
                entities::stories_naming(&self.pool, id, limit, offset).await
            }

            async fn count_entity_stories(&self, id: crate::EntityId) -> Result<u64> {
                entities::count_stories_naming(&self.pool, id).await
            }
        }
    };
}

pub(crate) use store_impl;
