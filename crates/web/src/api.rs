//! The JSON API under `/api/v1/`, and the health check.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use model::{Provenance, Timestamp};
use serde::Serialize;
use store::{ArticleId, RankedStory, StoreStats, StoryFilter, StoryId};
use utoipa::ToSchema;

use crate::display::clean_body;
use crate::lookup::{article_from_path, provenance_of, story_from_path};
use crate::openapi::{schemas, ErrorBody};
use crate::params::QueryParams;
use crate::search_page::{self, SearchSpec};
use crate::{AppState, Error};

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;
const MAX_OFFSET: u32 = 1_000_000;

#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    /// "ok", or "degraded" while the search index trails the store (a run
    /// is importing, or one stopped before its index commit and the next
    /// has not caught up yet). Both are 200: the server answers either
    /// way, and search lacks only the articles counted in `index_lag`.
    #[schema(value_type = String, example = "ok")]
    status: &'static str,
    #[schema(value_type = schemas::StoreStats)]
    counts: StoreStats,
    indexed: u64,
    /// The index's high-water mark: every article up to this id is indexed.
    index_mark: Option<i64>,
    /// How many stored articles the index lacks.
    index_lag: u64,
    /// Articles moved to another story that the index still files under
    /// the old one.
    reindex_pending: u64,
}

/// How far the search index trails the store.
pub(crate) struct IndexLag {
    pub indexed: u64,
    pub mark: Option<i64>,
    /// Stored articles the index lacks.
    pub lag: u64,
}

/// Reads the index's size and mark, and counts what it lacks of the
/// `articles` stored: for `/healthz` and `/metrics`.
pub(crate) async fn index_lag(state: &AppState, articles: u64) -> Result<IndexLag, Error> {
    let index = state.index.clone();
    let (indexed, mark) =
        tokio::task::spawn_blocking(move || Ok::<_, index::Error>((index.len()?, index.mark()?))).await??;
    // Beyond the mark, or missing by count (an index rebuilt by hand, or
    // written before marks were kept, has no mark but may be whole).
    let beyond = match mark {
        Some(mark) => state.store.count_articles_after(Some(ArticleId(mark))).await?,
        None => 0,
    };
    Ok(IndexLag {
        indexed,
        mark,
        lag: beyond.max(articles.saturating_sub(indexed)),
    })
}

