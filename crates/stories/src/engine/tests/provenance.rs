//! Tests of provenance: copies and their originals, and re-dating of old
//! news.

use super::*;

#[test]
fn copies_link_to_the_earliest_original() {
    let mut e = engine_with_background();
    let original = e.add(&doc(
        "wire",
        "Quake hits Morocco",
        QUAKE_A,
        Some("2023-09-08T23:00:00Z"),
    ));
    let copy = e.add(&doc(
        "copy1",
        "Morocco earthquake",
        QUAKE_A,
        Some("2023-09-09T02:00:00Z"),
    ));
    assert_eq!(copy.copy_of.as_deref(), Some("wire"));
    assert_eq!(copy.story_key, original.story_key);
    // A copy of the copy still points at the first appearance.
    let edited = QUAKE_A.replace("late on Friday", "on Friday night");
    let second = e.add(&doc("copy2", "", &edited, Some("2023-09-09T05:00:00Z")));
    assert_eq!(second.copy_of.as_deref(), Some("wire"));
    assert!(!copy.redated && !second.redated);
}

#[test]
fn a_copy_embedded_in_a_longer_page_is_found_by_containment() {
    let mut e = engine_with_background();
    e.add(&doc("wire", "Quake hits Morocco", QUAKE_A, None));
    let page = format!(
        "Home News World Sport Weather. {QUAKE_A} {BUDGET_TAIL} Read more: our live \
         coverage, the latest pictures and what we know so far. Sign up for the morning \
         newsletter. Advertisement. Follow us on social media.",
        BUDGET_TAIL = "Aid agencies appealed for blankets, tents and clean water for \
         families sleeping outdoors."
    );
    let a = e.add(&doc("portal", "", &page, None));
    assert_eq!(a.copy_of.as_deref(), Some("wire"));
    assert_eq!(a.story_key, "wire");
}

#[test]
fn a_document_that_predates_its_match_is_not_its_copy() {
    let mut e = StoryEngine::default();
    e.add(&doc("late", "", QUAKE_A, Some("2023-09-10")));
    let early = e.add(&doc("early", "", QUAKE_A, Some("2023-09-08")));
    assert_eq!(early.copy_of, None);
    assert_eq!(early.story_key, "late");
}

#[test]
fn copies_that_arrive_before_their_original_are_revised_to_copy_it() {
    let mut e = engine_with_background();
    e.add(&doc("mirror", "", QUAKE_A, Some("2023-09-10")));
    assert!(e.revised().is_empty());
    let recycled = e.add(&doc("recycled", "", QUAKE_A, Some("2024-03-01")));
    assert_eq!(recycled.copy_of.as_deref(), Some("mirror"));
    let wire = e.add(&doc("wire", "Quake hits Morocco", QUAKE_A, Some("2023-09-08")));
    assert_eq!(wire.copy_of, None);
    assert_eq!(wire.story_key, "mirror", "the story itself is never revised");
    let mut revised = e.revised();
    revised.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(revised.len(), 2, "{revised:?}");
    assert_eq!(revised[0].id, "mirror");
    assert_eq!(revised[0].copy_of.as_deref(), Some("wire"));
    assert!(!revised[0].redated, "two days later is not re-dated");
    assert_eq!(revised[1].id, "recycled");
    assert_eq!(revised[1].copy_of.as_deref(), Some("wire"));
    assert!(revised[1].redated);
    assert_eq!(revised[1].story_key, "mirror");

    // The revision is reported once, by the add that caused it, and a
    // later copy names the new original.
    let later = e.add(&doc("later", "", QUAKE_A, Some("2023-09-11")));
    assert!(e.revised().is_empty());
    assert_eq!(later.copy_of.as_deref(), Some("wire"));
}

#[test]
fn an_undated_copy_is_not_revised_by_a_dated_original() {
    let mut e = StoryEngine::default();
    e.add(&doc("undated", "", QUAKE_A, None));
    e.add(&doc("late", "", QUAKE_A, Some("2023-09-10")));
    e.add(&doc("early", "", QUAKE_A, Some("2023-09-08")));
    let revised = e.revised();
    assert!(revised.iter().all(|a| a.id != "undated"), "{revised:?}");
}

