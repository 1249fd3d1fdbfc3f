//! Atom feeds: the latest stories, and the articles of one story.
//!
//! Links are absolute, because many feed readers resolve relative links
//! badly or not at all. They start with the server's configured public
//! [`BaseUrl`] (or its listen address), never with the request's `Host`
//! header: a forged header cannot point a reader at another site. Nothing
//! here reads the clock, so the same store gives the same bytes.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use model::{Provenance, Timestamp};
use store::{ArticleSummary, StoryDetail, StorySummary};

use crate::atom::{self, Category, Entry, Feed, Link};
use crate::display::{count_label, web_link, When};
use crate::lookup::story_from_path;
use crate::pages::{article_title, first_report};
use crate::{AppState, BaseUrl, Error};

/// Enough for a reader polling every few hours to miss nothing on a busy day.
const STORIES_IN_FEED: u32 = 30;
const PROVENANCE_SCHEME: &str = "urn:ravenwire:provenance";
const HTML: Option<&str> = Some("text/html");
const ATOM: Option<&str> = Some("application/atom+xml");

pub(crate) async fn latest_feed(State(state): State<AppState>) -> Result<Response, Error> {
    let site = &state.base_url;
    let stories = state.store.latest_stories(STORIES_IN_FEED, 0).await?;
    // The summaries lack the first report's address. Reading the stories
    // one after another made the feed ten times slower than the front page,
    // so they are read side by side.
    let mut lookups = tokio::task::JoinSet::new();
    for (position, summary) in stories.iter().enumerate() {
        let store = Arc::clone(&state.store);
        let id = summary.id;
        lookups.spawn(async move { (position, store.story(id).await) });
    }
    let mut details: Vec<Option<StoryDetail>> = vec![None; stories.len()];
    while let Some(joined) = lookups.join_next().await {
        let (position, detail) = joined?;
        details[position] = detail?;
    }
    // A story deleted between the two reads still gets an entry, just
    // without its first report.
    let entries = stories
        .iter()
        .zip(&details)
        .map(|(summary, detail)| story_entry(site, summary, detail.as_ref()))
        .collect();
    let feed = Feed {
        id: "urn:ravenwire:feed:latest".to_string(),
        title: "ravenwire: latest stories".to_string(),
        subtitle: Some("News stories as ravenwire groups them, most recently active first.".to_string()),
        links: vec![
            link("self", site.join("/feed.atom"), ATOM),
            link("alternate", site.join("/"), HTML),
        ],
        author: "ravenwire".to_string(),
        entries,
    };
    Ok(atom_response(&feed))
}

