//! Short documents: headlines join by their story's term profile, and a
//! story of headlines is not split for its members' small likeness.

use super::*;

/// Headlines of other news on one day: the common words of headlines
/// ("says", "new", "after") are spread over many stories.
const BACKGROUND: [&str; 12] = [
    "Council says new tram line will open after delays",
    "Harbour workers strike after new pay offer",
    "Museum says stolen painting found after search",
    "New school rules anger parents in Dalvik",
    "Storm closes roads across the north after heavy rain",
    "Baker wins national bread prize for new recipe",
    "Police say missing hiker found alive after two days",
    "Farmers protest new water limits in the valley",
    "City says bridge repairs will take another year",
    "Local team signs new striker after injury crisis",
    "Airport adds flights to the islands after demand",
    "Library opens new wing after long wait",
];

fn day(id: &str, title: &str) -> Document {
    doc(id, title, "", Some("2024-03-10"))
}

fn with_background() -> StoryEngine {
    let mut e = StoryEngine::default();
    for (i, t) in BACKGROUND.iter().enumerate() {
        e.add(&day(&format!("bg{i}"), t));
    }
    e
}

#[test]
fn a_headline_joins_on_a_name_its_story_owns() {
    let mut e = with_background();
    let first = e.add(&day("q1", "Quellbrook Mining files for bankruptcy"));
    e.add(&day("q2", "Quellbrook seeks court protection from creditors"));
    e.add(&day("q3", "What Quellbrook collapse means for miners"));
    // Only the name and the event's word in common with any one member.
    let joined = e.add(&day("q4", "Quellbrook bankruptcy: shares plunge"));
    assert_eq!(joined.story_key, first.story_key);
}

#[test]
fn a_topic_name_alone_does_not_join_headlines_of_other_events() {
    // One day, one politician, three different events: the name is in
    // every headline and explains little of any of them.
    let mut e = with_background();
    let a = e.add(&day("p1", "Senator Varga opposes harbour budget cuts"));
    let b = e.add(&day("p2", "Varga hosts charity football match for hospital"));
    let c = e.add(&day("p3", "Varga daughter wins regional chess title"));
    assert_ne!(b.story_key, a.story_key);
    assert_ne!(c.story_key, a.story_key);
    assert_ne!(c.story_key, b.story_key);
}

#[test]
fn common_words_alone_do_not_join_a_headline_story() {
    let mut e = with_background();
    let first = e.add(&day("q1", "Quellbrook Mining files for bankruptcy"));
    e.add(&day("q2", "Quellbrook seeks court protection from creditors"));
    let other = e.add(&day("z1", "Zoo says new panda cub born after long wait"));
    assert_ne!(other.story_key, first.story_key);
}

#[test]
fn a_story_far_in_time_does_not_claim_a_headline() {
    let mut e = with_background();
    let first = e.add(&day("q1", "Quellbrook Mining files for bankruptcy"));
    e.add(&day("q2", "Quellbrook seeks court protection from creditors"));
    let late = e.add(&doc("q3", "Quellbrook shares plunge", "", Some("2024-05-20")));
    assert_ne!(late.story_key, first.story_key);
}

#[test]
fn a_story_of_headlines_is_not_split_for_small_likeness() {
    let mut e = with_background();
    let titles = [
        "Tarnwick Airways grounds fleet over engine checks",
        "Tarnwick passengers stranded as fleet grounded",
        "Why Tarnwick grounding hurts travel agents",
        "Tarnwick chief apologises for grounding",
        "Regulator questions Tarnwick engine checks",
        "Tarnwick flights resume slowly after grounding",
        "Tarnwick shares tumble as engine checks drag on",
        "Unions blame Tarnwick cost cutting for grounding",
        "Tarnwick offers refunds to stranded passengers",
        "Tarnwick engines cleared by inspectors",
        "Tarnwick grounding leaves stranded passengers in chaos",
        "Tarnwick: what stranded passengers can claim",
    ];
    let keys: Vec<String> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| e.add(&day(&format!("t{i}"), t)).story_key)
        .collect();
    let finals: Vec<String> = (0..titles.len())
        .map(|i| e.assignment_of(e.doc_by_id[&format!("t{i}")]).story_key)
        .collect();
    assert!(finals.iter().all(|k| k == &keys[0]), "{finals:?}");
}