#[test]
fn same_canonical_url_is_the_same_page() {
    let mut e = StoryEngine::default();
    let mut a = doc("a", "Short note", "Brief update.", None);
    a.url = Some("https://www.example.com/news/1?utm_source=rss".into());
    let mut b = doc("b", "Short note (updated)", "Brief update, corrected.", None);
    b.url = Some("http://example.com/news/1/".into());
    e.add(&a);
    let got = e.add(&b);
    assert_eq!(got.copy_of.as_deref(), Some("a"));
    assert_eq!(got.story_key, "a");
}

#[test]
fn syndicated_headlines_from_other_outlets_are_copies() {
    let mut e = engine_with_background();
    let item = |id: &str, title: &str, source: &str, date: &str| {
        let mut d = doc(id, title, "", Some(date));
        d.source = Some(source.to_string());
        d
    };
    const HEADLINE: &str = "Magnitude 6.8 earthquake strikes near Marrakesh, hundreds dead";
    let wire = e.add(&item("wire", HEADLINE, "Wire", "2023-09-08"));
    let portal = e.add(&item("portal", HEADLINE, "Portal", "2023-09-08"));
    assert_eq!(portal.copy_of.as_deref(), Some("wire"));
    assert_eq!(portal.story_key, wire.story_key);
    assert!(!portal.redated);

    // The outlet repeating itself is not a copy; it takes over as the
    // headline's original, and a headline weeks on copies nothing.
    let again = e.add(&item("wire-again", HEADLINE, "Wire", "2023-09-09"));
    assert_eq!(again.copy_of, None);
    let weeks = e.add(&item("weeks", HEADLINE, "Digest", "2023-10-01"));
    assert_eq!(weeks.copy_of, None);
    assert!(!weeks.redated);

    // Short headlines repeat by chance.
    e.add(&item("short-a", "Quake kills hundreds", "A", "2023-09-08"));
    let short = e.add(&item("short-b", "Quake kills hundreds", "B", "2023-09-08"));
    assert_eq!(short.copy_of, None);
}

#[test]
fn a_fresh_copy_of_a_late_report_in_a_long_story_is_not_redated() {
    // Regression: a copy was measured against its story's first day, so
    // a same-day wire copy of a long-running story's latest report came
    // out re-dated.
    let mut e = engine_with_background();
    let assigned = |id: &str| Assignment {
        id: id.to_string(),
        story_key: "quake".to_string(),
        copy_of: None,
        redated: false,
    };
    e.restore(
        &doc("first", "Quake hits Morocco", QUAKE_A, Some("2023-09-08")),
        &assigned("first"),
    );
    e.restore(
        &doc("later", "Rescuers dig on", QUAKE_B, Some("2023-10-20")),
        &assigned("later"),
    );
    let copy = e.add(&doc("copy", "", QUAKE_B, Some("2023-10-20")));
    assert_eq!(copy.copy_of.as_deref(), Some("later"));
    assert_eq!(copy.story_key, "quake");
    assert!(!copy.redated, "{copy:?}");
    let recycled = e.add(&doc("recycled", "", QUAKE_B, Some("2024-03-01")));
    assert!(recycled.redated, "{recycled:?}");
}

#[test]
fn a_copy_presented_long_after_the_story_is_redated() {
    let mut e = engine_with_background();
    e.add(&doc("wire", "Quake hits Morocco", QUAKE_A, Some("2023-09-08")));
    let fresh = e.add(&doc("fresh", "", QUAKE_A, Some("2023-09-20")));
    let old_news = e.add(&doc("old", "BREAKING: quake", QUAKE_A, Some("2024-02-01")));
    assert!(!fresh.redated);
    assert!(old_news.redated);
    assert_eq!(old_news.copy_of.as_deref(), Some("wire"));
    assert_eq!(old_news.story_key, "wire");
    assert_eq!(old_news.provenance(), model::Provenance::Redated);
}

