//! The store's public types: ids, new and stored records, story summaries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use model::{Article, Provenance, SourceKind, Timestamp};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(SourceId);
id_type!(FetchId);
id_type!(ArticleId);
id_type!(StoryId);
id_type!(
    /// A job in the work queue (see [`crate::queue`]).
    JobId
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSource {
    pub id: SourceId,
    pub kind: SourceKind,
    pub url: String,
    pub title: Option<String>,
    pub added_at: DateTime<Utc>,
    pub polled_at: Option<DateTime<Utc>>,
    /// How polling it went, and when it is next due.
    pub state: FeedState,
    /// Its WebSub subscription, if one was asked for.
    pub websub: Option<WebSub>,
}

/// A polled source's state: what the next poll sends and when it is due.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FeedState {
    /// The validators of the last full response, for a conditional GET.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The last poll, whatever its outcome.
    pub last_poll: Option<DateTime<Utc>>,
    /// The last poll that read the source (a 304 counts).
    pub last_success: Option<DateTime<Utc>>,
    /// The HTTP status of the last poll; `None` when no response came.
    pub last_status: Option<u16>,
    /// Why the last poll failed; `None` after a success.
    pub last_error: Option<String>,
    /// Failed polls in a row.
    pub error_count: u32,
    /// The current polling interval, adapted to how often the source changes.
    pub interval_secs: Option<i64>,
    /// When the source is next due; `None` means now.
    pub next_poll: Option<DateTime<Utc>>,
    /// A server said wait (Retry-After), or errors backed us off: not even a
    /// forced poll asks before then.
    pub wait_until: Option<DateTime<Utc>>,
}

/// A WebSub subscription of a source's topic at a hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSub {
    pub hub: String,
    pub topic: String,
    /// The HMAC key the hub signs its deliveries with. Never serialized, so
    /// that listing sources as JSON does not give it away.
    #[serde(skip_serializing, default)]
    pub secret: String,
    pub state: WebSubState,
    /// When the hub's lease runs out, once it has confirmed one.
    pub lease_until: Option<DateTime<Utc>>,
}

/// Where a WebSub subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebSubState {
    /// Asked for; the hub has not verified it yet.
    Requested,
    /// The hub verified it and delivers.
    Active,
    /// The hub refused it.
    Denied,
}

impl WebSubState {
    pub fn as_str(&self) -> &'static str {
        match self {
            WebSubState::Requested => "requested",
            WebSubState::Active => "active",
            WebSubState::Denied => "denied",
        }
    }

    /// The state named by [`WebSubState::as_str`], if `name` is one.
    pub fn from_name(name: &str) -> Option<WebSubState> {
        match name {
            "requested" => Some(WebSubState::Requested),
            "active" => Some(WebSubState::Active),
            "denied" => Some(WebSubState::Denied),
            _ => None,
        }
    }
}

/// One poll of a source, as kept in its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollRecord {
    pub source: SourceId,
    pub at: DateTime<Utc>,
    /// HTTP status; `None` when no response came.
    pub status: Option<u16>,
    /// Why the poll failed, if it did.
    pub error: Option<String>,
    /// Body bytes read.
    pub bytes: u64,
    /// Entries (or sitemap URLs) the document listed.
    pub entries: u32,
    /// Articles stored because of this poll.
    pub new_articles: u32,
    /// The server answered 304 Not Modified.
    pub not_modified: bool,
    pub duration_ms: u64,
}

/// One fetch (HTTP) or read (file, WARC record) of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchRecord {
    /// The URL asked for, or `file:` path / WARC record origin for imports.
    pub url: String,
    /// The URL after redirects.
    pub final_url: Option<String>,
    /// HTTP status; `None` for local files.
    pub status: Option<u16>,
    /// Hex SHA-256 of the raw bytes.
    pub content_hash: Option<String>,
    pub fetched_at: DateTime<Utc>,
    /// Why the fetch or its extraction failed, if it did.
    pub error: Option<String>,
}