/// The server's health: what the store holds and how far the search index
/// trails it.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Always 200 while the server answers; `status` says ok or degraded", body = Health),
        (status = 500, description = "The store or the index failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, Error> {
    let counts = state.store.stats().await?;
    let IndexLag {
        indexed,
        mark,
        lag: index_lag,
    } = index_lag(&state, counts.articles).await?;
    // Moves in the change log this node's index has not applied yet.
    let applied = state.index.log_seq()?.unwrap_or(0);
    let reindex_pending = state.store.change_log_count_after(applied).await?;
    let status = if index_lag == 0 && reindex_pending == 0 {
        "ok"
    } else {
        "degraded"
    };
    Ok(Json(Health {
        status,
        counts,
        indexed,
        index_mark: mark,
        index_lag,
        reindex_pending,
    }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct StoryList {
    limit: u32,
    offset: u32,
    /// The `lang` and `outlet` filters in force (null when absent).
    #[schema(value_type = schemas::StoryFilter)]
    filter: StoryFilter,
    /// In the front page's order (see `front_page`): each story's summary
    /// fields, with its independent outlets, rank, copy counts, first
    /// report and the opening of its text.
    #[schema(value_type = Vec<schemas::RankedStory>)]
    stories: Vec<RankedStory>,
}

/// The top stories, in the front page's order, optionally filtered.
#[utoipa::path(
    get,
    path = "/api/v1/stories",
    tag = "stories",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Stories per page (default 20)"),
        ("offset" = Option<u32>, Query, maximum = 1_000_000, description = "Stories to skip (default 0)"),
        ("lang" = Option<String>, Query, description = "Only stories with an article in this language (e.g. en; regional variants included)"),
        ("outlet" = Option<String>, Query, description = "Only stories with an article from this outlet (its display name)"),
    ),
    responses(
        (status = 200, description = "A page of stories", body = StoryList),
        (status = 400, description = "A limit, offset or filter out of range", body = ErrorBody),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn stories(State(state): State<AppState>, params: QueryParams) -> Result<Json<StoryList>, Error> {
    let limit = params.number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let offset = params.number("offset", 0, 0, MAX_OFFSET)?;
    let filter = crate::front_page::story_filter(&params)?;
    let stories = state.store.top_stories(&filter, limit, offset).await?;
    Ok(Json(StoryList {
        limit,
        offset,
        filter,
        stories,
    }))
}

/// One story: its articles, originals and copies, and related stories.
#[utoipa::path(
    get,
    path = "/api/v1/stories/{id}",
    tag = "stories",
    params(("id" = i64, Path, description = "The story's id")),
    responses(
        (status = 200, description = "The story, with the dates its articles cite and who covers it", body = schemas::StoryJson),
        (status = 400, description = "Not a story id", body = ErrorBody),
        (status = 404, description = "No story with this id", body = ErrorBody),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn story(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<crate::story_page::StoryJson>, Error> {
    let detail = story_from_path(&state, id).await?;
    Ok(Json(crate::story_page::story_json(&state, detail).await?))
}

/// One article with its text, its sanitised HTML and its provenance.
#[derive(Serialize, ToSchema)]
pub(crate) struct ArticleJson {
    #[schema(value_type = i64)]
    id: ArticleId,
    title: Option<String>,
    url: Option<String>,
    canonical_url: String,
    outlet: String,
    site_name: Option<String>,
    authors: Vec<String>,
    /// An RFC 3339 instant, or a `YYYY-MM-DD` day.
    #[schema(value_type = Option<String>)]
    published: Option<Timestamp>,
    /// An RFC 3339 instant, or a `YYYY-MM-DD` day.
    #[schema(value_type = Option<String>)]
    modified: Option<Timestamp>,
    language: Option<String>,
    description: Option<String>,
    image: Option<String>,
    #[schema(value_type = Option<i64>)]
    story: Option<StoryId>,
    #[schema(value_type = Option<i64>)]
    copy_of: Option<ArticleId>,
    redated: bool,
    #[schema(value_type = schemas::Provenance)]
    provenance: Provenance,
    #[schema(value_type = String, format = DateTime)]
    added_at: DateTime<Utc>,
    text: String,
    /// Sanitised again here: the store is not trusted.
    html: String,
}

/// One article.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{id}",
    tag = "stories",
    params(("id" = i64, Path, description = "The article's id")),
    responses(
        (status = 200, description = "The article", body = ArticleJson),
        (status = 400, description = "Not an article id", body = ErrorBody),
        (status = 404, description = "No article with this id", body = ErrorBody),
        (status = 500, description = "The store failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn article(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ArticleJson>, Error> {
    let stored = article_from_path(&state, id).await?;
    let provenance = stored.provenance();
    let article = stored.article;
    let html = clean_body(&article.html, article.url.as_deref().or(Some(&stored.canonical_url)));
    Ok(Json(ArticleJson {
        id: stored.id,
        title: article.title,
        url: article.url,
        canonical_url: stored.canonical_url,
        outlet: stored.outlet,
        site_name: article.site_name,
        authors: article.authors,
        published: article.published,
        modified: article.modified,
        language: article.language,
        description: article.description,
        image: article.image,
        story: stored.story,
        copy_of: stored.copy_of,
        redated: stored.redated,
        provenance,
        added_at: stored.added_at,
        text: article.text,
        html,
    }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SearchHit {
    id: i64,
    title: String,
    url: String,
    source: String,
    /// RFC 3339, or null when the article has no date.
    published: Option<String>,
    story: Option<i64>,
    snippet: String,
    /// `original`, `copy` or `redated`.
    #[schema(value_type = schemas::Provenance)]
    provenance: Provenance,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SearchResults {
    query: String,
    /// The filters applied; days as `2026-11-01`.
    #[schema(value_type = schemas::SearchFilters)]
    filters: store::SearchFilters,
    /// `relevance` or `date`.
    #[schema(value_type = schemas::SearchSort)]
    sort: store::SearchSort,
    /// Pages of `limit` hits, from 1.
    page: u32,
    hits: Vec<SearchHit>,
}

/// Full-text search over every stored article, best match first (or
/// newest first), narrowed by filters.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    params(
        ("q" = String, Query, example = "harbour", description = "The query: words, \"phrases\", AND, OR, NOT (may be left out when a filter is given)"),
        ("source" = Option<String>, Query, description = "Only this outlet"),
        ("language" = Option<String>, Query, description = "Only this language (e.g. en)"),
        ("story" = Option<i64>, Query, description = "Only this story's articles"),
        ("from" = Option<String>, Query, format = Date, description = "Published on or after this day (2026-11-01)"),
        ("to" = Option<String>, Query, format = Date, description = "Published on or before this day (2026-11-30)"),
        ("sort" = Option<String>, Query, description = "relevance (default) or date"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Hits per page (default 20)"),
        ("page" = Option<u32>, Query, minimum = 1, description = "The page of hits, from 1"),
    ),
    responses(
        (status = 200, description = "The hits", body = SearchResults),
        (status = 400, description = "No query or filter, a query that does not parse, or a parameter out of range", body = ErrorBody),
        (status = 500, description = "The index failed", body = ErrorBody),
        (status = 503, description = "The request took too long", body = ErrorBody),
    ),
)]
pub(crate) async fn search(State(state): State<AppState>, params: QueryParams) -> Result<Json<SearchResults>, Error> {
    let spec = SearchSpec::from_params(&params)?;
    if !spec.is_search() {
        return Err(Error::BadRequest(
            "the search needs a query: ?q=words, or a filter such as ?source=outlet".to_string(),
        ));
    }
    let limit = params.number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let page = params.number("page", 1, 1, search_page::MAX_SEARCH_PAGE)?;
    let skip = ((page - 1) * limit) as usize;
    let mut hits = search_page::run(&state, &spec, skip + limit as usize).await?;
    let hits = hits.split_off(skip.min(hits.len()));
    let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    let provenance = provenance_of(&state, ids).await?;
    let hits = hits
        .into_iter()
        .map(|hit| SearchHit {
            provenance: provenance.get(&hit.id).copied().unwrap_or_default(),
            id: hit.id,
            title: hit.title,
            url: hit.url,
            source: hit.source,
            published: hit
                .published
                .and_then(|secs| DateTime::<Utc>::from_timestamp(secs, 0))
                .map(|t| t.to_rfc3339()),
            story: hit.story,
            snippet: hit.snippet,
        })
        .collect();
    Ok(Json(SearchResults {
        query: spec.query,
        filters: spec.filters,
        sort: spec.sort,
        page,
        hits,
    }))
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use serde_json::json;

    use crate::test_support::Fixture;

    #[tokio::test]
    async fn health_reports_counts() {
        let fx = Fixture::new().await;
        let reply = fx.get("/healthz").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.content_type.starts_with("application/json"));
        let health = reply.json();
        assert_eq!(health["status"], "ok");
        assert_eq!(health["counts"]["articles"], 4);
        assert_eq!(health["counts"]["stories"], 2);
        assert_eq!(health["indexed"], 4);
        assert_eq!(health["index_lag"], 0);
    }

    #[tokio::test]
    async fn healthz_says_degraded_with_the_lag_while_the_index_trails_the_store() {
        let fx = Fixture::new().await;
        // Stored, as by a run that stopped before its index commit.
        fx.add_story_with_title("Unindexed", "https://odd.example/unindexed")
            .await;
        let reply = fx.get("/healthz").await;
        assert_eq!(reply.status, StatusCode::OK, "degraded still serves");
        let health = reply.json();
        assert_eq!(health["status"], "degraded");
        assert_eq!(health["index_lag"], 1);
        assert_eq!(health["counts"]["articles"], 5);
        assert_eq!(health["indexed"], 4);
    }

    #[tokio::test]
    async fn healthz_says_degraded_while_a_moved_article_waits_to_be_refiled() {
        let fx = Fixture::new().await;
        let placement = store::StoryPlacement {
            story_key: "moved-elsewhere".to_string(),
            copy_of: None,
            redated: false,
        };
        fx.state.store.assign_story(fx.orchard, &placement).await.unwrap();
        let health = fx.get("/healthz").await.json();
        assert_eq!(health["status"], "degraded");
        assert_eq!(health["index_lag"], 0);
        assert_eq!(health["reindex_pending"], 1);
    }

    #[tokio::test]
    async fn stories_are_listed_newest_first_with_paging() {
        let fx = Fixture::new().await;
        let all = fx.get("/api/v1/stories").await.json();
        let stories = all["stories"].as_array().unwrap();
        assert_eq!(stories.len(), 2);
        // The June re-run is a re-dated copy, which the store does not count
        // as activity, so the orchard story (2 March) leads the bridge (1 March).
        assert_eq!(stories[0]["id"], fx.orchard_story.0);
        assert_eq!(stories[1]["id"], fx.bridge_story.0);
        assert_eq!(stories[1]["article_count"], 3);
        assert_eq!(stories[1]["outlets"][0], "Coastal Times");
        let second = fx.get("/api/v1/stories?limit=1&offset=1").await.json();
        assert_eq!(second["limit"], 1);
        assert_eq!(second["stories"].as_array().unwrap().len(), 1);
        assert_eq!(second["stories"][0]["id"], fx.bridge_story.0);
    }

    #[tokio::test]
    async fn story_detail_carries_articles_and_provenance() {
        let fx = Fixture::new().await;
        let story = fx.get(&format!("/api/v1/stories/{}", fx.bridge_story)).await.json();
        assert_eq!(story["summary"]["title"], "Harbour bridge closes after storm");
        let articles = story["articles"].as_array().unwrap();
        let ids: Vec<_> = articles.iter().map(|a| a["id"].clone()).collect();
        assert_eq!(ids, [json!(fx.bridge.0), json!(fx.echo.0), json!(fx.rerun.0)]);
        assert_eq!(articles[1]["copy_of"], fx.bridge.0);
        assert_eq!(articles[2]["redated"], true);
        assert_eq!(story["related"][0]["id"], fx.orchard_story.0);
    }

    #[tokio::test]
    async fn article_json_has_text_and_sanitised_html() {
        let fx = Fixture::new().await;
        let reply = fx.get(&format!("/api/v1/articles/{}", fx.bridge)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let article = reply.json();
        assert_eq!(article["title"], "Harbour bridge closes after storm");
        assert_eq!(article["outlet"], "Coastal Times");
        assert_eq!(article["published"], "2024-03-01T08:00:00+00:00");
        assert_eq!(article["story"], fx.bridge_story.0);
        assert_eq!(article["provenance"], "original");
        assert!(article["text"].as_str().unwrap().contains("harbour bridge closed"));
        let html = article["html"].as_str().unwrap();
        assert!(html.contains("harbour bridge closed"));
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("onclick"), "{html}");

        let rerun = fx.get(&format!("/api/v1/articles/{}", fx.rerun)).await.json();
        assert_eq!(rerun["provenance"], "redated");
        assert_eq!(rerun["copy_of"], fx.bridge.0);
    }

    #[tokio::test]
    async fn search_returns_hits_with_rfc3339_dates() {
        let fx = Fixture::new().await;
        let results = fx.get("/api/v1/search?q=apples&limit=5").await.json();
        assert_eq!(results["query"], "apples");
        let hits = results["hits"].as_array().unwrap();
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit["id"], fx.orchard.0);
        assert_eq!(hit["title"], "Orchard harvest breaks record");
        assert_eq!(hit["url"], "https://valley.example/orchard");
        assert_eq!(hit["source"], "Valley Post");
        assert_eq!(hit["published"], "2024-03-02T09:00:00+00:00");
        assert_eq!(hit["story"], fx.orchard_story.0);
        assert!(hit["snippet"].as_str().unwrap().contains("apples"));
        assert!(!hit["snippet"].as_str().unwrap().contains("<b>"));

        assert_eq!(hit["provenance"], "original");
        let bridge = fx.get("/api/v1/search?q=harbour+bridge").await.json();
        let provenance_of = |id: i64| {
            let hits = bridge["hits"].as_array().unwrap();
            hits.iter().find(|h| h["id"] == id).unwrap()["provenance"].clone()
        };
        assert_eq!(provenance_of(fx.bridge.0), "original");
        assert_eq!(provenance_of(fx.echo.0), "copy");
        assert_eq!(provenance_of(fx.rerun.0), "redated");

        let limited = fx.get("/api/v1/search?q=harbour&limit=2").await.json();
        assert_eq!(limited["hits"].as_array().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn errors_are_json_with_the_right_status() {
        let fx = Fixture::new().await;
        let cases = [
            ("/api/v1/stories/9999", StatusCode::NOT_FOUND, "no story with id 9999"),
            (
                "/api/v1/articles/9999",
                StatusCode::NOT_FOUND,
                "no article with id 9999",
            ),
            (
                "/api/v1/nothing",
                StatusCode::NOT_FOUND,
                "nothing here: /api/v1/nothing",
            ),
            (
                "/api/v1/articles/abc",
                StatusCode::BAD_REQUEST,
                "not a valid article id: \"abc\"",
            ),
            (
                "/api/v1/stories?limit=0",
                StatusCode::BAD_REQUEST,
                "limit must be a whole number",
            ),
            ("/api/v1/search", StatusCode::BAD_REQUEST, "the search needs a query"),
            (
                "/api/v1/search?q=nosuchfield:x",
                StatusCode::BAD_REQUEST,
                "bad search query",
            ),
        ];
        for (uri, status, message) in cases {
            let reply = fx.get(uri).await;
            assert_eq!(reply.status, status, "{uri}");
            assert!(reply.content_type.starts_with("application/json"), "{uri}");
            let error = reply.json()["error"].as_str().unwrap_or_default().to_string();
            assert!(error.contains(message), "{uri}: {error}");
        }
    }
}
