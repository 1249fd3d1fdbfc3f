//! The provenance set at small scale, on generated text: injected copies
//! must be found (`copy_of`) and the late ones flagged (`redated`).

mod common;

use common::provenance_set::{self, Rng};
use model::{Document, Timestamp};
use ravenwire_stories::StoryEngine;

/// An invented word, Zipf-like: low ranks are drawn far more often.
fn word(rng: &mut Rng) -> String {
    const SYLLABLES: [&str; 12] = [
        "ka", "ro", "len", "mi", "tas", "vo", "el", "dun", "sa", "bri", "no", "gal",
    ];
    let r = rng.below(3_000) as f64;
    let mut rank = (r * r / 3_000.0) as u64;
    let mut out = String::new();
    for _ in 0..3 {
        out.push_str(SYLLABLES[(rank % 12) as usize]);
        rank /= 12;
    }
    out
}

fn generated_originals(n: usize, seed: u64) -> Vec<Document> {
    let mut rng = Rng::new(seed);
    let start: chrono::NaiveDate = "2022-01-01".parse().expect("date");
    (0..n)
        .map(|i| {
            let length = 60 + rng.below(200) as usize;
            let mut text = String::new();
            for k in 0..length {
                text.push_str(&word(&mut rng));
                text.push_str(if k % 15 == 14 { ". " } else { " " });
            }
            // A quarter of the documents carry no date, as feeds sometimes do.
            let published = (!rng.chance(25)).then(|| Timestamp::Day(start + chrono::Days::new(i as u64 / 3)));
            Document {
                id: format!("orig{i}"),
                title: Some(format!("{} {}", word(&mut rng), word(&mut rng))),
                text,
                published,
                ..Document::default()
            }
        })
        .collect()
}

#[test]
fn injected_copies_are_found_and_late_ones_redated() {
    let originals = provenance_set::distinct(&generated_originals(300, 3));
    let (stream, truth) = provenance_set::build(&originals, 30, 5);
    assert!(stream.len() > 300, "{}", stream.len());
    let mut engine = StoryEngine::default();
    let assignments = provenance_set::final_verdicts(&mut engine, &stream);
    let s = provenance_set::score(&assignments, &truth);
    assert!(s.copies >= 60 && s.redated >= 20, "{s:?}");
    assert!(s.copy_precision >= 0.95 && s.copy_recall >= 0.95, "{s:?}");
    assert!(s.redated_precision >= 0.95 && s.redated_recall >= 0.95, "{s:?}");
}
