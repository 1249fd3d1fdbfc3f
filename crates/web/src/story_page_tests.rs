//! Tests of the story page and the story's JSON: originals apart from
//! copies, the timeline from the text, and diversity.

use axum::http::StatusCode;
use model::{Article, Source, SourceKind};
use store::{NewArticle, StoryPlacement};

use crate::test_support::Fixture;

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
    // The original reports come apart from the copies, each list
    // oldest first; the first report is marked.
    let originals = section(body, "Original reports");
    assert!(
        originals.contains(&format!("href=\"/article/{}\">Harbour", fx.bridge)),
        "{originals}"
    );
    assert_eq!(originals.matches("badge-first\">first report</span>").count(), 1);
    assert!(!originals.contains("Storm shuts") && !originals.contains("Bridge closed"));
    let copies = section(body, "<h2>Copies</h2>");
    let echo = copies
        .find(&format!("href=\"/article/{}\">Storm shuts", fx.echo))
        .unwrap();
    let rerun = copies
        .find(&format!("href=\"/article/{}\">Bridge closed", fx.rerun))
        .unwrap();
    assert!(echo < rerun);
    assert_eq!(copies.matches("badge-copy\">copy</span>").count(), 1, "{copies}");
    assert_eq!(copies.matches("badge-redated\">re-dated copy</span>").count(), 1);
    // The copies point back at the original.
    let copy_link = format!(
        "copy of <a href=\"/article/{}\">Harbour bridge closes after storm (Coastal Times)</a>",
        fx.bridge
    );
    assert_eq!(copies.matches(&copy_link).count(), 2, "{copies}");
    assert!(copies.contains(
        "Re-dated: first reported <time datetime=\"2024-03-01T08:00:00+00:00\">1 Mar 2024, 08:00 UTC</time>"
    ));
    assert_eq!(copies.matches("notice-redated").count(), 1);
    assert!(!copies.contains("badge-first"));
    // Related stories.
    let related = &body[body.find("Related stories").expect("related section")..];
    assert!(related.contains(&format!("href=\"/story/{}\"", fx.orchard_story)));
}

