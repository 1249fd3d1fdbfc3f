//! Times bulk indexing and one boolean phrase query on synthetic articles.
//!
//! `cargo run --release -p ravenwire-index --example index_bench [COUNT]`
//! (default 20,000 articles of 300 words). A measurement, not a test: it
//! prints figures and checks only that every article went in.

use std::time::Instant;

use ravenwire_index::{IndexedArticle, SearchIndex};

const WORDS: [&str; 8] = [
    "climate", "summit", "election", "market", "storm", "court", "vote", "trade",
];
const WORDS_PER_ARTICLE: usize = 300;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: i64 = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("COUNT must be a whole number, not {arg:?}"))?,
        None => 20_000,
    };
    let dir = tempfile::tempdir()?;
    let index = SearchIndex::open(dir.path())?;

    let started = Instant::now();
    let mut batch = index.batch()?;
    for id in 0..count {
        let body: Vec<&str> = (0..WORDS_PER_ARTICLE)
            .map(|n| WORDS[(id as usize * 7 + n * 13) % WORDS.len()])
            .collect();
        batch.upsert(&IndexedArticle {
            id,
            title: WORDS[id as usize % WORDS.len()].to_string(),
            text: body.join(" "),
            url: format!("https://news.example/{id}"),
            source: "Example Wire".to_string(),
            language: Some("en".to_string()),
            published: Some(1_700_000_000 + id),
            story: None,
        })?;
    }
    batch.commit()?;
    let indexing = started.elapsed();

    let started = Instant::now();
    let hits = index.search("\"storm court\" AND NOT vote", 20)?;
    let query = started.elapsed();

    let held = index.len()?;
    if held != count as u64 {
        return Err(format!("the index holds {held} articles, not {count}").into());
    }
    println!(
        "indexed {count} articles of {WORDS_PER_ARTICLE} words in {indexing:.2?} ({:.0} articles/s); \
         phrase query: {} hits in {query:.2?}",
        count as f64 / indexing.as_secs_f64(),
        hits.len()
    );
    Ok(())
}
