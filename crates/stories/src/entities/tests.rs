//! One test per rule of the entity extractor, on invented sentences.

use super::*;

fn found(title: &str, text: &str, language: &str) -> Vec<(String, EntityKind)> {
    extract_entities(title, text, Some(language))
        .into_iter()
        .map(|e| (e.name, e.kind))
        .collect()
}

fn has(list: &[(String, EntityKind)], name: &str, kind: EntityKind) -> bool {
    list.iter().any(|(n, k)| n == name && *k == kind)
}

use EntityKind::{Organisation, Person, Place};

#[test]
fn a_two_word_name_is_a_person_and_a_lone_surname_joins_it() {
    let text = "Jan Keller opened the bridge on Monday. Later, Keller said the work took two years.";
    let all = extract_entities("", text, Some("en"));
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].name, "Jan Keller");
    assert_eq!(all[0].kind, Person);
    assert_eq!(all[0].mentions, 2);
}

#[test]
fn sentence_initial_common_words_and_days_are_not_names() {
    let list = found(
        "",
        "The council met. On Monday Mara Osei spoke. However, nothing changed.",
        "en",
    );
    assert_eq!(list, [("Mara Osei".to_string(), Person)]);
}

#[test]
fn a_lone_sentence_initial_word_needs_support() {
    assert!(found("", "Tomorrowland tickets sold out quickly.", "en").is_empty());
    let list = found(
        "",
        "Veltronic shares rose. Investors bought Veltronic and Veltronic bonds.",
        "en",
    );
    assert!(has(&list, "Veltronic", Organisation), "{list:?}");
}

#[test]
fn gazetteer_names_are_one_place_in_every_language() {
    let en = extract_entities("", "Talks in Germany ended.", Some("en"));
    let de = extract_entities("", "Die Gespräche in Deutschland endeten.", Some("de"));
    let fr = extract_entities("", "Les pourparlers en Allemagne ont pris fin.", Some("fr"));
    for list in [&en, &de, &fr] {
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].key, "place:germany");
        assert_eq!(list[0].name, "Germany");
    }
    let es = entity_keys("", "El presidente viajó a Estados Unidos y al Reino Unido.", Some("es"));
    assert_eq!(es, ["united_kingdom", "united_states"]);
}

#[test]
fn titles_are_cut_off_and_mark_people() {
    let list = found("", "Yesterday Chancellor Ilse Brandt met Mayor Tomas Vidal.", "en");
    assert!(has(&list, "Ilse Brandt", Person), "{list:?}");
    assert!(has(&list, "Tomas Vidal", Person), "{list:?}");
    let de = found(
        "",
        "Am Abend sprach Innenministerin Petra Lindqvist in Hollstadt.",
        "de",
    );
    assert!(has(&de, "Petra Lindqvist", Person), "{de:?}");
    assert!(has(&de, "Hollstadt", Place), "{de:?}");
    let fr = found("", "Le maire Jean Dufresne a inauguré le pont.", "fr");
    assert!(has(&fr, "Jean Dufresne", Person), "{fr:?}");
}

#[test]
fn mayor_of_names_a_place() {
    let list = found("", "The Mayor of Valmora, Rita Coelho, resigned.", "en");
    assert!(has(&list, "Valmora", Place), "{list:?}");
    assert!(has(&list, "Rita Coelho", Person), "{list:?}");
}

#[test]
fn particles_stay_inside_names() {
    let list = found(
        "",
        "The report by Anna van Dijk and Luis de la Vega was read by Omar al-Rashid.",
        "en",
    );
    assert!(has(&list, "Anna van Dijk", Person), "{list:?}");
    assert!(has(&list, "Luis de la Vega", Person), "{list:?}");
    assert!(has(&list, "Omar al-Rashid", Person), "{list:?}");
}

