//! Tests of clustering: which story a document joins, reviews that split a
//! story, reunions, languages and related stories.

use super::*;
use crate::engine::scoring::decimals_conflict;

#[test]
fn clusters_an_obvious_pair_and_separates_an_unrelated_document() {
    let mut e = engine_with_background();
    let a = e.add(&doc(
        "qa",
        "Earthquake in Morocco kills hundreds",
        QUAKE_A,
        Some("2023-09-08"),
    ));
    let b = e.add(&doc(
        "qb",
        "Morocco quake death toll passes 600",
        QUAKE_B,
        Some("2023-09-09"),
    ));
    assert_eq!(a.story_key, "qa");
    assert_eq!(b.story_key, "qa");
    assert_eq!(b.copy_of, None, "a rewrite is the same story, not a copy");
    let budget = e.assignment_of(e.doc_by_id["budget"]);
    assert_eq!(budget.story_key, "budget");
    let football = e.assignment_of(e.doc_by_id["football"]);
    assert_eq!(football.story_key, "football");
}

#[test]
fn look_alike_events_with_different_protagonists_stay_apart() {
    let mut e = engine_with_background();
    let jackson = "San Diego Chargers receiver Vincent Jackson was arrested early Tuesday on \
        suspicion of drunken driving, the California Highway Patrol said. Officers stopped \
        Jackson on the freeway near downtown San Diego after he failed sobriety tests. \
        Jackson was already on probation for an earlier drunken driving arrest, and the \
        team said Jackson would still play in the playoff game on Sunday.";
    let jackson_again = "Vincent Jackson of the Chargers spent the night in county jail after \
        the California Highway Patrol arrested him on suspicion of drunken driving. Jackson \
        was on probation at the time, and league officials said Jackson could face a \
        suspension, although the Chargers will not discipline him before the playoff game.";
    let williams = "Defensive tackle Jamal Williams became the second Chargers player in a \
        month held for drunken driving. A patrol car clocked Williams at ninety miles an \
        hour near Mission Valley before dawn, and Williams gave a blood sample at the \
        station. General manager A.J. Smith called it disappointing and said Williams \
        had apologised to his teammates.";
    let first = e.add(&doc("jackson", "Chargers receiver arrested", jackson, None));
    let same = e.add(&doc("jackson2", "Jackson jailed", jackson_again, None));
    assert_eq!(same.story_key, first.story_key, "the same arrest is one story");
    let other = e.features(&doc("w", "", williams, None));
    let again = e.features(&doc("j3", "", jackson_again, None));
    let story = &e.stories[&e.story_by_key["jackson"]];
    assert!(e.protagonists_conflict(&other, story));
    assert!(!e.protagonists_conflict(&again, story));
    let different = e.add(&doc("williams", "Chargers tackle arrested", williams, None));
    assert_eq!(
        different.story_key, "williams",
        "another player's arrest is another story"
    );
}

/// Two outages of undersea internet cables, three years apart, told in
/// the same words: reports of the second join the first's story while
/// it is small, and only the review once both have reports tells them
/// apart.
fn cable_outages() -> Vec<Document> {
    let mediterranean = [
        "Internet traffic between Europe and the Middle East slowed after two undersea \
         cables near Alexandria were cut, leaving providers in Egypt and India rerouting \
         data. Engineers said a ship's anchor off Alexandria probably cut the cables.",
        "Providers in Egypt and India lost much of their internet capacity when undersea \
         cables off Alexandria were damaged. Repair ships were sent to Alexandria, and \
         engineers said the cut cables would take weeks to mend.",
        "The cut cables off Alexandria left millions in Egypt and India offline, and \
         providers rerouted traffic through slower links. Engineers blamed a ship's \
         anchor dragged across the cables near Alexandria.",
        "Egypt's internet providers restored part of the service after the cables cut off \
         Alexandria, while India still reported slow links. Engineers aboard the repair \
         ship near Alexandria began lifting the damaged cables.",
        "A repair ship reached the cut cables near Alexandria, where engineers found the \
         damage an anchor caused. Providers in Egypt and India said internet traffic \
         would return to normal once both cables were spliced.",
    ];
    let seacom = [
        "Internet users in Kenya and South Africa lost service when the Seacom undersea \
         cable failed near Mombasa. Seacom engineers said a power fault at the Mombasa \
         landing station cut the cable, and providers rerouted traffic.",
        "Seacom said its cable linking Mombasa to Europe would be repaired within days, \
         after providers in Kenya and South Africa lost internet capacity. Engineers \
         traced the fault to equipment at Mombasa.",
        "Providers in Kenya and South Africa rerouted traffic while Seacom engineers \
         worked at Mombasa on the failed undersea cable. Seacom said the outage was the \
         longest since the cable opened.",
        "Kenya's largest providers restored part of the service as Seacom repaired the \
         cable fault at Mombasa. South Africa still reported slow internet links, and \
         Seacom engineers expected a full fix within days.",
        "Seacom restored its undersea cable after engineers replaced equipment at the \
         Mombasa landing station. Providers in Kenya and South Africa said internet \
         traffic was back to normal.",
    ];
    let mut docs = Vec::new();
    for (i, (a, b)) in mediterranean.iter().zip(&seacom).enumerate() {
        docs.push(doc(&format!("alexandria{i}"), "", a, None));
        docs.push(doc(&format!("seacom{i}"), "", b, None));
        if i == 0 {
            // A wire copy of the first Seacom report, which must follow it.
            docs.push(doc("seacom-copy", "", b, None));
        }
    }
    docs
}

