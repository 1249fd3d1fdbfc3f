//! Runs the story engine over a benchmark file and prints one assignment per
//! line, for `score.py`:
//!
//!     cargo run --release -p ravenwire-stories --example cluster_bench -- IN.jsonl > PRED.jsonl
//!
//! `--synthetic N` instead feeds N generated documents and reports docs/s on
//! stderr.

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use model::Document;
use ravenwire_stories::{Config, StoryEngine};

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, n] if flag == "--synthetic" => synthetic(n.parse()?),
        [path] => bench(path),
        _ => Err("usage: cluster_bench IN.jsonl | --synthetic N".into()),
    }
}

fn bench(path: &str) -> Result<(), BoxError> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut engine = StoryEngine::new(Config::default());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let started = Instant::now();
    let mut count = 0usize;
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let mut value: serde_json::Value = serde_json::from_str(&line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        if let Some(obj) = value.as_object_mut() {
            // The answers must not reach the engine.
            obj.remove("story");
            obj.remove("topic");
        }
        let doc: Document = serde_json::from_value(value).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        let a = engine.add(&doc);
        let row = serde_json::json!({
            "id": a.id, "cluster": a.cluster, "copy_of": a.copy_of, "redated": a.redated,
        });
        writeln!(out, "{row}")?;
        count += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{count} documents in {secs:.2}s ({:.0} docs/s)",
        count as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// A deterministic stream: stories of 1–8 documents drawn from a Zipf-like
/// vocabulary, each story with its own topic words and names, a quarter of
/// the documents being lightly edited copies.
fn synthetic(n: usize) -> Result<(), BoxError> {
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let common: Vec<String> = (0..5_000).map(|i| format!("w{i}")).collect();
    let mut docs = Vec::with_capacity(n);
    let mut story = 0usize;
    while docs.len() < n {
        story += 1;
        let topic: Vec<String> = (0..30).map(|i| format!("t{story}x{i}")).collect();
        let names: Vec<String> = (0..4).map(|i| format!("Name{story}n{i}")).collect();
        let size = 1 + (next() % 8) as usize;
        let mut first_body = String::new();
        for k in 0..size {
            let mut body = String::new();
            if k > 0 && next() % 4 == 0 {
                body = first_body.replacen("w1 ", "w2 ", 3);
            } else {
                for _ in 0..400 {
                    let r = next() % 100;
                    let word = if r < 70 {
                        let zipf = (next() % 5_000) as f64;
                        &common[(zipf * zipf / 5_000.0) as usize]
                    } else if r < 92 {
                        &topic[(next() % 30) as usize]
                    } else {
                        &names[(next() % 4) as usize]
                    };
                    body.push_str(word);
                    body.push(' ');
                }
            }
            if k == 0 {
                first_body = body.clone();
            }
            let day = 1 + (story / 50) % 28;
            docs.push(Document {
                id: format!("s{story}d{k}"),
                title: Some(format!("{} {} {}", topic[0], names[0], topic[1])),
                text: body,
                published: format!("2024-03-{day:02}").parse().ok(),
                source: Some(format!("outlet{}", k % 5)),
                url: Some(format!("https://outlet{}.example/{story}/{k}", k % 5)),
                language: None,
            });
        }
    }
    docs.truncate(n);
    let mut engine = StoryEngine::new(Config::default());
    let started = Instant::now();
    let mut stories = std::collections::HashSet::new();
    for doc in &docs {
        stories.insert(engine.add(doc).cluster);
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{n} synthetic documents (400 words) in {secs:.2}s: {:.0} docs/s, {} stories found for {story} made",
        n as f64 / secs.max(1e-9),
        stories.len()
    );
    Ok(())
}