/// An extracted article ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewArticle {
    pub article: Article,
    /// The canonical URL used to recognise the same page again.
    pub canonical_url: String,
    /// Fingerprint of the normalised body, to recognise the same text again.
    pub content_hash: String,
    pub source: Option<SourceId>,
    pub fetch: Option<FetchId>,
}

/// One page for [`crate::Store::store_pages`]: the record of its fetch or
/// read, and what extraction made of it. A page that failed extraction has
/// no article, and its fetch record says why.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPage {
    pub fetch: FetchRecord,
    /// The article (its `fetch` is filled in by the store) and the
    /// entities it names.
    pub article: Option<(NewArticle, Vec<ArticleEntity>)>,
}

/// What [`crate::Store::store_pages`] did with one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStored {
    /// A page without an article: its fetch is recorded, with its error.
    Recorded(FetchId),
    /// Its canonical URL was stored already (perhaps earlier in the same
    /// call): nothing was written for it, not even its fetch.
    Known(ArticleId),
    /// A new article, with its fetch and entities.
    New(ArticleId),
    /// Another writer stored its URL between the look-up and the insert,
    /// and that article is gone again.
    Lost,
}

/// Where the stories stage put an article.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryPlacement {
    /// The engine's story key; one story row per key.
    pub story_key: String,
    pub copy_of: Option<ArticleId>,
    pub redated: bool,
}

/// Where [`crate::Store::assign_stories`] put one article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub story: StoryId,
    /// The story the article left, when the placement moved it.
    pub left: Option<LeftStory>,
}

/// A story that an article left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftStory {
    pub story: StoryId,
    pub key: String,
    /// The article was its last member, so the story is gone.
    pub removed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredArticle {
    pub id: ArticleId,
    pub canonical_url: String,
    pub content_hash: String,
    pub article: Article,
    pub source: Option<SourceId>,
    /// The outlet's display name: site name, else host.
    pub outlet: String,
    pub story: Option<StoryId>,
    /// The story's engine key (see [`StoryPlacement::story_key`]), so the
    /// story engine can be warmed from storage without re-deciding.
    pub story_key: Option<String>,
    pub copy_of: Option<ArticleId>,
    pub redated: bool,
    pub added_at: DateTime<Utc>,
}

impl StoredArticle {
    pub fn provenance(&self) -> Provenance {
        provenance_of(self.copy_of.is_some(), self.redated)
    }
}

/// Where an article stands, from its story membership's two flags.
pub(crate) fn provenance_of(is_copy: bool, redated: bool) -> Provenance {
    if redated {
        Provenance::Redated
    } else if is_copy {
        Provenance::Copy
    } else {
        Provenance::Original
    }
}

/// A story as listed on the front page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorySummary {
    pub id: StoryId,
    pub key: String,
    /// The headline of the story's first report.
    pub title: String,
    pub article_count: u32,
    /// Distinct outlets, first reporter first.
    pub outlets: Vec<String>,
    /// Earliest credible publication time among its articles.
    pub first_published: Option<Timestamp>,
    /// Latest publication (or arrival) time: what "latest stories" sorts by.
    pub updated: DateTime<Utc>,
}

/// A lighter article row for story pages: no body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub id: ArticleId,
    pub title: Option<String>,
    pub url: Option<String>,
    pub outlet: String,
    pub language: Option<String>,
    pub published: Option<Timestamp>,
    pub copy_of: Option<ArticleId>,
    pub redated: bool,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryDetail {
    pub summary: StorySummary,
    /// Oldest first.
    pub articles: Vec<ArticleSummary>,
    pub related: Vec<StorySummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StoreStats {
    pub sources: u64,
    pub fetches: u64,
    pub articles: u64,
    pub stories: u64,
}

/// One entry of the reindex queue: an article whose story changed after
/// it was first placed, in the order of the moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReindexEntry {
    pub seq: i64,
    pub article: ArticleId,
}