#[test]
fn the_same_headlines_in_the_same_order_get_the_same_stories() {
    let run = || {
        let mut e = with_background();
        [
            "Quellbrook Mining files for bankruptcy",
            "Quellbrook seeks court protection",
            "Panda cub born at zoo",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| e.add(&day(&format!("d{i}"), t)).story_key)
        .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_full_text_is_not_judged_by_the_headline_profile() {
    let mut e = with_background();
    let first = e.add(&day("q1", "Quellbrook Mining files for bankruptcy"));
    e.add(&day("q2", "Quellbrook seeks court protection from creditors"));
    e.add(&day("q3", "What Quellbrook collapse means for miners"));
    let text = "The regional orchestra opened its winter season on Sunday with a program of \
        folk songs arranged for strings, and the conductor thanked sponsors, among them a \
        foundation once funded by Quellbrook, for keeping ticket prices low for students.";
    let full = e.add(&doc("f1", "Orchestra opens winter season", text, Some("2024-03-10")));
    assert_ne!(full.story_key, first.story_key);
}

/// Restores headlines as the stories given, as a warm start would.
fn restored(e: &mut StoryEngine, docs: &[(&str, &str, &str)]) {
    for &(id, title, story) in docs {
        restore_as(e, &day(id, title), story);
    }
}

#[test]
fn two_headline_stories_of_one_event_are_merged_and_others_are_not() {
    let mut e = with_background();
    restored(
        &mut e,
        &[
            ("a1", "Quellbrook Mining files for bankruptcy", "qa"),
            ("a2", "Quellbrook bankruptcy shocks miners", "qa"),
            ("a3", "Quellbrook Mining creditors wait", "qa"),
            ("b1", "Quellbrook Mining collapse explained", "qb"),
            ("b2", "Inside the Quellbrook Mining bankruptcy", "qb"),
            ("b3", "Quellbrook workers fear for pensions", "qb"),
            ("z1", "Panda cub born at Lindholm zoo", "qz"),
            ("z2", "Lindholm zoo names panda cub", "qz"),
            ("z3", "Crowds queue to see Lindholm panda", "qz"),
        ],
    );
    let story = |e: &StoryEngine, key: &str| e.story_by_key[key];
    let (qa, qb, qz) = (story(&e, "qa"), story(&e, "qb"), story(&e, "qz"));
    e.reunite_headlines(qa, qz);
    assert_eq!(e.assignment_of(e.doc_by_id["z1"]).story_key, "qz");
    e.reunite_headlines(qa, qb);
    for id in ["b1", "b2", "b3"] {
        assert_eq!(e.assignment_of(e.doc_by_id[id]).story_key, "qa", "{id}");
    }
}

fn in_language(id: &str, language: &str, title: &str) -> Document {
    Document {
        language: Some(language.to_string()),
        ..day(id, title)
    }
}

#[test]
fn headlines_in_two_languages_join_on_a_shared_person() {
    let mut e = with_background();
    let first = e.add(&in_language(
        "h1",
        "de",
        "Oberbürgermeister Jürgen Haßfeld tritt zurück",
    ));
    // No word in common: the name is spelt without umlaut and ß.
    let english = e.add(&in_language("h2", "en", "Mayor Juergen Hassfeld resigns after audit"));
    assert_eq!(english.story_key, first.story_key);
}

#[test]
fn headlines_in_two_languages_join_on_a_city_named_in_each() {
    let mut e = with_background();
    let first = e.add(&in_language("k1", "de", "Großbrand in Köln zerstört Lagerhalle"));
    let french = e.add(&in_language(
        "k2",
        "fr",
        "Incendie géant à Cologne : un entrepôt détruit",
    ));
    assert_eq!(french.story_key, first.story_key);
}

#[test]
fn stories_sharing_only_a_country_stay_apart() {
    let mut e = with_background();
    // The country is common in the stream: a week of other stories name
    // it, in both languages, so its key is rare in no story's profile.
    let others = [
        ("en", "Germany wins gold in rowing final"),
        ("de", "Sturm trifft die Küste von Deutschland"),
        ("en", "Germany and Norway sign energy pact"),
        ("de", "Hochwasser in Deutschland sperrt Autobahnen"),
        ("en", "Germany raises rail fares in spring"),
        ("de", "Deutschland verliert Testspiel gegen Portugal"),
    ];
    for (i, (language, title)) in others.iter().enumerate() {
        let date = format!("2024-03-0{}", i + 1);
        let mut d = in_language(&format!("g{i}"), language, title);
        d.published = Some(date.parse().expect("test date"));
        e.add(&d);
    }
    let fines = e.add(&in_language("t1", "en", "Germany fines Tolvane over bread prices"));
    let wind = e.add(&in_language("w1", "de", "Deutschland: Streit um Windpark bei Ostrau"));
    assert_ne!(fines.story_key, wind.story_key);
}
