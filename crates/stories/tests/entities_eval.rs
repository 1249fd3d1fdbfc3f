//! Precision and recall of the entity rules on small hand-labelled sets of
//! invented news texts in seven languages: one text a line with its
//! people, organisations and places, labelled by hand (gazetteer names
//! under their English display name). `entities/labelled.jsonl` (40
//! texts) is the set the rules were developed on; `entities/heldout.jsonl`
//! (12 texts) was written after the rules were fixed and is only scored.
//!
//! `cargo test -p ravenwire-stories --test entities_eval -- --nocapture`
//! prints the figures, typed (name and kind must match) and untyped, per
//! language and in all; the test fails when they fall below a floor.

use std::collections::{BTreeMap, BTreeSet};

use ravenwire_stories::entities::{extract_entities, name_key};

const DEVELOPMENT: &str = include_str!("entities/labelled.jsonl");
const HELD_OUT: &str = include_str!("entities/heldout.jsonl");

#[derive(Default)]
struct Tally {
    found: usize,
    labelled: usize,
    right: usize,
    right_untyped: usize,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.found += other.found;
        self.labelled += other.labelled;
        self.right += other.right;
        self.right_untyped += other.right_untyped;
    }

    fn figures(&self, right: usize) -> (f64, f64, f64) {
        let p = right as f64 / self.found.max(1) as f64;
        let r = right as f64 / self.labelled.max(1) as f64;
        let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        (p, r, f)
    }
}

/// One test, so that the two sets print one after the other.
#[test]
fn precision_and_recall_on_the_labelled_sets() {
    let (p, r) = score("development", DEVELOPMENT);
    assert!(
        p >= 0.85 && r >= 0.8,
        "development: precision {p:.3}, recall {r:.3} below the floor"
    );
    let (p, r) = score("held out", HELD_OUT);
    assert!(
        p >= 0.6 && r >= 0.6,
        "held out: precision {p:.3}, recall {r:.3} below the floor"
    );
}

/// Scores one set, prints its figures and errors, and returns typed
/// precision and recall.
fn score(name: &str, set: &str) -> (f64, f64) {
    println!("== {name}");
    let mut by_language: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for line in set.lines().filter(|l| !l.trim().is_empty()) {
        let row: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let lang = row["lang"].as_str().expect("lang");
        let title = row["title"].as_str().expect("title");
        let text = row["text"].as_str().expect("text");
        let gold: BTreeSet<(String, String)> = row["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .map(|e| (name_key(e[0].as_str().unwrap()), e[1].as_str().unwrap().to_string()))
            .collect();
        let found: BTreeSet<(String, String)> = extract_entities(title, text, Some(lang))
            .iter()
            .map(|e| (name_key(&e.name), e.kind.as_str().to_string()))
            .collect();
        let gold_names: BTreeSet<&String> = gold.iter().map(|(n, _)| n).collect();
        let tally = Tally {
            found: found.len(),
            labelled: gold.len(),
            right: found.intersection(&gold).count(),
            right_untyped: found.iter().filter(|(n, _)| gold_names.contains(n)).count(),
        };
        for extra in found.difference(&gold) {
            misses.push(format!("{lang} extra  {extra:?}"));
        }
        for missed in gold.difference(&found) {
            misses.push(format!("{lang} missed {missed:?}"));
        }
        by_language.entry(lang.to_string()).or_default().add(&tally);
    }
    let mut all = Tally::default();
    println!("lang  texts-entities  P      R      F1     (untyped P R F1)");
    for (lang, tally) in &by_language {
        let (p, r, f) = tally.figures(tally.right);
        let (up, ur, uf) = tally.figures(tally.right_untyped);
        println!(
            "{lang:4}  {:>3} labelled    {p:.3}  {r:.3}  {f:.3}  ({up:.3} {ur:.3} {uf:.3})",
            tally.labelled
        );
        all.add(tally);
    }
    let (p, r, f) = all.figures(all.right);
    let (up, ur, uf) = all.figures(all.right_untyped);
    println!(
        "all   {:>3} labelled    {p:.3}  {r:.3}  {f:.3}  ({up:.3} {ur:.3} {uf:.3})",
        all.labelled
    );
    for miss in &misses {
        println!("  {miss}");
    }
    (p, r)
}
