//! Speed of the entity rules, and the entity keys of a set of documents.
//!
//!     cargo run --release -p ravenwire-stories --example entities_bench -- IN.jsonl [--keys]
//!
//! Reads JSON lines (`title`?, `text`?, `language`?), runs
//! `entities::extract_entities` on each (three passes, the first a warm-up)
//! and prints documents per second and the bytes read per second. With
//! `--keys` it prints each document's id and language-independent entity
//! keys instead, one JSON line each.

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use ravenwire_stories::entities::{entity_keys, extract_entities};

type BoxError = Box<dyn std::error::Error>;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        return Err("usage: entities_bench IN.jsonl [--keys]".into());
    };
    let keys = args.iter().any(|a| a == "--keys");
    let mut docs = Vec::new();
    for line in BufReader::new(std::fs::File::open(path)?).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let row: serde_json::Value = serde_json::from_str(&line)?;
        let field = |name: &str| row[name].as_str().unwrap_or("").to_string();
        docs.push((
            field("id"),
            field("title"),
            field("text"),
            row["language"].as_str().map(str::to_string),
        ));
    }
    if keys {
        let mut out = std::io::stdout().lock();
        for (id, title, text, language) in &docs {
            let keys = entity_keys(title, text, language.as_deref());
            writeln!(out, "{}", serde_json::json!({"id": id, "keys": keys}))?;
        }
        return Ok(());
    }
    let bytes: usize = docs.iter().map(|d| d.1.len() + d.2.len()).sum();
    let mut found = 0;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        for (_, title, text, language) in &docs {
            found += extract_entities(title, text, language.as_deref()).len();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{} documents, {:.1} MB: {:.0} documents/s, {:.1} MB/s (best of 3), {} entities a pass",
        docs.len(),
        bytes as f64 / 1e6,
        docs.len() as f64 / best,
        bytes as f64 / 1e6 / best,
        found / 3
    );
    Ok(())
}
