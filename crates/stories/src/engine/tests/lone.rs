//! A lone document that began a story of its own before its story formed
//! is taken in once that story claims it (see `StoryEngine::adopt_lone`).

use super::*;

/// An engine holding `docs`, each restored into the story named, as a warm
/// start would: the arrival order's verdicts, whatever they were.
fn restored(docs: &[(&str, &str, &str, &str)]) -> StoryEngine {
    let mut e = engine_with_background();
    for &(id, title, text, story) in docs {
        restore_as(&mut e, &doc(id, title, text, Some("2023-09-09")), story);
    }
    e
}

fn key_of(e: &StoryEngine, id: &str) -> String {
    e.assignment_of(e.doc_by_id[id]).story_key
}

#[test]
fn a_lone_report_of_a_story_is_taken_in_and_the_story_keeps_its_key() {
    let mut e = restored(&[
        ("q1", "Earthquake near Marrakesh", QUAKE_A, "quake"),
        ("q2", "Morocco earthquake rescue", QUAKE_B, "quake"),
        ("lone", "Marrakesh earthquake toll", QUAKE_A, "alone"),
    ]);
    let (quake, alone) = (e.story_by_key["quake"], e.story_by_key["alone"]);
    e.adopt_lone(quake, alone);
    assert_eq!(key_of(&e, "lone"), "quake");
    assert_eq!(key_of(&e, "q1"), "quake");
    assert!(!e.story_by_key.contains_key("alone"));
    assert!(e.revised.contains(&e.doc_by_id["lone"]));
}

#[test]
fn a_lone_report_of_another_event_stays_alone() {
    let mut e = restored(&[
        ("q1", "Earthquake near Marrakesh", QUAKE_A, "quake"),
        ("q2", "Morocco earthquake rescue", QUAKE_B, "quake"),
        ("lone", "Barcelona win", FOOTBALL, "alone"),
    ]);
    let (quake, alone) = (e.story_by_key["quake"], e.story_by_key["alone"]);
    e.adopt_lone(quake, alone);
    assert_eq!(key_of(&e, "lone"), "alone");
}

#[test]
fn only_a_story_of_one_full_text_is_adopted() {
    // Two documents are a story of their own, which `reunite` judges.
    let mut e = restored(&[
        ("q1", "Earthquake near Marrakesh", QUAKE_A, "quake"),
        ("p1", "Marrakesh earthquake toll", QUAKE_A, "pair"),
        ("p2", "Morocco earthquake rescue", QUAKE_B, "pair"),
        ("h1", "Marrakesh earthquake kills hundreds", "", "headline"),
    ]);
    let quake = e.story_by_key["quake"];
    for key in ["pair", "headline"] {
        let other = e.story_by_key[key];
        e.adopt_lone(quake, other);
    }
    assert_eq!(key_of(&e, "p1"), "pair");
    assert_eq!(key_of(&e, "h1"), "headline");
}