/// Restores `docs` into the stories named, as a warm start from a store
/// would, then adds `bridge`; returns the final story of every document.
fn restore_then_bridge(stored: &[(&Document, &str)], bridge: &Document) -> FastMap<String, String> {
    let mut e = engine_with_background();
    for (d, story) in stored {
        let assignment = Assignment {
            id: d.id.clone(),
            story_key: story.to_string(),
            copy_of: None,
            redated: false,
        };
        e.restore(d, &assignment);
    }
    let mut verdicts: FastMap<String, String> = FastMap::default();
    let a = e.add(bridge);
    verdicts.insert(a.id, a.story_key);
    for r in e.revised() {
        verdicts.insert(r.id, r.story_key);
    }
    for (d, _) in stored {
        verdicts.entry(d.id.clone()).or_insert_with(|| e.add(d).story_key);
    }
    verdicts
}

#[test]
fn two_stories_of_one_event_are_reunited_by_a_report_that_resembles_both() {
    let outage: Vec<Document> = cable_outages()
        .into_iter()
        .filter(|d| d.id.starts_with("alexandria"))
        .collect();
    let more = [
        "Divers inspected the cables cut off Alexandria, and engineers said providers in \
         Egypt and India could expect slow internet links for another week.",
        "Egypt's telecoms regulator said the cables cut near Alexandria carried most of \
         the country's internet traffic to Europe, and providers in India agreed.",
        "Shipping records showed a vessel anchored off Alexandria when the cables were \
         cut, and engineers on the repair ship confirmed the anchor damage.",
    ];
    let more: Vec<Document> = more
        .iter()
        .enumerate()
        .map(|(i, t)| doc(&format!("alexandria-more{i}"), "", t, None))
        .collect();
    // One event stored as two stories, four reports each.
    let stored: Vec<(&Document, &str)> = outage
        .iter()
        .take(4)
        .map(|d| (d, "first"))
        .chain(outage.iter().skip(4).chain(&more).map(|d| (d, "second")))
        .collect();
    let bridge = doc(
        "bridge",
        "",
        "Engineers on the repair ship near Alexandria spliced the cables an anchor cut, and \
         providers in Egypt and India said internet traffic was recovering.",
        None,
    );
    let verdicts = restore_then_bridge(&stored, &bridge);
    for (d, _) in &stored {
        assert_eq!(verdicts[&d.id], "first", "{} rejoined the first story", d.id);
    }
    assert_eq!(verdicts["bridge"], "first");
}

#[test]
fn two_look_alike_events_are_not_reunited_by_a_report_of_both() {
    let docs = cable_outages();
    let stored: Vec<(&Document, &str)> = docs
        .iter()
        .filter(|d| d.id != "seacom-copy")
        .map(|d| {
            (
                d,
                if d.id.starts_with("seacom") {
                    "seacom"
                } else {
                    "alexandria"
                },
            )
        })
        .collect();
    let bridge = doc(
        "bridge",
        "",
        "Undersea cables fail more often than users think: providers in Egypt and India \
         rerouted traffic when cables near Alexandria were cut, and providers in Kenya and \
         South Africa did the same when the Seacom cable failed at Mombasa.",
        None,
    );
    let verdicts = restore_then_bridge(&stored, &bridge);
    for (d, story) in &stored {
        assert_eq!(verdicts[&d.id], *story, "{} stays in its story", d.id);
    }
}

