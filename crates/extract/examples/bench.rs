//! Runs the extractor over the shared benchmarks and writes prediction files
//! for their scorers.
//!
//! `cargo run --release -p ravenwire-extract --example bench -- OUT_DIR [BENCH_ROOT]`
//! BENCH_ROOT defaults to `../shared/bench` relative to the workspace root.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn read_gz(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path)?).read_to_end(&mut out)?;
    Ok(out)
}

struct Page {
    id: String,
    url: Option<String>,
    bytes: Vec<u8>,
}

/// Loads every page first so only extraction is timed.
fn load(dir: &Path) -> Result<Vec<Page>, Box<dyn std::error::Error>> {
    // The dates ground truth writes Python's `NaN` for pages without a date.
    let raw = std::fs::read_to_string(dir.join("ground-truth.json"))?.replace(": NaN", ": null");
    let truth: serde_json::Value = serde_json::from_str(&raw)?;
    let mut pages = Vec::new();
    for (id, entry) in truth.as_object().ok_or("ground truth is not an object")? {
        let url = entry.get("url").and_then(|u| u.as_str()).map(str::to_string);
        let bytes = read_gz(&dir.join("html").join(format!("{id}.html.gz")))?;
        pages.push(Page {
            id: id.clone(),
            url,
            bytes,
        });
    }
    Ok(pages)
}

fn run(
    name: &str,
    pages: &[Page],
    field: impl Fn(&ravenwire_extract::Result<model::Article>) -> serde_json::Value,
) -> (serde_json::Map<String, serde_json::Value>, Duration) {
    let mut predictions = serde_json::Map::new();
    let mut elapsed = Duration::ZERO;
    let mut failures = 0;
    for Page { id, url, bytes } in pages {
        let start = Instant::now();
        let article = ravenwire_extract::extract(bytes, url.as_deref());
        elapsed += start.elapsed();
        if article.is_err() {
            failures += 1;
        }
        predictions.insert(id.clone(), field(&article));
    }
    let rate = pages.len() as f64 / elapsed.as_secs_f64();
    println!(
        "{name}: {} pages, {failures} errors, {:.2} s, {rate:.1} pages/s (one thread)",
        pages.len(),
        elapsed.as_secs_f64()
    );
    (predictions, elapsed)
}

/// The bare `trafilatura` crate on the same pages in the same sitting, so
/// the throughput figures compare on equal terms.
fn time_trafilatura_alone(pages: &[Page]) {
    let texts: Vec<String> = pages
        .iter()
        .map(|p| String::from_utf8_lossy(&p.bytes).into_owned())
        .collect();
    let options = trafilatura::Options::default();
    let start = Instant::now();
    for text in &texts {
        let _ = std::hint::black_box(trafilatura::extract(text, &options));
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "  crate trafilatura alone: {:.2} s, {:.1} pages/s (same pages, one thread)",
        elapsed,
        pages.len() as f64 / elapsed
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: bench OUT_DIR [BENCH_ROOT]")?);
    let root = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench"));
    std::fs::create_dir_all(&out)?;

    let pages = load(&root.join("extraction"))?;
    let (bodies, _) = run("extraction", &pages, |a| {
        let text = a.as_ref().map(|a| a.text.clone()).unwrap_or_default();
        serde_json::json!({ "articleBody": text })
    });
    std::fs::write(out.join("extraction.json"), serde_json::to_vec_pretty(&bodies)?)?;
    time_trafilatura_alone(&pages);

    let pages = load(&root.join("dates"))?;
    let (dates, _) = run("dates", &pages, |a| {
        let day = a.as_ref().ok().and_then(|a| a.published).map(|t| t.day().to_string());
        serde_json::json!({ "published": day })
    });
    std::fs::write(out.join("dates.json"), serde_json::to_vec_pretty(&dates)?)?;
    println!(
        "wrote {} and {}",
        out.join("extraction.json").display(),
        out.join("dates.json").display()
    );
    Ok(())
}