#[test]
fn a_late_report_of_old_events_is_redated_to_its_story() {
    let mut e = engine_with_background();
    let original = "The regional court in Halvor ordered the Tessaly Mills paper plant closed \
        in early October after inspectors found toxic sludge in the Vendra river. A good ten \
        days ago, fishermen near Corvel reported thousands of dead trout downstream. Owner \
        Magnus Oberlin, who bought the plant in 2018, said he would appeal the ruling.";
    let late = "Thousands of dead trout were found by fishermen near Corvel a good ten days \
        ago, and in early October the regional court in Halvor shut the Tessaly Mills paper \
        plant over toxic sludge in the Vendra river. Magnus Oberlin, owner since 2018, \
        plans to appeal against the closure, according to his lawyers.";
    let first = e.add(&doc(
        "orig",
        "Court shuts Tessaly Mills plant",
        original,
        Some("2021-10-18"),
    ));
    assert!(!first.redated);
    let again = e.add(&doc(
        "late",
        "Paper plant closed after river poisoning",
        late,
        Some("2023-02-02"),
    ));
    assert_eq!(again.copy_of, None, "a rewrite, not a copy");
    assert!(again.redated);
    assert_eq!(again.story_key, "orig");
    assert_eq!(again.provenance(), model::Provenance::Redated);
}

#[test]
fn a_fresh_follow_up_with_recent_dates_is_not_redated() {
    let mut e = engine_with_background();
    let text = "The regional court in Halvor on Monday heard the appeal of Magnus Oberlin, \
        owner of the Tessaly Mills plant, against its closure last week.";
    let got = e.add(&doc("fresh", "Oberlin appeals", text, Some("2023-02-02")));
    assert!(!got.redated);
}

#[test]
fn a_copy_of_a_widely_republished_story_is_found_through_its_recent_holders() {
    // With room for two holders a sample, the wire's samples have let it go
    // by the time the portal arrives: three republished copies came after
    // it. Its containment is counted from the samples' postings alone, and
    // the copies still hold them, so the portal is found to copy them and,
    // through them, the wire.
    let mut e = StoryEngine::new(Config {
        postings_cap: 2,
        ..Config::default()
    });
    e.add(&doc("wire", "Quake hits Morocco", QUAKE_A, None));
    let edits = [
        ("late on Friday", "on Friday night"),
        ("at least 600", "600 or more"),
        ("through the night", "overnight"),
    ];
    for (i, (from, to)) in edits.iter().enumerate() {
        let copy = e.add(&doc(&format!("copy{i}"), "", &QUAKE_A.replace(from, to), None));
        assert_eq!(copy.copy_of.as_deref(), Some("wire"), "copy{i}");
    }
    let page = format!(
        "Home News World Sport Weather. {QUAKE_A} Read more: our live coverage, the \
         latest pictures and what we know so far. Sign up for the morning newsletter."
    );
    let portal = e.add(&doc("portal", "", &page, None));
    assert_eq!(portal.copy_of.as_deref(), Some("wire"));
    assert_eq!(portal.story_key, "wire");
}

#[test]
fn a_short_copy_with_its_last_word_changed_is_found_by_resemblance_alone() {
    // Too short for containment (fewer samples than it needs), so only the
    // signatures can tell: nearly all their values agree. Copy detection
    // rules candidates out from the signatures' low bytes first, and must
    // not rule this one out.
    let mut e = engine_with_background();
    let text = "Harbour pilots in Port Vessa halted all night sailings on Tuesday after thick fog \
        closed the outer channel, and the port authority said ferries to Lunde would wait until \
        the morning tide";
    let original = e.add(&doc("pilots", "", text, Some("2023-09-08T10:00:00Z")));
    let edited = text.replace("tide", "light");
    let copy = e.add(&doc("pilots-copy", "", &edited, Some("2023-09-08T12:00:00Z")));
    assert_eq!(copy.copy_of.as_deref(), Some("pilots"));
    assert_eq!(copy.story_key, original.story_key);
}