#[test]
fn organisation_cues_make_organisations() {
    let list = found(
        "",
        "The Ministry of Water and the Bank of Lindenfeld sued Veltronic GmbH before the Orvan Court.",
        "en",
    );
    assert!(has(&list, "Ministry of Water", Organisation), "{list:?}");
    assert!(has(&list, "Bank of Lindenfeld", Organisation), "{list:?}");
    assert!(has(&list, "Veltronic GmbH", Organisation), "{list:?}");
    assert!(has(&list, "Orvan Court", Organisation), "{list:?}");
    let fr = found("", "Selon le ministère de l'Intérieur, la grève continue.", "fr");
    assert!(has(&fr, "ministère de l'Intérieur", Organisation), "{fr:?}");
}

#[test]
fn acronyms_are_organisations_and_translated_ones_share_a_key() {
    assert_eq!(
        entity_keys("", "La OTAN y la ONU se reunieron.", Some("es")),
        ["nato", "united_nations"]
    );
    assert_eq!(
        entity_keys("", "NATO and the UN met.", Some("en")),
        ["nato", "united_nations"]
    );
    let list = found("", "The PLV party won, the CEO said.", "en");
    assert_eq!(list, [("PLV".to_string(), Organisation)]);
}

#[test]
fn german_nouns_are_not_names() {
    let list = found(
        "",
        "Die Feuerwehr meldete am Dienstag eine Überschwemmung. Die Regierung prüft die Entschädigung für Anwohner.",
        "de",
    );
    assert!(list.is_empty(), "{list:?}");
    let names = found(
        "",
        "Nach Angaben der Polizei wurde Jonas Albrecht in Birkenfeld verletzt.",
        "de",
    );
    assert!(has(&names, "Jonas Albrecht", Person), "{names:?}");
    assert!(has(&names, "Birkenfeld", Place), "{names:?}");
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn title_case_headlines_count_only_known_names() {
    let list = found("Mayor Opens New Bridge In Valmora As Germany Watches", "", "en");
    assert_eq!(list, [("Germany".to_string(), Place)]);
    let list = found(
        "Rita Coelho Opens New Bridge",
        "The new bridge was opened by Rita Coelho on Friday.",
        "en",
    );
    let all = extract_entities(
        "Rita Coelho Opens New Bridge",
        "The new bridge was opened by Rita Coelho.",
        Some("en"),
    );
    assert_eq!(list, [("Rita Coelho".to_string(), Person)]);
    assert_eq!(all[0].mentions, 2);
}

#[test]
fn a_place_follows_a_preposition() {
    let list = found("", "Floods hit homes in Port Elwin and near Castrano.", "en");
    assert!(has(&list, "Port Elwin", Place), "{list:?}");
    assert!(has(&list, "Castrano", Place), "{list:?}");
}

#[test]
fn demonyms_are_not_entities() {
    assert!(found("", "Several German and French officials attended.", "en").is_empty());
}

#[test]
fn keys_fold_diacritics_and_transliterations() {
    let a = entity_keys("", "Minister Jürgen Müller spoke.", Some("de"));
    let b = entity_keys("", "Minister Juergen Mueller spoke.", Some("en"));
    assert_eq!(a, b);
}

#[test]
fn output_is_deterministic_and_ordered_by_mentions() {
    let text = "Ana Ruiz met Tomas Vidal in Madrid. Ruiz and Vidal left Madrid. Ruiz returned.";
    let first = extract_entities("", text, Some("en"));
    assert_eq!(first, extract_entities("", text, Some("en")));
    let counts: Vec<u32> = first.iter().map(|e| e.mentions).collect();
    let mut sorted = counts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(counts, sorted);
    assert_eq!(first[0].name, "Ana Ruiz");
}

#[test]
fn odd_input_gives_no_panic() {
    for text in [
        "",
        " ",
        "...",
        "A",
        "ÉÉÉ",
        "al-",
        "-Keller",
        "O'",
        "U.S.",
        "\u{0}\u{feff}",
        "a'B c-D",
    ] {
        let _ = extract_entities(text, text, None);
        let _ = extract_entities(text, text, Some("de"));
    }
}
