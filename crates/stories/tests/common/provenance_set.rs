//! A provenance test set built from any dated documents: word-for-word and
//! lightly edited copies are injected into the stream, some soon after
//! their original and some much later (which makes them re-dated), and the
//! engine's `copy_of` and `redated` are scored against what was injected.
//! Shared by the `cluster_bench` example (on the dev sets) and the
//! provenance integration test (on generated text).

#![allow(dead_code)]

use std::collections::HashMap;

use model::{Assignment, Document, Timestamp};

/// A small deterministic generator (xorshift64*), so a seed gives one set.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What was injected for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    pub copy_of: Option<String>,
    pub redated: bool,
}

/// Light edits: about one word in eighty dropped or doubled, the last
/// sentence cut from longer texts, and a credit line appended.
fn lightly_edited(text: &str, rng: &mut Rng) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    if words.len() > 120 {
        if let Some(cut) = words
            .iter()
            .rposition(|w| w.ends_with('.'))
            .filter(|&p| p + 1 < words.len())
        {
            words.truncate(cut + 1);
        } else if let Some(last_stop) = words[..words.len() - 1].iter().rposition(|w| w.ends_with('.')) {
            words.truncate(last_stop + 1);
        }
    }
    let mut out: Vec<&str> = Vec::with_capacity(words.len() + 8);
    for w in words {
        match rng.below(80) {
            0 => {}
            1 => {
                out.push(w);
                out.push(w);
            }
            _ => out.push(w),
        }
    }
    let mut text = out.join(" ");
    text.push_str("\n\nThis article was supplied by a news agency.");
    text
}

fn five_grams(text: &str) -> Vec<u64> {
    use std::hash::{Hash, Hasher};
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut grams: Vec<u64> = words
        .windows(5)
        .map(|w| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            w.hash(&mut h);
            h.finish()
        })
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// The originals minus those that share half or more of the word 5-grams
/// of the smaller of the two with an earlier one: source sets hold wire copies of their own,
/// whose true original is unknown.
pub fn distinct(originals: &[Document]) -> Vec<Document> {
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut kept = Vec::new();
    let mut sizes: Vec<usize> = Vec::new();
    for doc in originals {
        let grams = five_grams(&doc.text);
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for g in &grams {
            for &k in index.get(g).into_iter().flatten() {
                *shared.entry(k).or_default() += 1;
            }
        }
        if shared.iter().any(|(&k, &n)| n * 2 >= grams.len().min(sizes[k]).max(1)) {
            continue;
        }
        sizes.push(grams.len());
        for &g in &grams {
            index.entry(g).or_default().push(kept.len());
        }
        kept.push(doc.clone());
    }
    kept
}

