//! The front page: top stories by the store's ranking rule, with language
//! and outlet filters, and the story cards that list them.
//!
//! The order is [`store::Store::top_stories`]': a story's score is its
//! number of independent outlets (distinct outlets of its originals; copies
//! and re-dated copies do not count), halved for every day since its latest
//! report. Stored as `latest report + 1 day × log2(outlets)`, so each
//! doubling of independent outlets is worth a day of recency; ties go to
//! the later first report. `/api/v1/stories` lists the same order with the
//! same filters.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use store::{RankedStory, StoryFilter, StoryId, StorySummary};

use crate::display::{count_label, When};
use crate::pages::{Link, Pager};
use crate::params::QueryParams;
use crate::{AppState, Error};

const STORIES_PER_PAGE: u32 = 20;
const MAX_STORY_PAGE: u32 = 1000;
/// The longest one-line lead, in characters, before it is cut at a word.
const LEAD_CHARS: usize = 160;
/// The longest outlet name a filter takes.
const MAX_OUTLET_CHARS: usize = 200;

/// A story in a list: the front page's, or a story page's related stories.
pub(crate) struct StoryCard {
    pub id: StoryId,
    pub title: String,
    pub first_published: Option<When>,
    pub count_label: String,
    /// Each outlet, linking to the front page filtered to it.
    pub outlets: Vec<Link>,
    /// The first sentence of the first report, shortened to one line.
    pub lead: Option<String>,
    /// "2 copies", "1 re-dated copy": shown where the story has them.
    pub badges: Vec<Badge>,
}

/// A provenance badge on a story card.
pub(crate) struct Badge {
    /// For the CSS class: `copy` or `redated`.
    pub kind: &'static str,
    pub label: String,
}

impl From<&StorySummary> for StoryCard {
    fn from(summary: &StorySummary) -> Self {
        StoryCard {
            id: summary.id,
            title: summary.title.clone(),
            first_published: summary.first_published.as_ref().map(When::of),
            count_label: count_label(summary.article_count, "article", "articles"),
            outlets: summary.outlets.iter().map(|name| outlet_link(name)).collect(),
            lead: None,
            badges: Vec::new(),
        }
    }
}

impl From<&RankedStory> for StoryCard {
    fn from(story: &RankedStory) -> Self {
        let mut badges = Vec::new();
        if story.copies > 0 {
            let label = count_label(story.copies, "copy", "copies");
            badges.push(Badge { kind: "copy", label });
        }
        if story.redated > 0 {
            let label = count_label(story.redated, "re-dated copy", "re-dated copies");
            badges.push(Badge { kind: "redated", label });
        }
        StoryCard {
            lead: story.opening.as_deref().and_then(one_line_lead),
            badges,
            ..StoryCard::from(&story.summary)
        }
    }
}

fn outlet_link(name: &str) -> Link {
    Link {
        href: format!("/?{}", query(&[("outlet", name)])),
        label: name.to_string(),
    }
}

/// An `application/x-www-form-urlencoded` query string of these pairs.
fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, value);
    }
    out.finish()
}

/// The first sentence of `text`, on one line, cut at a word boundary with
/// an ellipsis when it runs past [`LEAD_CHARS`]. `None` for blank text.
pub(crate) fn one_line_lead(text: &str) -> Option<String> {
    let paragraph = text.trim().split("\n\n").next()?;
    let words: Vec<&str> = paragraph.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    // A sentence ends at a word ending in . ! or ? (closing quotes aside).
    let end = words
        .iter()
        .position(|w| {
            w.trim_end_matches(['"', '\'', '”', '’', ')'])
                .ends_with(['.', '!', '?'])
        })
        .map_or(words.len(), |i| i + 1);
    let sentence = words[..end].join(" ");
    if sentence.chars().count() <= LEAD_CHARS {
        return Some(sentence);
    }
    let mut lead = String::new();
    for word in &words[..end] {
        let needed = lead.chars().count() + usize::from(!lead.is_empty()) + word.chars().count();
        if needed > LEAD_CHARS - 1 {
            break;
        }
        if !lead.is_empty() {
            lead.push(' ');
        }
        lead.push_str(word);
    }
    if lead.is_empty() {
        // One word longer than the line.
        lead = sentence.chars().take(LEAD_CHARS - 1).collect();
    }
    lead.push('…');
    Some(lead)
}

/// The `lang` and `outlet` query parameters, checked. A bad value is a 400
/// that names the parameter.
pub(crate) fn story_filter(params: &QueryParams) -> Result<StoryFilter, Error> {
    let language = match params.text("lang") {
        None => None,
        Some(raw) if is_language_code(raw) => Some(raw.to_ascii_lowercase()),
        Some(raw) => {
            return Err(Error::BadRequest(format!(
                "lang must be a language code such as en or pt-BR, not {raw:?}"
            )))
        }
    };
    let outlet = match params.text("outlet") {
        None => None,
        Some(raw) if raw.chars().count() <= MAX_OUTLET_CHARS && !raw.chars().any(char::is_control) => {
            Some(raw.to_string())
        }
        Some(raw) => {
            let shown: String = raw.chars().take(40).collect();
            return Err(Error::BadRequest(format!(
                "outlet must be an outlet's name, at most {MAX_OUTLET_CHARS} characters and no control \
                 characters, not {shown:?}"
            )));
        }
    };
    Ok(StoryFilter { language, outlet })
}

