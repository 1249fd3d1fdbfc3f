//! The HTML pages.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use store::{ArticleId, ArticleSummary, StoredArticle, StoryDetail};

use crate::display::{clean_body, lang_attr, web_link, When};
use crate::lookup::article_from_path;
use crate::{AppState, Error};

/// The story page lives in its own module; the router names it here.
pub(crate) use crate::story_page::story_page;

pub(crate) static STYLESHEET: &str = include_str!("../static/style.css");

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

pub(crate) fn copy_notice(original: ArticleId, known: Option<(&Option<String>, &str)>) -> Notice {
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

pub(crate) fn redated_notice(first_reported: Option<When>) -> Notice {
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
    /// The lead image, when the body does not show it already.
    lead_image: Option<String>,
    original_url: Option<String>,
}

/// The article's lead image, if it is a web address that the body does not
/// show already (the extractor puts it at the top of bodies it reads).
fn lead_image(image: Option<&str>, body_html: &str) -> Option<String> {
    let src = web_link(image)?;
    let shown = [src.clone(), src.replace('&', "&amp;")]
        .iter()
        .any(|s| body_html.contains(&format!("src=\"{s}\"")));
    (!shown).then_some(src)
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

    let body_html = clean_body(&article.html, address);
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
        lead_image: lead_image(article.image.as_deref(), &body_html),
        body_html,
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
        assert_eq!(body.matches("<script").count(), 1, "only the layout's keys.js: {body}");
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
    async fn article_page_shows_images_with_their_alt_text() {
        let fx = Fixture::new().await;
        let url = "https://lagoon.example/ferry";
        let html = "<figure><img src=\"/img/hull.jpg\" alt=\"Divers beside the hull\"></figure>\
            <p>The ferry ran aground.</p><img src=\"data:image/gif;base64,R0l\" alt=\"pixel\">";
        let new = store::NewArticle {
            article: model::Article {
                url: Some(url.to_string()),
                title: Some("Ferry photographed".to_string()),
                text: "The ferry ran aground.".to_string(),
                html: html.to_string(),
                image: Some("https://cdn.lagoon.example/lead.jpg?w=1&h=2".to_string()),
                ..model::Article::default()
            },
            canonical_url: url.to_string(),
            content_hash: "hash-of-ferry".to_string(),
            source: None,
            fetch: None,
        };
        let id = fx.state.store.insert_article(&new).await.unwrap();
        let body = fx.get(&format!("/article/{id}")).await.body;
        assert!(body.contains(
            "<figure class=\"lead-image\"><img src=\"https://cdn.lagoon.example/lead.jpg?w=1&#38;h=2\" alt=\"\"></figure>"
        ), "{body}");
        assert!(
            body.contains("<img src=\"https://lagoon.example/img/hull.jpg\" alt=\"Divers beside the hull\">"),
            "{body}"
        );
        assert!(!body.contains("data:image"), "{body}");
        // A lead image the body shows already is not shown twice, and only
        // a web address is one.
        let shown = r#"<figure><img src="https://lagoon.example/lead.jpg?w=1&amp;h=2"></figure>"#;
        assert_eq!(lead_image(Some("https://lagoon.example/lead.jpg?w=1&h=2"), shown), None);
        assert_eq!(lead_image(Some("data:image/png;base64,AAAA"), ""), None);
        assert_eq!(lead_image(Some("javascript:alert(1)"), ""), None);
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