/// Interleaves `originals` with injected copies: `copy_percent` of them
/// get one copy, word for word or lightly edited. A dated original's copy
/// is published within three days or, half the time, 60 to 360 days later
/// (re-dated); an undated original's copy follows within 50 documents.
/// Returns the stream (dated documents in date order, then undated ones)
/// and the truth for every document. One dated copy in five, published a
/// day or more after its original, arrives just before it, as when a crawl
/// meets the mirror first or an archive of originals is imported after the
/// copies.
pub fn build(originals: &[Document], copy_percent: u64, seed: u64) -> (Vec<Document>, HashMap<String, Truth>) {
    let mut rng = Rng::new(seed);
    let mut stream: Vec<((bool, i64, usize), Document)> = Vec::new();
    let mut truth = HashMap::new();
    for (n, original) in originals.iter().enumerate() {
        let key = |unix: Option<i64>, position: usize, seq: usize| match unix {
            Some(u) => (false, u, seq),
            None => (true, position as i64, seq),
        };
        let unix = original.published.map(|p| p.unix());
        stream.push((key(unix, n * 100, stream.len()), original.clone()));
        truth.insert(
            original.id.clone(),
            Truth {
                copy_of: None,
                redated: false,
            },
        );
        if !rng.chance(copy_percent) || original.text.split_whitespace().count() < 40 {
            continue;
        }
        let later = original.published.is_some() && rng.chance(50);
        let arrives_first = original.published.is_some() && rng.chance(20);
        // Within a day, a copy that arrives first cannot be told from its
        // original by date, so one that does is published a day or more later.
        let offset = match (later, arrives_first) {
            (true, _) => 60 + rng.below(300),
            (false, true) => 1 + rng.below(3),
            (false, false) => rng.below(4),
        };
        let published = original
            .published
            .map(|p| Timestamp::Day(p.day() + chrono::Days::new(offset)));
        let text = if rng.chance(50) {
            original.text.clone()
        } else {
            lightly_edited(&original.text, &mut rng)
        };
        let copy = Document {
            id: format!("injected-{n}-{}", original.id),
            title: original.title.as_ref().map(|t| format!("{t} (updated)")),
            text,
            published,
            source: Some(format!("copier{}", rng.below(7))),
            url: Some(format!("https://copier{}.example/{n}", rng.below(7))),
            language: original.language.clone(),
        };
        truth.insert(
            copy.id.clone(),
            Truth {
                copy_of: Some(original.id.clone()),
                redated: later,
            },
        );
        let position = n * 100 + 100 * (1 + rng.below(50) as usize);
        let copy_key = match unix {
            Some(u) if arrives_first => (false, u - 1, stream.len()),
            _ => key(published.map(|p| p.unix()), position, stream.len()),
        };
        stream.push((copy_key, copy));
    }
    stream.sort_by_key(|e| e.0);
    (stream.into_iter().map(|e| e.1).collect(), truth)
}

/// The engine's final verdicts on `stream`, in stream order: each add's
/// revisions of earlier documents replace their first verdicts.
pub fn final_verdicts(engine: &mut ravenwire_stories::StoryEngine, stream: &[Document]) -> Vec<Assignment> {
    let mut verdicts: Vec<Assignment> = Vec::with_capacity(stream.len());
    let mut position: HashMap<String, usize> = HashMap::new();
    for doc in stream {
        let verdict = engine.add(doc);
        position.entry(verdict.id.clone()).or_insert(verdicts.len());
        verdicts.push(verdict);
        for revised in engine.revised() {
            if let Some(&at) = position.get(&revised.id) {
                verdicts[at] = revised;
            }
        }
    }
    verdicts
}

/// Precision and recall of `copy_of` (a hit names the injected original)
/// and of `redated`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub copy_precision: f64,
    pub copy_recall: f64,
    pub redated_precision: f64,
    pub redated_recall: f64,
    pub copies: usize,
    pub redated: usize,
}

pub fn score(assignments: &[Assignment], truth: &HashMap<String, Truth>) -> Scores {
    let (mut copy_pred, mut copy_hit, mut copy_true) = (0usize, 0usize, 0usize);
    let (mut red_pred, mut red_hit, mut red_true) = (0usize, 0usize, 0usize);
    for a in assignments {
        let Some(t) = truth.get(&a.id) else {
            continue;
        };
        copy_true += usize::from(t.copy_of.is_some());
        if a.copy_of.is_some() {
            copy_pred += 1;
            copy_hit += usize::from(a.copy_of == t.copy_of);
        }
        red_true += usize::from(t.redated);
        if a.redated {
            red_pred += 1;
            red_hit += usize::from(t.redated);
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    // Recall counts hits among the injected copies only.
    let injected_hits = assignments
        .iter()
        .filter(|a| {
            truth
                .get(&a.id)
                .is_some_and(|t| t.copy_of.is_some() && a.copy_of == t.copy_of)
        })
        .count();
    let redated_hits = assignments
        .iter()
        .filter(|a| a.redated && truth.get(&a.id).is_some_and(|t| t.redated))
        .count();
    Scores {
        copy_precision: ratio(copy_hit, copy_pred),
        copy_recall: ratio(injected_hits, copy_true),
        redated_precision: ratio(red_hit, red_pred),
        redated_recall: ratio(redated_hits, red_true),
        copies: copy_true,
        redated: red_true,
    }
}