#[test]
fn one_event_told_by_many_reports_is_not_split() {
    let mut e = engine_with_background();
    let outage: Vec<Document> = cable_outages()
        .into_iter()
        .filter(|d| d.id.starts_with("alexandria"))
        .collect();
    let extra = doc(
        "alexandria5",
        "",
        "Engineers finished splicing the second of the cables cut near Alexandria, and \
         providers in Egypt and India said internet traffic had returned to normal.",
        None,
    );
    for d in outage.iter().chain([&extra]) {
        let a = e.add(d);
        assert_eq!(a.story_key, "alexandria0");
        assert!(e.revised().is_empty(), "nothing moves: {:?}", e.revised());
    }
}

#[test]
fn look_alike_events_merged_early_are_split_in_review() {
    let run = |config: Config| {
        let mut e = StoryEngine::new(config);
        e.add(&doc("budget", "", BUDGET, None));
        e.add(&doc("football", "", FOOTBALL, None));
        let mut final_story: FastMap<String, String> = FastMap::default();
        let mut moves = 0;
        for d in cable_outages() {
            let a = e.add(&d);
            final_story.insert(a.id, a.story_key);
            for r in e.revised() {
                moves += usize::from(final_story.insert(r.id, r.story_key.clone()) != Some(r.story_key));
            }
        }
        let stories = |prefix: &str| -> Vec<String> {
            let mut v: Vec<String> = final_story
                .iter()
                .filter(|(id, _)| id.starts_with(prefix))
                .map(|(_, c)| c.clone())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        (stories("alexandria"), stories("seacom"), moves)
    };
    let (alexandria, seacom, moves) = run(Config {
        split_cut: 0.0,
        ..Config::default()
    });
    assert_eq!(alexandria, seacom, "without review the two outages share one story");
    assert_eq!(moves, 0);

    let (alexandria, seacom, moves) = run(Config::default());
    assert_eq!(alexandria, vec!["alexandria0".to_string()], "{seacom:?}");
    assert_eq!(seacom, vec!["seacom0".to_string()]);
    assert!(moves >= 2, "the earlier Seacom reports were moved: {moves}");
}

#[test]
fn different_magnitudes_conflict_but_counts_do_not() {
    let mut e = StoryEngine::default();
    let quake = |e: &mut StoryEngine, text: &str| e.features(&doc("q", "", text, None));
    let first = quake(
        &mut e,
        "A magnitude 4.6 quake shook Healdsburg; 1,200 homes lost power.",
    );
    let same = quake(&mut e, "The 4.6 tremor near Healdsburg cut power to 1,500 homes.");
    let other = quake(
        &mut e,
        "A magnitude 2.0 quake struck The Geysers; 1,200 homes lost power.",
    );
    let counts_only = quake(&mut e, "Some 1,900 homes near Healdsburg lost power after the quake.");
    let mut story = Story::new("q".into());
    story.decimals = first.decimals.clone();
    assert_eq!(first.decimals.len(), 1, "1,200 is a count, not a decimal");
    assert!(!decimals_conflict(&same, &story));
    assert!(decimals_conflict(&other, &story));
    assert!(!decimals_conflict(&counts_only, &story), "no decimal, no evidence");
}

#[test]
fn same_words_far_apart_in_time_are_different_stories() {
    let mut e = engine_with_background();
    e.add(&doc(
        "qa",
        "Earthquake in Morocco kills hundreds",
        QUAKE_A,
        Some("2023-09-08"),
    ));
    let later = e.add(&doc(
        "qb",
        "Morocco quake death toll passes 600",
        QUAKE_B,
        Some("2024-06-01"),
    ));
    assert_eq!(later.story_key, "qb");
}

#[test]
fn clusters_headlines_without_bodies_or_dates() {
    let mut e = StoryEngine::default();
    let headlines = [
        ("h1", "Central bank raises interest rates to fight inflation"),
        ("h2", "Storm Ciaran batters coast of Brittany"),
        ("h3", "Inflation fight: central bank raises rates again"),
        ("h4", "Brittany coast battered as Storm Ciaran hits"),
        ("h5", "Chess champion wins title in Madrid"),
    ];
    let got: Vec<String> = headlines
        .iter()
        .map(|(id, t)| e.add(&doc(id, t, "", None)).story_key)
        .collect();
    assert_eq!(got, ["h1", "h2", "h1", "h2", "h5"]);
}

#[test]
fn works_in_other_languages() {
    let mut e = StoryEngine::default();
    let a = e.add(&doc(
        "r1",
        "Наводнение в Сибири",
        "Сильное наводнение затопило деревни в Иркутской области, тысячи жителей эвакуированы спасателями МЧС.",
        None,
    ));
    let b = e.add(&doc(
        "r2",
        "Выборы в Москве",
        "В Москве прошли выборы в городскую думу, явка избирателей оказалась низкой.",
        None,
    ));
    let c = e.add(&doc(
        "r3",
        "Сибирь: наводнение",
        "Спасатели МЧС эвакуировали тысячи жителей из деревень Иркутской области после наводнения.",
        None,
    ));
    assert_eq!(
        (a.story_key.as_str(), b.story_key.as_str(), c.story_key.as_str()),
        ("r1", "r2", "r1")
    );
}

#[test]
fn same_story_in_another_language_joins_on_shared_names_and_numbers() {
    let mut e = engine_with_background();
    let en1 = "Dockworkers in the port of Vellmar walked out on Tuesday, and 3,450 members of \
        the Brandvik Union said the stoppage at the Orskhaven terminal would last 48 hours. \
        Union leader Tomas Reykel said the operator Nordalis wanted to automate 12.5 percent of \
        the cranes without talks.";
    let en2 = "The strike at Vellmar's Orskhaven terminal entered its first night as Nordalis \
        refused to meet the Brandvik Union. Tomas Reykel told a rally that all 3,450 \
        dockworkers would stay out for the full 48 hours over the automation plan.";
    let de = "Im Hafen von Vellmar haben am Dienstag 3.450 Hafenarbeiter die Arbeit \
        niedergelegt. Die Gewerkschaft Brandvik kündigte an, der Ausstand am Terminal \
        Orskhaven werde 48 Stunden dauern. Gewerkschaftschef Tomas Reykel wirft dem \
        Betreiber Nordalis vor, 12,5 Prozent der Kräne ohne Gespräche automatisieren zu wollen.";
    let de_other = "In Lindau hat der Stadtrat am Dienstag einen neuen Haushalt beschlossen. \
        Bürgermeisterin Greta Hollweg sagte, die Mittel für Schulen und Busse würden um 7,5 \
        Prozent steigen, die Gebühren für Parkplätze dagegen sinken.";
    let mut german = doc("de", "Hafenstreik in Vellmar", de, Some("2024-04-10"));
    german.language = Some("de".into());
    let mut german_other = doc("de2", "Lindau beschließt Haushalt", de_other, Some("2024-04-10"));
    german_other.language = Some("de".into());
    e.add(&doc("en1", "Vellmar dockworkers strike", en1, Some("2024-04-09")));
    e.add(&doc("en2", "Strike at Orskhaven terminal", en2, Some("2024-04-09")));
    assert_eq!(e.add(&german).story_key, "en1");
    assert_eq!(e.add(&german_other).story_key, "de2", "no shared names, no join");
}

#[test]
fn related_stories_exclude_the_story_itself() {
    let mut e = engine_with_background();
    // Restored verdicts keep the two quakes apart, whatever clustering
    // would decide on so small a corpus.
    let own = |id: &str| Assignment {
        id: id.into(),
        story_key: id.into(),
        copy_of: None,
        redated: false,
    };
    let morocco = doc("qa", "Earthquake in Morocco", QUAKE_A, Some("2023-09-08"));
    e.restore(&morocco, &own("qa"));
    let herat = "A magnitude 6.3 earthquake struck western Afghanistan near the city \
        of Herat on Sunday, killing at least 120 people and flattening mud-brick houses in \
        the villages of Zindajan district. Taliban officials said rescue teams were still \
        searching the rubble and that the death toll was expected to rise.";
    let afghanistan = doc("af", "Earthquake in Afghanistan", herat, Some("2023-09-10"));
    e.restore(&afghanistan, &own("af"));
    // Another earthquake the same week is the closest related story.
    assert_eq!(e.related("af", 5).first().map(String::as_str), Some("qa"));
    assert_eq!(e.related("qa", 5).first().map(String::as_str), Some("af"));
    assert!(!e.related("af", 5).contains(&"af".to_string()));
    assert!(e.related("no-such-story", 5).is_empty());
    assert!(e.related("qa", 0).is_empty());
}
