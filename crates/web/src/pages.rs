//! The HTML pages.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use store::{ArticleId, ArticleSummary, StoredArticle, StoryDetail, StoryId, StorySummary};

use crate::display::{clean_body, count_label, lang_attr, web_link, When};
use crate::lookup::{article_from_path, story_from_path};
use crate::params::QueryParams;
use crate::{AppState, Error};

const STORIES_PER_PAGE: u32 = 20;
const MAX_STORY_PAGE: u32 = 1000;

static STYLESHEET: &str = include_str!("../static/style.css");

pub(crate) async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}

/// A link with its text.
pub(crate) struct Link {
    pub href: String,
    pub label: String,
}

/// A provenance remark under an article: it copies another, or it was
/// presented as new long after the story broke.
pub(crate) struct Notice {
    /// For the CSS class: `copy` or `redated`.
    pub kind: &'static str,
    pub lead: &'static str,
    pub link: Option<Link>,
    pub when: Option<When>,
}

fn copy_notice(original: ArticleId, known: Option<(&Option<String>, &str)>) -> Notice {
    let label = match known {
        Some((title, outlet)) => format!("{} ({outlet})", title.as_deref().unwrap_or("untitled article")),
        None => format!("article {original}"),
    };
    Notice {
        kind: "copy",
        lead: "This is a copy of",
        link: Some(Link {
            href: format!("/article/{original}"),
            label,
        }),
        when: None,
    }
}

fn redated_notice(first_reported: Option<When>) -> Notice {
    Notice {
        kind: "redated",
        lead: if first_reported.is_some() {
            "Re-dated: first reported"
        } else {
            "Re-dated: this was reported earlier than its date says."
        },
        link: None,
        when: first_reported,
    }
}

/// Previous and next page links.
pub(crate) struct Pager {
    pub page: u32,
    pub newer: Option<String>,
    pub older: Option<String>,
    pub newer_label: &'static str,
    pub older_label: &'static str,
}

impl Pager {
    /// `href(n)` is the address of page n.
    pub(crate) fn new(
        page: u32,
        has_more: bool,
        href: impl Fn(u32) -> String,
        labels: (&'static str, &'static str),
    ) -> Self {
        Pager {
            page,
            newer: (page > 1).then(|| href(page - 1)),
            older: has_more.then(|| href(page + 1)),
            newer_label: labels.0,
            older_label: labels.1,
        }
    }
}

pub(crate) struct StoryCard {
    pub id: StoryId,
    pub title: String,
    pub first_published: Option<When>,
    pub count_label: String,
    pub outlets: Vec<String>,
}