/// The part of a page from its heading `marker` to the next section's end.
fn section<'a>(body: &'a str, marker: &str) -> &'a str {
    let start = body.find(marker).unwrap_or_else(|| panic!("no {marker}: {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// Stores an article about the Saltmere ferry as an original of a story of
/// its own, read from `url` through a source of `country`, if any.
async fn add_ferry(
    fx: &Fixture,
    url: &str,
    site: &str,
    text: &str,
    published: &str,
    country: Option<&str>,
) -> (store::ArticleId, store::StoryId) {
    let store = &fx.state.store;
    let source = match country {
        Some(country) => {
            let feed = Source {
                kind: SourceKind::Feed,
                url: format!("{url}/feed"),
                title: Some(site.to_string()),
            };
            let id = store.add_source(&feed).await.expect("add source");
            store.set_source_country(id, Some(country)).await.expect("set country");
            Some(id)
        }
        None => None,
    };
    let new = NewArticle {
        article: Article {
            url: Some(url.to_string()),
            canonical_url: Some(url.to_string()),
            title: Some(format!("Saltmere ferry, as {site} tells it")),
            text: text.to_string(),
            html: format!("<p>{text}</p>"),
            published: Some(published.parse().expect("fixture date")),
            language: Some("en".to_string()),
            site_name: Some(site.to_string()),
            ..Article::default()
        },
        canonical_url: url.to_string(),
        content_hash: format!("hash-of-{url}"),
        source,
        fetch: None,
    };
    let id = store.insert_article(&new).await.expect("insert article");
    let placement = StoryPlacement {
        story_key: "ferry".to_string(),
        copy_of: None,
        redated: false,
    };
    let story = store.assign_story(id, &placement).await.expect("assign story");
    (id, story)
}

const FERRY: &str = "The Saltmere ferry ran aground on 14 October, the harbour office said. \
    Divers inspected its hull ten days ago and found <the> damage worse than feared.";

const FERRY_LATE: &str = "Islanders still remember how the ferry was stranded in October 2021 for a month.";

#[tokio::test]
async fn the_timeline_from_the_text_shows_cited_dates_beside_publication() {
    let fx = Fixture::new().await;
    let (courier, story) = add_ferry(
        &fx,
        "https://lagoon-courier.example.nz/ferry",
        "Lagoon Courier",
        FERRY,
        "2022-11-03T09:00:00Z",
        None,
    )
    .await;
    let (late, _) = add_ferry(
        &fx,
        "https://islands.example/ferry-memories",
        "Island Digest",
        FERRY_LATE,
        "2023-02-01",
        Some("fj"),
    )
    .await;
    let body = fx.get(&format!("/story/{story}")).await.body;
    let cited = section(&body, "Timeline from the text");

    // Earliest first: October 2021 (from the late page), then 14 October
    // and ten days ago (24 October) 2022, each resolved against its page.
    let october_2021 = cited.find("<time datetime=\"2021-10\">Oct 2021</time>").expect(cited);
    let fourteenth = cited
        .find("<time datetime=\"2022-10-14\">14 Oct 2022</time> <span class=\"meta\">(day)</span>")
        .expect(cited);
    let ten_days = cited
        .find("<time datetime=\"2022-10-24\">24 Oct 2022</time>")
        .expect(cited);
    assert!(october_2021 < fourteenth && fourteenth < ten_days);

    // The sentence, escaped, with the expression highlighted.
    assert!(cited.contains(
        "<blockquote class=\"cited-sentence\">The Saltmere ferry ran aground on <mark>14 October</mark>, the harbour office said.</blockquote>"
    ), "{cited}");
    assert!(
        cited.contains("<mark>ten days ago</mark> and found &#60;the&#62; damage worse than feared."),
        "{cited}"
    );
    // Each beside its article and that article's publication date.
    assert!(cited.contains(&format!(
        "<a href=\"/article/{courier}\">Saltmere ferry, as Lagoon Courier tells it</a> · Lagoon Courier · published <time datetime=\"2022-11-03T09:00:00+00:00\">"
    )), "{cited}");
    // The page published 15 months after the events it reports stands out;
    // the ones published days later do not.
    assert_eq!(cited.matches("class=\"cited-entry far\"").count(), 1, "{cited}");
    let far = &cited[cited.find("cited-entry far").unwrap()..];
    assert!(far.contains("published 15 months later"), "{far}");
    assert!(far[..far.find("</li>").unwrap()].contains(&format!("href=\"/article/{late}\"")));

    // The JSON carries the same timeline.
    let json = fx.get(&format!("/api/v1/stories/{story}")).await.json();
    let timeline = json["timeline"].as_array().expect("timeline");
    assert_eq!(timeline.len(), 3, "{json}");
    assert_eq!(timeline[1]["article"], courier.0);
    assert_eq!(timeline[1]["start"], "2022-10-14");
    assert_eq!(timeline[1]["end"], "2022-10-14");
    assert_eq!(timeline[1]["precision"], "day");
    assert_eq!(timeline[1]["expression"], "14 October");
    assert_eq!(
        timeline[1]["sentence"],
        "The Saltmere ferry ran aground on 14 October, the harbour office said."
    );
    assert_eq!(timeline[1]["published"], "2022-11-03");
    assert_eq!(timeline[0]["precision"], "month");
    assert_eq!(timeline[0]["article"], late.0);
    assert_eq!(timeline[0]["end"], "2021-10-31");
    assert_eq!(timeline[2]["start"], "2022-10-24");
    assert!(timeline[0].get("before").is_none(), "{json}");
}

#[tokio::test]
async fn diversity_counts_outlets_languages_and_countries() {
    let fx = Fixture::new().await;
    // A country domain (.nz), and a source whose setting names Fiji.
    let (_, story) = add_ferry(
        &fx,
        "https://lagoon-courier.example.nz/ferry",
        "Lagoon Courier",
        FERRY,
        "2022-11-03T09:00:00Z",
        None,
    )
    .await;
    add_ferry(
        &fx,
        "https://islands.example/ferry-memories",
        "Island Digest",
        FERRY_LATE,
        "2023-02-01",
        Some("fj"),
    )
    .await;
    add_ferry(
        &fx,
        "https://anywhere.example.com/ferry",
        "Anywhere Wire",
        FERRY,
        "2022-11-04",
        None,
    )
    .await;
    let body = fx.get(&format!("/story/{story}")).await.body;
    let diversity = section(&body, "Who covers it");
    assert!(
        diversity.contains("3 outlets · 1 language · 2 countries"),
        "{diversity}"
    );
    assert!(diversity.contains("<b>NZ</b>: Lagoon Courier"), "{diversity}");
    assert!(diversity.contains("<b>FJ</b>: Island Digest"), "{diversity}");
    assert!(diversity.contains("unknown: Anywhere Wire"), "{diversity}");
    assert!(diversity.contains("<b>en</b>: Lagoon Courier, Anywhere Wire, Island Digest"));

    let json = fx.get(&format!("/api/v1/stories/{story}")).await.json();
    let d = &json["diversity"];
    assert_eq!(d["outlets"].as_array().unwrap().len(), 3, "{json}");
    assert_eq!(d["languages"][0]["code"], "en");
    assert_eq!(d["countries"][0]["code"], "NZ");
    assert_eq!(d["countries"][1]["outlets"][0], "Island Digest");
    assert_eq!(d["unknown_country"][0], "Anywhere Wire");
    // The stored detail is still there.
    assert_eq!(json["summary"]["id"], story.0);
    assert_eq!(json["articles"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_story_whose_texts_cite_no_dates_says_so() {
    let fx = Fixture::new().await;
    let body = fx.get(&format!("/story/{}", fx.orchard_story)).await.body;
    let cited = section(&body, "Timeline from the text");
    assert!(cited.contains("The articles cite no dates."), "{cited}");
    let diversity = section(&body, "Who covers it");
    assert!(diversity.contains("1 outlet · 1 language · 0 countries"), "{diversity}");
    assert!(!body.contains("<h2>Copies</h2>"));
}
