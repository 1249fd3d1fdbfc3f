//! Streaming is order-dependent by nature; this checks that the order
//! changes the partition little.

mod common;

use std::collections::HashMap;

use common::provenance_set::Rng;
use model::Document;
use ravenwire_stories::StoryEngine;

fn invented(seed: u64) -> String {
    const SYLLABLES: [&str; 12] = [
        "ka", "ro", "len", "mi", "tas", "vo", "el", "dun", "sa", "bri", "no", "gal",
    ];
    let mut h = seed;
    let mut out = String::new();
    for _ in 0..4 {
        out.push_str(SYLLABLES[(h % 12) as usize]);
        h /= 12;
    }
    out
}

/// Twelve stories of five documents: each document mixes its story's own
/// words and names with words common to all stories.
fn corpus() -> Vec<(Document, usize)> {
    let mut rng = Rng::new(42);
    let mut docs = Vec::new();
    for story in 0..12u64 {
        let own: Vec<String> = (0..25).map(|i| invented(1_000 + story * 100 + i)).collect();
        let names: Vec<String> = (0..4)
            .map(|i| {
                let mut n = invented(50_000 + story * 10 + i);
                n[..1].make_ascii_uppercase();
                n
            })
            .collect();
        for k in 0..5 {
            let mut text = String::from("Reports said ");
            for i in 0..90 {
                let w = match rng.below(10) {
                    0..=3 => own[rng.below(25) as usize].clone(),
                    4 => names[rng.below(4) as usize].clone(),
                    _ => invented(rng.below(400)),
                };
                text.push_str(&w);
                text.push_str(if i % 12 == 11 { ". Then " } else { " " });
            }
            let doc = Document {
                id: format!("s{story}d{k}"),
                title: Some(format!("{} {}", names[0], own[0])),
                text,
                ..Document::default()
            };
            docs.push((doc, story as usize));
        }
    }
    docs
}

fn partition(docs: &[&Document]) -> HashMap<String, String> {
    let mut engine = StoryEngine::default();
    docs.iter().map(|d| (d.id.clone(), engine.add(d).story_key)).collect()
}

/// Share of document pairs on which two labelings agree (together or apart).
fn agreement<A: PartialEq, B: PartialEq>(ids: &[String], a: impl Fn(&str) -> A, b: impl Fn(&str) -> B) -> f64 {
    let (mut same, mut total) = (0usize, 0usize);
    for i in 0..ids.len() {
        for j in i + 1..ids.len() {
            let together_a = a(&ids[i]) == a(&ids[j]);
            let together_b = b(&ids[i]) == b(&ids[j]);
            same += usize::from(together_a == together_b);
            total += 1;
        }
    }
    same as f64 / total as f64
}

#[test]
fn shuffling_the_stream_changes_the_partition_little() {
    let corpus = corpus();
    let gold: HashMap<String, usize> = corpus.iter().map(|(d, s)| (d.id.clone(), *s)).collect();
    let ids: Vec<String> = corpus.iter().map(|(d, _)| d.id.clone()).collect();
    let in_order: Vec<&Document> = corpus.iter().map(|(d, _)| d).collect();
    let base = partition(&in_order);
    let base_vs_gold = agreement(&ids, |i| base[i].clone(), |i| gold[i]);
    assert!(base_vs_gold >= 0.95, "the in-order partition is good: {base_vs_gold}");
    let mut rng = Rng::new(9);
    for round in 0..5 {
        let mut shuffled = in_order.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let other = partition(&shuffled);
        let a = agreement(&ids, |i| base[i].clone(), |i| other[i].clone());
        assert!(a >= 0.9, "round {round}: pairwise agreement {a}");
    }
}
