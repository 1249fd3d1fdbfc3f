//! Subscribing: `add URL` checks what the URL serves and subscribes to the
//! feed or sitemap it is, or finds one from it (a page's `<link
//! rel=alternate>`, a site's robots.txt `Sitemap:` lines).

use gather::{Fetched, Fetcher};
use model::{Source, SourceKind};
use store::{SourceId, Store};

/// Pages' feed links tried in turn, at most.
const MAX_CANDIDATES: usize = 5;

/// A source subscribed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribed {
    pub id: SourceId,
    /// The feed's or sitemap's own URL (not the page it was found on).
    pub url: String,
    pub title: Option<String>,
    pub kind: SourceKind,
    /// The page or robots.txt the source was found through, when it was.
    pub found_on: Option<String>,
}

/// Why a URL could not be subscribed to.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    #[error(transparent)]
    Fetch(#[from] gather::Error),
    #[error("{url}: not a feed or sitemap, and no feed or sitemap found from it ({detail})")]
    NothingFound { url: String, detail: String },
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// What the body of a URL turned out to be.
enum Kind {
    Feed(Option<String>),
    Sitemap,
}

fn classify(fetched: &Fetched) -> Result<Kind, gather::Error> {
    match gather::parse_feed(&fetched.body, &fetched.final_url) {
        Ok(feed) => Ok(Kind::Feed(feed.title)),
        Err(e) => {
            if gather::looks_like_sitemap(&fetched.body) {
                gather::parse_sitemap(&fetched.body, &fetched.final_url).map(|_| Kind::Sitemap)
            } else {
                Err(e)
            }
        }
    }
}

/// Fetches a candidate found from a page or robots.txt and tells what it is.
async fn fetch_and_classify(fetcher: &Fetcher, url: &str) -> Result<Kind, gather::Error> {
    classify(&fetcher.get(url).await?)
}

/// Checks `url` and subscribes to what it serves or names. Every request
/// goes through `fetcher`, so the SSRF guard and the politeness limits hold.
pub async fn subscribe(store: &dyn Store, fetcher: &Fetcher, url: &str) -> Result<Subscribed, SubscribeError> {
    let fetched = fetcher.get(url).await?;
    let first_error = match classify(&fetched) {
        Ok(kind) => return save(store, url, kind, None).await,
        Err(e) => e,
    };
    // A web page: its feed links, in order.
    let mut tried = Vec::new();
    for candidate in gather::discover_feeds(&fetched.body, &fetched.final_url)
        .into_iter()
        .take(MAX_CANDIDATES)
    {
        match fetch_and_classify(fetcher, &candidate).await {
            Ok(kind) => return save(store, &candidate, kind, Some(url.to_string())).await,
            Err(e) => tried.push(e.to_string()),
        }
    }
    // A site: the sitemaps its robots.txt names.
    if let Ok(robots_url) = url::Url::parse(&fetched.final_url).and_then(|u| u.join("/robots.txt")) {
        if let Ok(robots) = fetcher.get(robots_url.as_str()).await {
            let text = String::from_utf8_lossy(&robots.body);
            for sitemap in gather::robots_sitemaps(&text, robots_url.as_str())
                .into_iter()
                .take(MAX_CANDIDATES)
            {
                match fetch_and_classify(fetcher, &sitemap).await {
                    Ok(kind) => return save(store, &sitemap, kind, Some(robots_url.to_string())).await,
                    Err(e) => tried.push(e.to_string()),
                }
            }
        }
    }
    let detail = if tried.is_empty() {
        first_error.to_string()
    } else {
        format!("{first_error}; tried {}", tried.join("; "))
    };
    Err(SubscribeError::NothingFound {
        url: url.to_string(),
        detail,
    })
}

/// Subscribes without checking, for a feed that is down right now: its
/// polls' failures are recorded like any other. A URL that says "sitemap"
/// is taken for one; anything else for a feed ([`model::unchecked_kind`]).
pub async fn subscribe_unchecked(store: &dyn Store, url: &str) -> Result<Subscribed, SubscribeError> {
    let kind = model::unchecked_kind(url).map_err(|reason| gather::Error::InvalidUrl {
        url: url.to_string(),
        reason,
    })?;
    let kind = match kind {
        SourceKind::Sitemap => Kind::Sitemap,
        _ => Kind::Feed(None),
    };
    save(store, url, kind, None).await
}

async fn save(
    store: &dyn Store,
    url: &str,
    kind: Kind,
    found_on: Option<String>,
) -> Result<Subscribed, SubscribeError> {
    let (kind, title) = match kind {
        Kind::Feed(title) => (SourceKind::Feed, title),
        Kind::Sitemap => (SourceKind::Sitemap, None),
    };
    let source = Source {
        kind,
        url: url.to_string(),
        title: title.clone(),
    };
    let id = store.add_source(&source).await?;
    Ok(Subscribed {
        id,
        url: url.to_string(),
        title,
        kind,
        found_on,
    })
}