/// The two ends of the change log (see [`crate::Store::change_log_after`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChangeLogBounds {
    /// The highest seq handed out that the log still shows, or, when every
    /// entry was pruned, the highest pruned: an index that has applied it
    /// has applied everything. 0 for a log that never held an entry.
    pub head: i64,
    /// The highest seq ever pruned (0 when none was): an index whose
    /// applied seq is below it may have missed a move, and rebuilds.
    pub pruned_through: i64,
}

impl ChangeLogBounds {
    pub(crate) fn new(newest: Option<i64>, pruned_through: i64) -> Self {
        Self {
            head: newest.unwrap_or(0).max(pruned_through),
            pruned_through,
        }
    }
}

/// How long the change log keeps an entry, in days: the leader prunes
/// older ones after its index commits. A web node whose index has been
/// stopped for longer rebuilds it from the store when it comes back.
pub const CHANGE_LOG_RETENTION_DAYS: i64 = 7;

/// Logged polls by outcome: a poll with an error counts as an error
/// whatever its status; of the rest, a 304 is `not_modified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PollOutcomes {
    pub ok: u64,
    pub not_modified: u64,
    pub error: u64,
}

/// Where an article comes from: what a story page needs to tell the
/// countries that cover a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleOrigin {
    pub id: ArticleId,
    pub canonical_url: String,
    /// The address it was read from, when known.
    pub url: Option<String>,
    /// Its source's country setting (ISO 3166-1 alpha-2, upper case), if
    /// it has a source and the source has one.
    pub country: Option<String>,
}

id_type!(ApiTokenId);

/// An API token as listed: its name and use, never the token (only its
/// SHA-256 is stored, and nothing can give the token back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

id_type!(
    /// A saved search.
    SavedSearchId
);

/// The order of a search's hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchSort {
    /// Best match first.
    #[default]
    Relevance,
    /// Newest publication first.
    Date,
}

impl SearchSort {
    pub fn as_str(&self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::Date => "date",
        }
    }

    /// The order named by [`SearchSort::as_str`], if `name` is one.
    pub fn from_name(name: &str) -> Option<SearchSort> {
        match name {
            "relevance" => Some(SearchSort::Relevance),
            "date" => Some(SearchSort::Date),
            _ => None,
        }
    }
}

/// What a search is narrowed to besides its words.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchFilters {
    /// The outlet's name.
    pub source: Option<String>,
    /// A language code such as `en`.
    pub language: Option<String>,
    pub story: Option<StoryId>,
    /// The first day of publication, inclusive (UTC).
    pub from: Option<chrono::NaiveDate>,
    /// The last day of publication, inclusive (UTC).
    pub to: Option<chrono::NaiveDate>,
}

/// A search to keep, as a person saves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSavedSearch {
    pub name: String,
    /// In the search's query language; blank for a filter-only search.
    pub query: String,
    pub filters: SearchFilters,
    pub sort: SearchSort,
}

/// A kept search, which has its own page and Atom feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSearch {
    pub id: SavedSearchId,
    pub name: String,
    pub query: String,
    pub filters: SearchFilters,
    pub sort: SearchSort,
    pub created_at: DateTime<Utc>,
}

id_type!(
    /// An entity: a person, organisation or place named in articles.
    EntityId
);

/// What an entity is.
pub use model::EntityKind;

/// An entity named in one article, as the pipeline hands it to the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleEntity {
    /// The canonical key, the same in every language (`place:germany`).
    pub key: String,
    /// The name to show when the entity is new.
    pub name: String,
    pub kind: EntityKind,
    /// How many times the article names it; at least 1.
    pub mentions: u32,
}

/// A stored entity, with how often it is named where it is listed: in
/// one story's articles, or in all articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEntity {
    pub id: EntityId,
    pub key: String,
    pub name: String,
    pub kind: EntityKind,
    /// Mentions summed over the articles counted.
    pub mentions: u64,
    /// How many of those articles name it.
    pub articles: u64,
}