/// A BCP 47-shaped code: a 2–8 letter language, then 1–8 character
/// subtags of letters and digits.
fn is_language_code(code: &str) -> bool {
    let mut parts = code.split(['-', '_']);
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && code.len() <= 35
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[derive(Template)]
#[template(path = "front.html")]
struct FrontPage {
    search_value: String,
    page: u32,
    lang: String,
    outlet: String,
    filtered: bool,
    stories: Vec<StoryCard>,
    pager: Pager,
}

pub(crate) async fn front_page(State(state): State<AppState>, params: QueryParams) -> Result<Html<String>, Error> {
    let page = params.number("page", 1, 1, MAX_STORY_PAGE)?;
    let filter = story_filter(&params)?;
    let offset = (page - 1) * STORIES_PER_PAGE;
    // One extra row tells whether an older page exists.
    let mut stories = state.store.top_stories(&filter, STORIES_PER_PAGE + 1, offset).await?;
    let has_more = stories.len() > STORIES_PER_PAGE as usize;
    stories.truncate(STORIES_PER_PAGE as usize);
    let lang = filter.language.clone().unwrap_or_default();
    let outlet = filter.outlet.clone().unwrap_or_default();
    let href = |n: u32| {
        let number = n.to_string();
        let mut pairs = Vec::new();
        if !lang.is_empty() {
            pairs.push(("lang", lang.as_str()));
        }
        if !outlet.is_empty() {
            pairs.push(("outlet", outlet.as_str()));
        }
        pairs.push(("page", number.as_str()));
        format!("/?{}", query(&pairs))
    };
    let pager = Pager::new(page, has_more, href, ("Higher ranked", "Lower ranked"));
    let view = FrontPage {
        search_value: String::new(),
        page,
        filtered: !filter.is_empty(),
        lang,
        outlet,
        stories: stories.iter().map(StoryCard::from).collect(),
        pager,
    };
    Ok(Html(view.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Fixture;
    use axum::http::StatusCode;
    use model::Article;
    use store::{NewArticle, StoryPlacement};

    #[test]
    fn leads_are_the_first_sentence_on_one_line() {
        assert_eq!(
            one_line_lead("  The bridge closed.  Repairs start soon.").as_deref(),
            Some("The bridge closed.")
        );
        assert_eq!(
            one_line_lead("“Stay home,” the mayor said! Then more.").as_deref(),
            Some("“Stay home,” the mayor said!")
        );
        assert_eq!(
            one_line_lead("No full stop\nat all").as_deref(),
            Some("No full stop at all")
        );
        assert_eq!(
            one_line_lead("First paragraph\n\nSecond.").as_deref(),
            Some("First paragraph")
        );
        assert_eq!(one_line_lead(" \n "), None);
        let long = "word ".repeat(60);
        let lead = one_line_lead(&long).unwrap();
        assert!(lead.ends_with("word…"), "{lead}");
        assert!(lead.chars().count() <= LEAD_CHARS, "{}", lead.chars().count());
        let one_word = "x".repeat(400);
        assert_eq!(one_line_lead(&one_word).unwrap().chars().count(), LEAD_CHARS);
    }

    #[test]
    fn language_codes_are_checked() {
        for good in ["en", "pt-BR", "zh-Hant-TW", "de_CH", "gsw"] {
            assert!(is_language_code(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "english-language-code-much-too-long-x",
            "en-",
            "1a",
            "en GB",
            "<b>",
            "en-toolongsubtag",
        ] {
            assert!(!is_language_code(bad), "{bad}");
        }
    }

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
        for (outlet, query) in [
            ("Coastal Times", "Coastal+Times"),
            ("Wire Echo", "Wire+Echo"),
            ("Old News Daily", "Old+News+Daily"),
            ("Valley Post", "Valley+Post"),
        ] {
            assert!(
                body.contains(&format!(
                    "<li class=\"chip\"><a href=\"/?outlet={query}\">{outlet}</a></li>"
                )),
                "{outlet}: {body}"
            );
        }
        assert!(body.contains("3 articles"));
        assert!(body.contains("· 1 article\n"), "{body}");
        assert!(body.contains("<time datetime=\"2024-03-01T08:00:00+00:00\">1 Mar 2024, 08:00 UTC</time>"));
        // The lead is the first sentence of the first report.
        assert!(
            body.contains(
                "<p class=\"lead\">The harbour bridge closed on Friday after a storm damaged its cables.</p>"
            ),
            "{body}"
        );
        // The bridge story has a copy and a re-dated copy; the orchard none.
        assert_eq!(body.matches("badge badge-copy").count(), 1, "{body}");
        assert_eq!(body.matches("badge badge-redated").count(), 1, "{body}");
        // Each has one independent outlet; the June re-run is a re-dated
        // copy, which does not count as activity, so the orchard story
        // (2 March) leads the bridge (1 March).
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

    /// Stores an original report of the bridge story from another outlet.
    async fn independent_report(fx: &Fixture, url: &str, site: &str) {
        let new = NewArticle {
            article: Article {
                url: Some(url.to_string()),
                canonical_url: Some(url.to_string()),
                title: Some(format!("{site} on the bridge")),
                text: "Our reporter saw the closed bridge.".to_string(),
                html: "<p>Our reporter saw the closed bridge.</p>".to_string(),
                published: Some("2024-03-01T12:00:00Z".parse().unwrap()),
                language: Some("en".to_string()),
                site_name: Some(site.to_string()),
                ..Article::default()
            },
            canonical_url: url.to_string(),
            content_hash: format!("hash-of-{url}"),
            source: None,
            fetch: None,
        };
        let id = fx.state.store.insert_article(&new).await.unwrap();
        let placement = StoryPlacement {
            story_key: "bridge".to_string(),
            copy_of: None,
            redated: false,
        };
        fx.state.store.assign_story(id, &placement).await.unwrap();
    }

    #[tokio::test]
    async fn independent_outlets_lift_a_story_above_a_newer_one() {
        let fx = Fixture::new().await;
        // Copies alone leave the bridge story under the newer orchard one.
        let ids = |json: serde_json::Value| -> Vec<i64> {
            json["stories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(
            ids(fx.get("/api/v1/stories").await.json()),
            [fx.orchard_story.0, fx.bridge_story.0]
        );
        // Two more newsrooms report it themselves: three independent outlets
        // are worth log2(3) ≈ 1.6 days, more than the orchard's 21 hours.
        independent_report(&fx, "https://gazette.example/bridge", "Harbour Gazette").await;
        independent_report(&fx, "https://isle.example/bridge", "Isle Herald").await;
        let json = fx.get("/api/v1/stories").await.json();
        assert_eq!(ids(json.clone()), [fx.bridge_story.0, fx.orchard_story.0]);
        let bridge = &json["stories"][0];
        assert_eq!(bridge["independent_outlets"], 3);
        assert_eq!(bridge["copies"], 1);
        assert_eq!(bridge["redated"], 1);
        assert_eq!(bridge["first_report"], fx.bridge.0);
        assert_eq!(bridge["title"], "Harbour bridge closes after storm");
        let body = fx.get("/").await.body;
        assert!(body.find("Harbour bridge").unwrap() < body.find("Orchard harvest").unwrap());
    }

    #[tokio::test]
    async fn front_page_filters_by_language_and_outlet() {
        let fx = Fixture::new().await;
        let body = fx.get("/?outlet=wire+echo").await.body;
        assert!(body.contains("Harbour bridge"), "{body}");
        assert!(!body.contains("Orchard harvest"));
        // The form keeps the filter, and a link clears it.
        assert!(body.contains("<label for=\"filter-outlet\">Outlet</label>"), "{body}");
        assert!(body.contains("value=\"wire echo\""), "{body}");
        assert!(body.contains("href=\"/\">Clear filters</a>"), "{body}");
        let body = fx.get("/?lang=EN&outlet=Valley%20Post").await.body;
        assert!(
            body.contains("Orchard harvest") && !body.contains("Harbour bridge"),
            "{body}"
        );
        let body = fx.get("/?lang=de").await.body;
        assert!(body.contains("No stories match these filters."), "{body}");
        // The API takes the same filters.
        let json = fx.get("/api/v1/stories?outlet=Valley+Post").await.json();
        assert_eq!(json["stories"].as_array().unwrap().len(), 1);
        assert_eq!(json["stories"][0]["id"], fx.orchard_story.0);
        assert_eq!(json["filter"]["outlet"], "Valley Post");
        assert!(fx.get("/api/v1/stories?lang=fr").await.json()["stories"]
            .as_array()
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn bad_filters_are_400s_naming_the_parameter() {
        let fx = Fixture::new().await;
        for (uri, named) in [
            ("/?lang=%3Cscript%3E", "lang must be a language code"),
            ("/?lang=e", "lang must be"),
            ("/?outlet=a%0Ab", "outlet must be"),
        ] {
            let reply = fx.get(uri).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(reply.content_type.starts_with("text/html"));
            assert!(reply.body.contains(named), "{uri}: {}", reply.body);
            assert!(!reply.body.contains("<script>"), "{}", reply.body);
        }
        let long = format!("/?outlet={}", "a".repeat(201));
        assert_eq!(fx.get(&long).await.status, StatusCode::BAD_REQUEST);
        let reply = fx.get("/api/v1/stories?lang=12").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(
            reply.json()["error"].as_str().unwrap().contains("lang must be"),
            "{}",
            reply.body
        );
    }

    #[tokio::test]
    async fn pager_links_keep_the_filters() {
        let fx = Fixture::new().await;
        let body = fx.get("/?lang=en&outlet=Wire+Echo&page=2").await.body;
        assert!(body.contains("No more stories."), "{body}");
        assert!(
            body.contains("href=\"/?lang=en&#38;outlet=Wire+Echo&#38;page=1\""),
            "{body}"
        );
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
}
