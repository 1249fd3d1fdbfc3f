//! The short window (see `StoryEngine::short_window`): in a dense stream a
//! headline keeps to stories of its own news day; in a sparse one it may
//! join a story of a few days before, as full texts do.

use super::*;
use crate::engine::short::ShortWindow;

const PLACES: [&str; 12] = [
    "Dalvik",
    "Orsund",
    "Mirefeld",
    "Tarnby",
    "Pellworth",
    "Kestrow",
    "Vanholm",
    "Brisca",
    "Lornach",
    "Sudvik",
    "Hallorn",
    "Quarby",
];
const SUBJECTS: [&str; 9] = [
    "tram line",
    "harbour strike",
    "museum theft",
    "school rules",
    "road closures",
    "bread prize",
    "water limits",
    "bridge repairs",
    "library wing",
];

/// `n` headlines of other news, each about its own place and subject,
/// dated `date`: a day's stream around the story under test.
fn other_news(e: &mut StoryEngine, n: usize, date: &str, tag: &str) {
    for i in 0..n {
        let place = PLACES[i % PLACES.len()];
        let subject = SUBJECTS[(i / PLACES.len()) % SUBJECTS.len()];
        let title = format!("{place} weighs {subject} plan, round {i}");
        e.add(&doc(&format!("{tag}{i}"), &title, "", Some(date)));
    }
}

/// A headline with no text, dated `date`.
fn headline(id: &str, title: &str, date: &str) -> Document {
    doc(id, title, "", Some(date))
}

/// The first day of a company's collapse, told by three headlines.
fn first_day(e: &mut StoryEngine, date: &str) -> Assignment {
    let first = e.add(&doc("q1", "Quellbrook Mining files for bankruptcy", "", Some(date)));
    e.add(&doc(
        "q2",
        "Quellbrook Mining seeks bankruptcy protection",
        "",
        Some(date),
    ));
    e.add(&doc("q3", "Quellbrook Mining bankruptcy stuns miners", "", Some(date)));
    first
}

#[test]
fn a_dense_stream_keeps_a_headline_to_its_news_day() {
    let mut e = StoryEngine::default();
    other_news(&mut e, 110, "2024-03-10", "a");
    let first = first_day(&mut e, "2024-03-10");
    assert!(matches!(e.short_window(), ShortWindow::Under(_)));
    // The next day's development names the same company.
    let next = e.add(&headline(
        "q4",
        "Quellbrook Mining bankruptcy probe opens",
        "2024-03-11",
    ));
    assert_ne!(next.story_key, first.story_key);
    // The same day, it would have joined.
    let same_day = e.add(&headline(
        "q5",
        "Quellbrook Mining bankruptcy hits shares",
        "2024-03-10",
    ));
    assert_eq!(same_day.story_key, first.story_key);
}

#[test]
fn a_sparse_stream_lets_a_headline_join_the_story_of_the_day_before() {
    let mut e = StoryEngine::default();
    // A small archive: a dozen headlines over a year.
    for (i, date) in ["2024-01-05", "2024-02-11", "2024-03-01", "2024-04-20", "2024-06-02"]
        .iter()
        .enumerate()
    {
        other_news(&mut e, 2, date, &format!("m{i}-"));
    }
    let first = first_day(&mut e, "2024-03-10");
    assert!(matches!(e.short_window(), ShortWindow::UpTo(_)));
    let next = e.add(&headline(
        "q4",
        "Quellbrook Mining bankruptcy probe opens",
        "2024-03-11",
    ));
    assert_eq!(next.story_key, first.story_key);
}

#[test]
fn a_headline_repeated_the_next_day_of_a_dense_stream_is_no_copy() {
    let mut e = StoryEngine::default();
    other_news(&mut e, 110, "2024-03-10", "a");
    let mut original = doc(
        "h1",
        "Quellbrook Mining files for bankruptcy in Dalvik court",
        "",
        Some("2024-03-10"),
    );
    original.source = Some("Dalvik Herald".into());
    e.add(&original);
    let mut same_day = doc(
        "h2",
        "Quellbrook Mining files for bankruptcy in Dalvik court",
        "",
        Some("2024-03-10"),
    );
    same_day.source = Some("Orsund Post".into());
    assert_eq!(e.add(&same_day).copy_of.as_deref(), Some("h1"));
    let mut next_day = doc(
        "h3",
        "Quellbrook Mining files for bankruptcy in Dalvik court",
        "",
        Some("2024-03-11"),
    );
    next_day.source = Some("Tarnby Times".into());
    let repeated = e.add(&next_day);
    assert_eq!(repeated.copy_of, None);
}

#[test]
fn two_stories_of_headlines_on_different_days_of_a_dense_stream_do_not_merge() {
    let mut e = StoryEngine::default();
    other_news(&mut e, 110, "2024-03-10", "a");
    let first = first_day(&mut e, "2024-03-10");
    other_news(&mut e, 30, "2024-03-11", "b");
    let next = e.add(&headline(
        "q4",
        "Quellbrook Mining bankruptcy probe opens",
        "2024-03-11",
    ));
    e.add(&headline(
        "q5",
        "Quellbrook Mining bankruptcy probe widens",
        "2024-03-11",
    ));
    let id = |k: &str| e.story_by_key[k];
    let (a, b) = (id(&first.story_key), id(&next.story_key));
    assert_ne!(a, b);
    e.merge_headline_stories(a, b);
    e.reunite_headlines(a, b);
    assert!(e.stories.contains_key(&a) && e.stories.contains_key(&b));
}
