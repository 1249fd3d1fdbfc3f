//! The merge pass for stories of headlines (see `engine/merge.rs`): two
//! stories told by the same names become one, whatever their sizes, and
//! stories of other events, of full texts or of other weeks do not.

use super::*;

const OTHER_NEWS: [&str; 8] = [
    "Council says new tram line will open after delays",
    "Harbour workers strike after new pay offer",
    "Museum says stolen painting found after search",
    "Storm closes roads across the north after heavy rain",
    "Baker wins national bread prize for new recipe",
    "Farmers protest new water limits in the valley",
    "Airport adds flights to the islands after demand",
    "Library opens new wing after long wait",
];

fn dated(id: &str, title: &str, date: &str) -> Document {
    doc(id, title, "", Some(date))
}

/// An engine that has seen other news, then the documents given, each
/// restored into the story named, as a warm start would.
fn restored(docs: &[(&str, &str, &str)], date: &str) -> StoryEngine {
    let mut e = StoryEngine::default();
    for (i, t) in OTHER_NEWS.iter().enumerate() {
        e.add(&dated(&format!("bg{i}"), t, date));
    }
    restore_into(&mut e, docs, date);
    e
}

fn restore_into(e: &mut StoryEngine, docs: &[(&str, &str, &str)], date: &str) {
    for &(id, title, story) in docs {
        restore_as(e, &dated(id, title, date), story);
    }
}

fn key_of(e: &StoryEngine, id: &str) -> String {
    e.assignment_of(e.doc_by_id[id]).story_key
}

const HALVES: [(&str, &str, &str); 9] = [
    ("a1", "Orvex Titanfall launch draws long queues", "qa"),
    ("a2", "Orvex Titanfall review: a bold shooter", "qa"),
    ("a3", "Orvex Titanfall sales beat forecasts", "qa"),
    ("b1", "Orvex Titanfall teases live action series", "qb"),
    ("b2", "Live action Orvex Titanfall series teased", "qb"),
    ("b3", "Orvex Titanfall live action trailer", "qb"),
    ("z1", "Panda cub born at Lindholm zoo", "qz"),
    ("z2", "Lindholm zoo names panda cub", "qz"),
    ("z3", "Crowds queue to see Lindholm panda", "qz"),
];

#[test]
fn two_stories_told_by_one_name_merge_and_another_event_does_not() {
    let mut e = restored(&HALVES, "2024-03-10");
    let story = |e: &StoryEngine, key: &str| e.story_by_key[key];
    let (qa, qb, qz) = (story(&e, "qa"), story(&e, "qb"), story(&e, "qz"));
    e.merge_headline_stories(qa, qz);
    assert_eq!(key_of(&e, "z1"), "qz");
    assert_eq!(key_of(&e, "a1"), "qa");
    e.merge_headline_stories(qb, qa);
    for id in ["a1", "b1", "b2", "b3"] {
        assert_eq!(key_of(&e, id), "qa", "{id}");
    }
    assert_eq!(e.stories[&e.story_by_key["qa"]].size, 6);
}

#[test]
fn the_same_stories_a_week_apart_do_not_merge() {
    let mut e = restored(&HALVES[..3], "2024-03-10");
    restore_into(&mut e, &HALVES[3..6], "2024-03-20");
    let (qa, qb) = (e.story_by_key["qa"], e.story_by_key["qb"]);
    e.merge_headline_stories(qa, qb);
    assert_eq!(key_of(&e, "b1"), "qb");
}

#[test]
fn stories_of_full_texts_are_left_to_their_own_rules() {
    let mut e = StoryEngine::default();
    let texts = [
        ("a1", "qa", "Orvex Titanfall launch draws long queues at shops across the city as players wait through the night for the doors to open"),
        ("b1", "qb", "Orvex Titanfall teases a live action series, the studio said on Monday, with filming to start next spring in the capital"),
    ];
    for (id, story, text) in texts {
        restore_as(&mut e, &doc(id, "Orvex Titanfall", text, Some("2024-03-10")), story);
    }
    let (qa, qb) = (e.story_by_key["qa"], e.story_by_key["qb"]);
    e.merge_headline_stories(qa, qb);
    assert_eq!(key_of(&e, "b1"), "qb");
}

#[test]
fn a_closed_story_takes_in_a_small_one_and_keeps_its_key() {
    let review = Config::default().review_members;
    // Other news of the day, each item its own story, so that the event's
    // name is rare in the stream; then the event, in more headlines than a
    // story holds open, and three more that began a story of their own.
    let other: Vec<(String, String, String)> = (0..300)
        .map(|i| (format!("o{i}"), format!("Bulletin zq{i}a zq{i}b"), format!("so{i}")))
        .collect();
    let event: Vec<(String, String, String)> = (0..review + 6)
        .map(|i| (format!("a{i}"), format!("Orvex Titanfall ev{i}x"), "qa".to_string()))
        .chain((0..3).map(|i| (format!("c{i}"), format!("Orvex Titanfall late{i}y"), "qc".to_string())))
        .collect();
    let docs: Vec<(&str, &str, &str)> = other
        .iter()
        .chain(&event)
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    let mut e = restored(&docs, "2024-03-10");
    let (qa, qc) = (e.story_by_key["qa"], e.story_by_key["qc"]);
    assert!(!e.stories[&qa].open(review));
    assert!(e.stories[&qc].open(review));
    e.merge_headline_stories(qa, qc);
    for id in ["c0", "c1", "c2"] {
        assert_eq!(key_of(&e, id), "qa", "{id}");
    }
    let story = &e.stories[&qa];
    assert_eq!(story.size as usize, review + 9);
    assert!(story.members.len() <= Config::default().members_kept.max(3));
    assert!(!e.story_by_key.contains_key("qc"));
    assert!(e.revised().iter().any(|a| a.id == "c0" && a.story_key == "qa"));
    // A closed story does not take in a story of another event.
    let so = e.story_by_key["so1"];
    e.merge_headline_stories(qa, so);
    assert_eq!(key_of(&e, "o1"), "so1");
}
