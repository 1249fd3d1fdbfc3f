//! Tests of entities on the story page and of the entity page and API.

use axum::http::StatusCode;
use store::{ArticleEntity, EntityId, EntityKind};

use crate::test_support::Fixture;

fn named(key: &str, name: &str, kind: EntityKind, mentions: u32) -> ArticleEntity {
    ArticleEntity {
        key: key.to_string(),
        name: name.to_string(),
        kind,
        mentions,
    }
}

/// Names a harbour master, a council and a town in the bridge story, the
/// town also in the orchard story; returns the ids of the master and the
/// town.
async fn with_entities(fx: &Fixture) -> (EntityId, EntityId) {
    let store = &fx.state.store;
    let master = named("person:ilse brant", "Ilse <Brandt>", EntityKind::Person, 1);
    let council = named(
        "organisation:harbur council",
        "Harbour Council",
        EntityKind::Organisation,
        1,
    );
    let town = named("place:port elvin", "Port Elwin", EntityKind::Place, 3);
    store
        .set_article_entities(fx.bridge, 1, &[master.clone(), council, town.clone()])
        .await
        .unwrap();
    store.set_article_entities(fx.echo, 1, &[master]).await.unwrap();
    store.set_article_entities(fx.orchard, 1, &[town]).await.unwrap();
    let listed = store.story_entities(fx.bridge_story, 10).await.unwrap();
    let id = |key: &str| listed.iter().find(|e| e.key == key).unwrap().id;
    (id("person:ilse brant"), id("place:port elvin"))
}

#[tokio::test]
async fn the_story_page_lists_people_organisations_and_places_with_links() {
    let fx = Fixture::new().await;
    let (master, town) = with_entities(&fx).await;
    let reply = fx.get(&format!("/story/{}", fx.bridge_story)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = &reply.body;
    let section = &body[body.find("Who and where").expect("entities section")..];
    let people = section.find("<dt>People</dt>").unwrap();
    let organisations = section.find("<dt>Organisations</dt>").unwrap();
    let places = section.find("<dt>Places</dt>").unwrap();
    assert!(people < organisations && organisations < places);
    // Names are escaped.
    assert!(
        section.contains(&format!(
            "<a href=\"/entity/{master}\" title=\"2 mentions in 2 articles\">Ilse &#60;Brandt&#62;</a>"
        )) || section.contains(&format!(
            "<a href=\"/entity/{master}\" title=\"2 mentions in 2 articles\">Ilse &lt;Brandt&gt;</a>"
        )),
        "{section}"
    );
    assert!(!body.contains("Ilse <Brandt>"));
    assert!(section.contains(&format!("href=\"/entity/{town}\"")), "{section}");
}

#[tokio::test]
async fn a_story_without_entities_has_no_section() {
    let fx = Fixture::new().await;
    let reply = fx.get(&format!("/story/{}", fx.bridge_story)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.contains("Who and where"));
}

#[tokio::test]
async fn the_story_json_lists_entities_most_mentioned_first() {
    let fx = Fixture::new().await;
    with_entities(&fx).await;
    let json = fx.get(&format!("/api/v1/stories/{}", fx.bridge_story)).await.json();
    let entities = json["entities"].as_array().expect("entities");
    let names: Vec<&str> = entities.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Port Elwin", "Ilse <Brandt>", "Harbour Council"]);
    assert_eq!(entities[0]["kind"], "place");
    assert_eq!(entities[0]["mentions"], 3);
    assert_eq!(entities[1]["articles"], 2);
}

#[tokio::test]
async fn the_entity_page_lists_the_stories_that_name_it_newest_first() {
    let fx = Fixture::new().await;
    let (_, town) = with_entities(&fx).await;
    let reply = fx.get(&format!("/entity/{town}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type.starts_with("text/html"));
    let body = &reply.body;
    assert!(body.contains("<h1>Port Elwin</h1>"), "{body}");
    assert!(body.contains("Named 6 times in 2 articles."), "{body}");
    let bridge = body
        .find(&format!("href=\"/story/{}\"", fx.bridge_story))
        .expect("bridge story");
    let orchard = body
        .find(&format!("href=\"/story/{}\"", fx.orchard_story))
        .expect("orchard story");
    let stories = fx.state.store.entity_stories(town, 10, 0).await.unwrap();
    let first = stories[0].id;
    assert_eq!(bridge < orchard, first == fx.bridge_story);
    assert!(stories[0].updated >= stories[1].updated);
    // One page holds them all; a later page is empty but answers.
    assert!(!body.contains("rel=\"next\""));
    let later = fx.get(&format!("/entity/{town}?page=2")).await;
    assert_eq!(later.status, StatusCode::OK);
    assert!(later.body.contains("No more stories."));
    assert!(later.body.contains(&format!("href=\"/entity/{town}?page=1\"")));
}

#[tokio::test]
async fn bad_and_unknown_entity_ids_answer_400_and_404() {
    let fx = Fixture::new().await;
    assert_eq!(fx.get("/entity/abc").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(fx.get("/entity/0").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(fx.get("/entity/424242").await.status, StatusCode::NOT_FOUND);
    let api = fx.get("/api/v1/entities/424242").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.json()["error"].as_str().unwrap().contains("no entity"));
    assert_eq!(fx.get("/api/v1/entities/x").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_entity_api_gives_the_entity_and_a_page_of_its_stories() {
    let fx = Fixture::new().await;
    let (master, town) = with_entities(&fx).await;
    let json = fx.get(&format!("/api/v1/entities/{master}")).await.json();
    assert_eq!(json["entity"]["name"], "Ilse <Brandt>");
    assert_eq!(json["entity"]["kind"], "person");
    assert_eq!(json["total_stories"], 1);
    assert_eq!(json["stories"][0]["id"], fx.bridge_story.0);

    let page = fx
        .get(&format!("/api/v1/entities/{town}?limit=1&offset=1"))
        .await
        .json();
    assert_eq!(page["total_stories"], 2);
    assert_eq!(page["limit"], 1);
    assert_eq!(page["stories"].as_array().unwrap().len(), 1);
    let bad = fx.get(&format!("/api/v1/entities/{town}?limit=0")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