impl From<&StorySummary> for StoryCard {
    fn from(summary: &StorySummary) -> Self {
        StoryCard {
            id: summary.id,
            title: summary.title.clone(),
            first_published: summary.first_published.as_ref().map(When::of),
            count_label: count_label(summary.article_count, "article", "articles"),
            outlets: summary.outlets.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "front.html")]
struct FrontPage {
    search_value: String,
    page: u32,
    stories: Vec<StoryCard>,
    pager: Pager,
}

pub(crate) async fn front_page(State(state): State<AppState>, params: QueryParams) -> Result<Html<String>, Error> {
    let page = params.number("page", 1, 1, MAX_STORY_PAGE)?;
    let offset = (page - 1) * STORIES_PER_PAGE;
    // One extra row tells whether an older page exists.
    let mut stories = state.store.latest_stories(STORIES_PER_PAGE + 1, offset).await?;
    let has_more = stories.len() > STORIES_PER_PAGE as usize;
    stories.truncate(STORIES_PER_PAGE as usize);
    let view = FrontPage {
        search_value: String::new(),
        page,
        stories: stories.iter().map(StoryCard::from).collect(),
        pager: Pager::new(
            page,
            has_more,
            |n| format!("/?page={n}"),
            ("Newer stories", "Older stories"),
        ),
    };
    Ok(Html(view.render()?))
}

pub(crate) struct FirstReport {
    pub article_id: ArticleId,
    pub outlet: String,
    pub when: Option<When>,
}

pub(crate) struct OutletCoverage {
    pub name: String,
    pub articles: Vec<Link>,
}

pub(crate) struct TimelineEntry {
    pub id: ArticleId,
    pub title: String,
    pub outlet: String,
    pub when: Option<When>,
    pub language: Option<String>,
    pub description: Option<String>,
    pub notices: Vec<Notice>,
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    search_value: String,
    id: StoryId,
    title: String,
    count_label: String,
    first_report: Option<FirstReport>,
    coverage: Vec<OutletCoverage>,
    timeline: Vec<TimelineEntry>,
    related: Vec<StoryCard>,
}

/// The earliest article that copies nothing; a story made only of copies
/// falls back to its oldest article.
pub(crate) fn first_report(detail: &StoryDetail) -> Option<&ArticleSummary> {
    detail
        .articles
        .iter()
        .find(|a| a.copy_of.is_none() && !a.redated)
        .or(detail.articles.first())
}

pub(crate) fn article_title(title: &Option<String>) -> String {
    title.clone().unwrap_or_else(|| "Untitled article".to_string())
}

impl StoryPage {
    fn new(detail: &StoryDetail) -> Self {
        let summary = &detail.summary;
        let by_id: HashMap<ArticleId, &ArticleSummary> = detail.articles.iter().map(|a| (a.id, a)).collect();
        let story_first = summary.first_published.as_ref().map(When::of);

        let first_report = first_report(detail).map(|a| FirstReport {
            article_id: a.id,
            outlet: a.outlet.clone(),
            when: a.published.as_ref().map(When::of).or_else(|| story_first.clone()),
        });

        let mut coverage: Vec<OutletCoverage> = summary
            .outlets
            .iter()
            .map(|name| OutletCoverage {
                name: name.clone(),
                articles: Vec::new(),
            })
            .collect();
        for article in &detail.articles {
            let link = Link {
                href: format!("/article/{}", article.id),
                label: article_title(&article.title),
            };
            match coverage.iter_mut().find(|c| c.name == article.outlet) {
                Some(outlet) => outlet.articles.push(link),
                None => coverage.push(OutletCoverage {
                    name: article.outlet.clone(),
                    articles: vec![link],
                }),
            }
        }
        coverage.retain(|c| !c.articles.is_empty());

        let timeline = detail
            .articles
            .iter()
            .map(|article| {
                let original = article.copy_of.map(|id| (id, by_id.get(&id).copied()));
                let mut notices = Vec::new();
                if let Some((id, known)) = original {
                    notices.push(copy_notice(id, known.map(|o| (&o.title, o.outlet.as_str()))));
                }
                if article.redated {
                    let first_reported = original
                        .and_then(|(_, known)| known)
                        .and_then(|o| o.published.as_ref().map(When::of))
                        .or_else(|| story_first.clone());
                    notices.push(redated_notice(first_reported));
                }
                TimelineEntry {
                    id: article.id,
                    title: article_title(&article.title),
                    outlet: article.outlet.clone(),
                    when: article.published.as_ref().map(When::of),
                    language: article.language.clone(),
                    description: article.description.clone(),
                    notices,
                }
            })
            .collect();

        StoryPage {
            search_value: String::new(),
            id: summary.id,
            title: summary.title.clone(),
            count_label: count_label(summary.article_count, "article", "articles"),
            first_report,
            coverage,
            timeline,
            related: detail.related.iter().map(StoryCard::from).collect(),
        }
    }
}

pub(crate) async fn story_page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, Error> {
    let detail = story_from_path(&state, id).await?;
    Ok(Html(StoryPage::new(&detail).render()?))
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    search_value: String,
    title: String,
    outlet: String,
    authors: String,
    published: Option<When>,
    modified: Option<When>,
    language: Option<String>,
    lang: Option<String>,
    notices: Vec<Notice>,
    story: Option<Link>,
    body_html: String,
    original_url: Option<String>,
}

/// What an article page shows besides the article: its story and the
/// original it copies, each fetched only when there is one.
async fn article_context(
    state: &AppState,
    stored: &StoredArticle,
) -> Result<(Option<StoryDetail>, Option<StoredArticle>), Error> {
    let story = async {
        match stored.story {
            Some(id) => state.store.story(id).await,
            None => Ok(None),
        }
    };
    let original = async {
        match stored.copy_of {
            Some(id) => state.store.article(id).await,
            None => Ok(None),
        }
    };
    Ok(tokio::try_join!(story, original)?)
}

pub(crate) async fn article_page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, Error> {
    let stored = article_from_path(&state, id).await?;
    let (story, original) = article_context(&state, &stored).await?;
    let article = &stored.article;

    let mut notices = Vec::new();
    if let Some(original_id) = stored.copy_of {
        let known = original.as_ref().map(|o| (&o.article.title, o.outlet.as_str()));
        notices.push(copy_notice(original_id, known));
    }
    if stored.redated {
        let first_reported = original
            .as_ref()
            .and_then(|o| o.article.published.as_ref())
            .or(story.as_ref().and_then(|s| s.summary.first_published.as_ref()))
            .map(When::of);
        notices.push(redated_notice(first_reported));
    }
    let story_link = stored.story.map(|story_id| Link {
        href: format!("/story/{story_id}"),
        label: story
            .as_ref()
            .map(|s| s.summary.title.clone())
            .unwrap_or_else(|| format!("story {story_id}")),
    });
    let address = article.url.as_deref().or(Some(stored.canonical_url.as_str()));

    let view = ArticlePage {
        search_value: String::new(),
        title: article_title(&article.title),
        outlet: stored.outlet.clone(),
        authors: article.authors.join(", "),
        published: article.published.as_ref().map(When::of),
        modified: article.modified.as_ref().map(When::of),
        language: article.language.clone(),
        lang: lang_attr(article.language.as_deref()),
        notices,
        story: story_link,
        body_html: clean_body(&article.html, address),
        original_url: web_link(address).or_else(|| web_link(Some(&stored.canonical_url))),
    };
    Ok(Html(view.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_links_only_where_pages_exist() {
        let first = Pager::new(1, true, |n| format!("/?page={n}"), ("newer", "older"));
        assert_eq!(first.newer, None);
        assert_eq!(first.older.as_deref(), Some("/?page=2"));
        let last = Pager::new(3, false, |n| format!("/?page={n}"), ("newer", "older"));
        assert_eq!(last.newer.as_deref(), Some("/?page=2"));
        assert_eq!(last.older, None);
    }

    use crate::test_support::Fixture;
    use axum::http::StatusCode;

    #[tokio::test]
    async fn front_page_lists_stories_with_their_outlets() {
        let fx = Fixture::new().await;
        let reply = fx.get("/").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.content_type.starts_with("text/html"), "{}", reply.content_type);
        let body = &reply.body;
        assert!(body.contains("<html lang=\"en\">"));
        assert!(body.contains(&format!("href=\"/story/{}\"", fx.bridge_story)), "{body}");
        assert!(body.contains(&format!("href=\"/story/{}\"", fx.orchard_story)));
        assert!(body.contains("Harbour bridge closes after storm"));
        assert!(body.contains("Orchard harvest breaks record"));
        for outlet in ["Coastal Times", "Wire Echo", "Old News Daily", "Valley Post"] {
            assert!(
                body.contains(&format!("<li class=\"chip\">{outlet}</li>")),
                "{outlet}: {body}"
            );
        }
        assert!(body.contains("3 articles"));
        assert!(body.contains("· 1 article\n"), "{body}");
        assert!(body.contains("<time datetime=\"2024-03-01T08:00:00+00:00\">1 Mar 2024, 08:00 UTC</time>"));
        // The June re-run is a re-dated copy, which the store does not count
        // as activity, so the orchard story (2 March) leads the bridge (1 March).
        let bridge_at = body.find("Harbour bridge").unwrap();
        let orchard_at = body.find("Orchard harvest").unwrap();
        assert!(orchard_at < bridge_at);
        assert!(body.contains("action=\"/search\""));
        assert!(body.contains("href=\"/static/style.css\""));
        let head = &body[..body.find("</head>").unwrap()];
        assert!(head.contains(
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"ravenwire: latest stories\" href=\"/feed.atom\">"
        ), "{head}");
        // Everything fits on one page.
        assert!(!body.contains("rel=\"next\""));
    }

    #[tokio::test]
    async fn front_page_past_the_end_is_empty_and_links_back() {
        let fx = Fixture::new().await;
        let reply = fx.get("/?page=2").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.body.contains("No more stories."));
        assert!(reply.body.contains("href=\"/?page=1\""));
        assert!(!reply.body.contains("Harbour bridge"));
    }

    #[tokio::test]
    async fn front_page_refuses_a_nonsense_page_number() {
        let fx = Fixture::new().await;
        for uri in ["/?page=0", "/?page=abc", "/?page=-1"] {
            let reply = fx.get(uri).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(reply.content_type.starts_with("text/html"));
            assert!(reply.body.contains("page must be a whole number"), "{}", reply.body);
        }
    }

    #[tokio::test]
    async fn story_page_shows_first_report_coverage_and_provenance() {
        let fx = Fixture::new().await;
        let reply = fx.get(&format!("/story/{}", fx.bridge_story)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let body = &reply.body;
        assert!(body.contains("<h1>Harbour bridge closes after storm</h1>"), "{body}");
        let head = &body[..body.find("</head>").unwrap()];
        assert!(head.contains(&format!(
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Harbour bridge closes after storm · ravenwire\" href=\"/story/{}/feed.atom\">",
            fx.bridge_story
        )), "{head}");
        assert!(body.contains(&format!(
            "First reported by <a href=\"/article/{}\">Coastal Times</a> on <time datetime=\"2024-03-01T08:00:00+00:00\">",
            fx.bridge
        )));
        assert!(body.contains("Coverage by outlet"));
        assert!(body.contains("<span class=\"chip\">Wire Echo</span>"));
        // The timeline runs oldest first.
        let timeline = &body[body.find("Timeline").unwrap()..];
        let first = timeline
            .find(&format!("href=\"/article/{}\">Harbour", fx.bridge))
            .unwrap();
        let second = timeline
            .find(&format!("href=\"/article/{}\">Storm shuts", fx.echo))
            .unwrap();
        let third = timeline
            .find(&format!("href=\"/article/{}\">Bridge closed", fx.rerun))
            .unwrap();
        assert!(first < second && second < third);
        // The copies point back at the original.
        let copy_link = format!(
            "copy of <a href=\"/article/{}\">Harbour bridge closes after storm (Coastal Times)</a>",
            fx.bridge
        );
        assert_eq!(timeline.matches(&copy_link).count(), 2, "{timeline}");
        assert!(timeline.contains(
            "Re-dated: first reported <time datetime=\"2024-03-01T08:00:00+00:00\">1 Mar 2024, 08:00 UTC</time>"
        ));
        assert_eq!(timeline.matches("notice-redated").count(), 1);
        // Related stories.
        let related = &body[body.find("Related stories").expect("related section")..];
        assert!(related.contains(&format!("href=\"/story/{}\"", fx.orchard_story)));
    }

    #[tokio::test]
    async fn article_page_is_a_clean_reader_view() {
        let fx = Fixture::new().await;
        let reply = fx.get(&format!("/article/{}", fx.bridge)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let body = &reply.body;
        assert!(body.contains("<h1>Harbour bridge closes after storm</h1>"));
        assert!(body.contains("Coastal Times"));
        assert!(body.contains("By Ana Lima, Ben Ode"));
        assert!(body.contains("<time datetime=\"2024-03-01T08:00:00+00:00\">"));
        assert!(body.contains("language: en"));
        assert!(body.contains("<article class=\"reader\" lang=\"en\">"));
        // The stored body's script and handler are gone; its text stays.
        assert!(body.contains("The harbour bridge closed on Friday"));
        assert!(!body.contains("<script"), "{body}");
        assert!(!body.contains("owned"));
        assert!(!body.contains("onclick"));
        // A relative link is resolved against the article's address.
        assert!(body.contains("href=\"https://coastal.example/repairs\""), "{body}");
        assert!(body.contains(
            "<a class=\"original\" href=\"https://coastal.example/news/bridge\" rel=\"noopener noreferrer\">"
        ));
        assert!(body.contains(&format!(
            "Part of the story <a href=\"/story/{}\">Harbour bridge closes after storm</a>",
            fx.bridge_story
        )));
        assert!(!body.contains("class=\"notice"));
    }

    #[tokio::test]
    async fn article_page_of_a_redated_copy_says_so() {
        let fx = Fixture::new().await;
        let body = fx.get(&format!("/article/{}", fx.rerun)).await.body;
        assert!(body.contains(&format!(
            "copy of <a href=\"/article/{}\">Harbour bridge closes after storm (Coastal Times)</a>",
            fx.bridge
        )));
        assert!(body.contains("Re-dated: first reported <time datetime=\"2024-03-01T08:00:00+00:00\">"));
        assert!(body.contains("<time datetime=\"2024-06-10\">10 Jun 2024</time>"));
    }

    #[tokio::test]
    async fn missing_things_are_html_404s() {
        let fx = Fixture::new().await;
        for uri in ["/story/9999", "/article/9999", "/no/such/page"] {
            let reply = fx.get(uri).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
            assert!(reply.content_type.starts_with("text/html"), "{uri}");
            assert!(reply.body.contains("404 Not Found"));
            assert!(reply.body.contains("action=\"/search\""));
        }
    }

    #[tokio::test]
    async fn malformed_ids_are_html_400s() {
        let fx = Fixture::new().await;
        for (uri, message) in [
            ("/story/abc", "not a valid story id: &#34;abc&#34;"),
            ("/article/0", "not a valid article id"),
        ] {
            let reply = fx.get(uri).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(reply.body.contains(message), "{uri}: {}", reply.body);
        }
    }

    #[tokio::test]
    async fn stylesheet_is_served_and_pages_forbid_scripts() {
        let fx = Fixture::new().await;
        let css = fx.get("/static/style.css").await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(css.content_type.starts_with("text/css"));
        assert!(css.body.contains("@media"));
        let request = axum::http::Request::get("/").body(axum::body::Body::empty()).unwrap();
        let response = tower::ServiceExt::oneshot(
            crate::router(fx.state.clone(), crate::Limits::DEFAULT.request_timeout),
            request,
        )
        .await
        .unwrap();
        let policy = response.headers()["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("default-src 'none'"));
    }
}