pub(crate) async fn story_feed(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Error> {
    let detail = story_from_path(&state, id).await?;
    Ok(atom_response(&story_articles_feed(&state.base_url, &detail)))
}

fn atom_response(feed: &Feed) -> Response {
    ([(header::CONTENT_TYPE, atom::MEDIA_TYPE)], feed.to_xml()).into_response()
}

fn link(rel: &'static str, href: String, media_type: Option<&'static str>) -> Link {
    Link {
        rel,
        href,
        media_type,
        title: None,
    }
}

/// Atom dates need a time of day; a bare day becomes its midnight UTC, as
/// [`Timestamp::to_utc`] orders it.
fn atom_date(timestamp: &Timestamp) -> DateTime<FixedOffset> {
    match timestamp {
        Timestamp::Instant(t) => *t,
        Timestamp::Day(_) => timestamp.to_utc().fixed_offset(),
    }
}

fn story_entry(site: &BaseUrl, summary: &StorySummary, detail: Option<&StoryDetail>) -> Entry {
    let first = detail.and_then(first_report);
    let published = first
        .and_then(|a| a.published.as_ref())
        .or(summary.first_published.as_ref());

    let mut text = format!(
        "{} from {}.",
        count_label(summary.article_count, "article", "articles"),
        list_in_words(&summary.outlets)
    );
    if let Some(first) = first {
        text.push_str(&format!(" First reported by {}", first.outlet));
        if let Some(when) = published {
            text.push_str(&format!(" on {}", When::of(when).readable));
        }
        text.push('.');
    }

    let mut links = vec![link("alternate", site.join(&format!("/story/{}", summary.id)), HTML)];
    if let Some((first, href)) = first.and_then(|a| Some((a, web_link(a.url.as_deref())?))) {
        links.push(Link {
            rel: "related",
            href,
            media_type: HTML,
            title: Some(format!("First report: {}", first.outlet)),
        });
    }
    Entry {
        id: format!("urn:ravenwire:story:{}", summary.id),
        title: summary.title.clone(),
        updated: summary.updated.fixed_offset(),
        published: published.map(atom_date),
        author: first.map(|a| a.outlet.clone()),
        links,
        categories: Vec::new(),
        summary: Some(text),
    }
}

fn story_articles_feed(site: &BaseUrl, detail: &StoryDetail) -> Feed {
    let summary = &detail.summary;
    let entries = detail
        .articles
        .iter()
        .map(|article| article_entry(site, detail, article))
        .collect();
    Feed {
        id: format!("urn:ravenwire:feed:story:{}", summary.id),
        title: format!("{} · ravenwire", summary.title),
        subtitle: Some(format!(
            "Every article in this story, oldest first: {} from {}.",
            count_label(summary.article_count, "article", "articles"),
            list_in_words(&summary.outlets)
        )),
        links: vec![
            link("self", site.join(&format!("/story/{}/feed.atom", summary.id)), ATOM),
            link("alternate", site.join(&format!("/story/{}", summary.id)), HTML),
        ],
        author: "ravenwire".to_string(),
        entries,
    }
}

fn provenance_category(provenance: Provenance) -> Category {
    let (term, label) = match provenance {
        Provenance::Original => ("original", "Original report"),
        Provenance::Copy => ("copy", "Copy of an earlier article"),
        Provenance::Redated => ("redated", "Re-dated copy"),
    };
    Category {
        scheme: PROVENANCE_SCHEME,
        term,
        label,
    }
}

fn article_entry(site: &BaseUrl, detail: &StoryDetail, article: &ArticleSummary) -> Entry {
    let story_first = detail.summary.first_published.as_ref();
    let original = article
        .copy_of
        .map(|id| (id, detail.articles.iter().find(|a| a.id == id)));
    let provenance = if article.redated {
        Provenance::Redated
    } else if article.copy_of.is_some() {
        Provenance::Copy
    } else {
        Provenance::Original
    };

    let mut lines = Vec::new();
    match original {
        Some((_, Some(known))) => lines.push(format!("Copy of “{}” ({}).", article_title(&known.title), known.outlet)),
        Some((id, None)) => lines.push(format!("Copy of article {id}.")),
        None => {}
    }
    if article.redated {
        let first_reported = original
            .and_then(|(_, known)| known?.published.as_ref())
            .or(story_first);
        lines.push(match first_reported {
            Some(when) => format!("Re-dated: first reported {}.", When::of(when).readable),
            None => "Re-dated: this was reported earlier than its date says.".to_string(),
        });
    }
    if let Some(description) = article.description.as_deref().map(str::trim) {
        if !description.is_empty() {
            lines.push(description.to_string());
        }
    }

    let mut links = vec![link("alternate", site.join(&format!("/article/{}", article.id)), HTML)];
    if let Some(href) = web_link(article.url.as_deref()) {
        links.push(Link {
            rel: "related",
            href,
            media_type: HTML,
            title: Some(format!("Original at {}", article.outlet)),
        });
    }
    if let Some((id, _)) = original {
        links.push(Link {
            rel: "via",
            href: site.join(&format!("/article/{id}")),
            media_type: HTML,
            title: Some("The article this copies".to_string()),
        });
    }
    // An undated article takes the story's first date rather than one that
    // moves as the story grows, so readers do not see it as edited.
    let updated = article
        .published
        .as_ref()
        .or(story_first)
        .map(atom_date)
        .unwrap_or_else(|| detail.summary.updated.fixed_offset());
    Entry {
        id: format!("urn:ravenwire:article:{}", article.id),
        title: article_title(&article.title),
        updated,
        published: article.published.as_ref().map(atom_date),
        author: Some(article.outlet.clone()),
        links,
        categories: vec![provenance_category(provenance)],
        summary: (!lines.is_empty()).then(|| lines.join("\n")),
    }
}

/// "A", "A and B", "A, B and C"; "no known outlet" for none.
fn list_in_words(items: &[String]) -> String {
    match items {
        [] => "no known outlet".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;
    use crate::test_support::Fixture;

    #[test]
    fn outlet_lists_read_as_prose() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(list_in_words(&names(&[])), "no known outlet");
        assert_eq!(list_in_words(&names(&["A"])), "A");
        assert_eq!(list_in_words(&names(&["A", "B"])), "A and B");
        assert_eq!(list_in_words(&names(&["A", "B", "C"])), "A, B and C");
    }

    #[test]
    fn bare_days_become_midnight_utc() {
        let day: Timestamp = "2024-06-10".parse().unwrap();
        assert_eq!(atom_date(&day).to_rfc3339(), "2024-06-10T00:00:00+00:00");
        let instant: Timestamp = "2024-03-01T11:30:00+01:00".parse().unwrap();
        assert_eq!(atom_date(&instant).to_rfc3339(), "2024-03-01T11:30:00+01:00");
    }

    fn parse(body: &str) -> feed_rs::model::Feed {
        feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("not a feed ({e}): {body}"))
    }

    fn title(text: &Option<feed_rs::model::Text>) -> &str {
        text.as_ref().map(|t| t.content.as_str()).unwrap_or("")
    }

    fn href<'a>(links: &'a [feed_rs::model::Link], rel: &str) -> Option<&'a str> {
        links
            .iter()
            .find(|l| l.rel.as_deref() == Some(rel))
            .map(|l| l.href.as_str())
    }

    #[tokio::test]
    async fn latest_feed_lists_stories_with_absolute_links() {
        let fx = Fixture::new().await;
        let reply = fx.get("/feed.atom").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.content_type, "application/atom+xml; charset=utf-8");
        let feed = parse(&reply.body);
        assert_eq!(feed.id, "urn:ravenwire:feed:latest");
        assert_eq!(title(&feed.title), "ravenwire: latest stories");
        assert_eq!(href(&feed.links, "self"), Some("http://news.local:8080/feed.atom"));
        // The re-dated June re-run does not count as activity, so the orchard
        // story leads and dates the feed.
        assert_eq!(feed.updated.unwrap().to_rfc3339(), "2024-03-02T09:00:00+00:00");

        assert_eq!(feed.entries.len(), 2);
        let orchard = &feed.entries[0];
        assert_eq!(orchard.id, format!("urn:ravenwire:story:{}", fx.orchard_story));
        assert_eq!(
            title(&orchard.summary),
            "1 article from Valley Post. First reported by Valley Post on 2 Mar 2024, 09:00 UTC."
        );
        let bridge = &feed.entries[1];
        assert_eq!(bridge.id, format!("urn:ravenwire:story:{}", fx.bridge_story));
        assert_eq!(title(&bridge.title), "Harbour bridge closes after storm");
        // The wire copy at 11:30+01:00 is the last activity that counts.
        assert_eq!(bridge.updated.unwrap().to_rfc3339(), "2024-03-01T10:30:00+00:00");
        assert_eq!(bridge.published.unwrap().to_rfc3339(), "2024-03-01T08:00:00+00:00");
        assert_eq!(
            href(&bridge.links, "alternate"),
            Some(format!("http://news.local:8080/story/{}", fx.bridge_story).as_str())
        );
        assert_eq!(
            href(&bridge.links, "related"),
            Some("https://coastal.example/news/bridge")
        );
        assert_eq!(bridge.authors[0].name, "Coastal Times");
        assert_eq!(
            title(&bridge.summary),
            "3 articles from Coastal Times, Wire Echo and Old News Daily. \
             First reported by Coastal Times on 1 Mar 2024, 08:00 UTC."
        );
    }

    #[tokio::test]
    async fn feeds_are_the_same_bytes_on_every_request() {
        let fx = Fixture::new().await;
        let first = fx.get("/feed.atom").await.body;
        let second = fx.get("/feed.atom").await.body;
        assert_eq!(first, second);
        assert!(
            first.contains(
                "<link rel=\"self\" type=\"application/atom+xml\" href=\"http://news.local:8080/feed.atom\"/>"
            ),
            "{first}"
        );
    }

    #[tokio::test]
    async fn story_feed_lists_articles_oldest_first_with_provenance() {
        let fx = Fixture::new().await;
        let uri = format!("/story/{}/feed.atom", fx.bridge_story);
        let reply = fx.get(&uri).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.content_type, "application/atom+xml; charset=utf-8");
        let feed = parse(&reply.body);
        assert_eq!(feed.id, format!("urn:ravenwire:feed:story:{}", fx.bridge_story));
        assert_eq!(title(&feed.title), "Harbour bridge closes after storm · ravenwire");
        assert_eq!(
            href(&feed.links, "self"),
            Some(format!("http://news.local:8080{uri}").as_str())
        );
        assert_eq!(feed.updated.unwrap().to_rfc3339(), "2024-06-10T00:00:00+00:00");

        let ids: Vec<_> = feed.entries.iter().map(|e| e.id.clone()).collect();
        let expected: Vec<_> = [fx.bridge, fx.echo, fx.rerun]
            .iter()
            .map(|id| format!("urn:ravenwire:article:{id}"))
            .collect();
        assert_eq!(ids, expected);
        let terms: Vec<_> = feed.entries.iter().map(|e| e.categories[0].term.as_str()).collect();
        assert_eq!(terms, ["original", "copy", "redated"]);

        let [bridge, echo, rerun] = &feed.entries[..] else {
            panic!("three entries expected");
        };
        assert_eq!(title(&bridge.title), "Harbour bridge closes after storm");
        assert_eq!(bridge.summary, None);
        assert_eq!(
            href(&bridge.links, "alternate"),
            Some(format!("http://news.local:8080/article/{}", fx.bridge).as_str())
        );
        assert_eq!(
            href(&bridge.links, "related"),
            Some("https://coastal.example/news/bridge")
        );
        // The wire copy keeps its own offset.
        assert_eq!(echo.published.unwrap().to_rfc3339(), "2024-03-01T10:30:00+00:00");
        assert!(reply.body.contains("<published>2024-03-01T11:30:00+01:00</published>"));
        assert_eq!(
            title(&echo.summary),
            "Copy of “Harbour bridge closes after storm” (Coastal Times)."
        );
        assert_eq!(
            href(&echo.links, "via"),
            Some(format!("http://news.local:8080/article/{}", fx.bridge).as_str())
        );
        assert_eq!(echo.authors[0].name, "Wire Echo");
        assert_eq!(
            title(&rerun.summary),
            "Copy of “Harbour bridge closes after storm” (Coastal Times).\n\
             Re-dated: first reported 1 Mar 2024, 08:00 UTC."
        );
        assert_eq!(rerun.updated.unwrap().to_rfc3339(), "2024-06-10T00:00:00+00:00");
    }

    #[tokio::test]
    async fn a_forged_host_header_does_not_reach_feed_links() {
        let fx = Fixture::new().await;
        let story_feed = format!("/story/{}/feed.atom", fx.bridge_story);
        for path in ["/feed.atom", story_feed.as_str()] {
            for host in ["evil.example", "evil.example:8080", "evil.example/\"><x"] {
                let reply = fx.get_with_host(path, host).await;
                assert_eq!(reply.status, StatusCode::OK, "{path} with Host {host}");
                assert!(!reply.body.contains("evil"), "{path} with Host {host}: {}", reply.body);
                let feed = parse(&reply.body);
                let expected = format!("http://news.local:8080{path}");
                assert_eq!(href(&feed.links, "self"), Some(expected.as_str()));
            }
        }
    }

    #[tokio::test]
    async fn missing_or_malformed_story_feeds_are_refused() {
        let fx = Fixture::new().await;
        let missing = fx.get("/story/9999/feed.atom").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.content_type.starts_with("text/html"));
        assert!(missing.body.contains("no story with id 9999"), "{}", missing.body);
        let malformed = fx.get("/story/abc/feed.atom").await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert!(malformed.body.contains("not a valid story id"), "{}", malformed.body);
    }

    #[tokio::test]
    async fn hostile_titles_are_escaped_and_read_back_intact() {
        let fx = Fixture::new().await;
        let hostile = "Tom & Jerry's <script>alert(\"x\")</script> ]]> \u{1b}[31m";
        let (_, story) = fx
            .add_story_with_title(hostile, "https://odd.example/a?b=1&c=\"2\"")
            .await;

        let reply = fx.get(&format!("/story/{story}/feed.atom")).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(!reply.body.contains("<script>"), "{}", reply.body);
        assert!(!reply.body.contains('\u{1b}'));
        let feed = parse(&reply.body);
        let read_back = "Tom & Jerry's <script>alert(\"x\")</script> ]]> \u{FFFD}[31m";
        assert_eq!(title(&feed.entries[0].title), read_back);
        assert_eq!(
            href(&feed.entries[0].links, "related"),
            Some("https://odd.example/a?b=1&c=%222%22")
        );

        let latest = parse(&fx.get("/feed.atom").await.body);
        let entry = latest
            .entries
            .iter()
            .find(|e| e.id == format!("urn:ravenwire:story:{story}"))
            .expect("the new story is listed");
        assert_eq!(title(&entry.title), read_back);
    }
}
