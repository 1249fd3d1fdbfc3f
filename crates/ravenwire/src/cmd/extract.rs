//! `ravenwire extract --jsonl`: extraction alone, one JSON line per page.
//!
//! Benchmarks call this command, so its output is a contract:
//! `{"path","url","title","text","published","authors","language","site_name"}`
//! for a page, `{"path","error"}` for a page that fails.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON lines (the only format for now; kept explicit so that
    /// other formats can come without breaking scripts).
    #[arg(long, required = true)]
    jsonl: bool,
    /// Files and folders (read recursively, in sorted order).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let inputs = gather::list_inputs(&args.paths)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failures = 0usize;
    for input in &inputs {
        for page in gather::read_input(input) {
            let line = match page {
                Ok(page) => {
                    match extract::extract_with_charset(&page.body, page.url.as_deref(), page.charset.as_deref()) {
                        Ok(article) => json!({
                            "path": page.origin,
                            "url": article.canonical_url.or(article.url).or(page.url),
                            "title": article.title,
                            "text": article.text,
                            "published": article.published.map(|t| t.to_string()),
                            "authors": article.authors,
                            "language": article.language,
                            "site_name": article.site_name,
                        }),
                        Err(e) => {
                            failures += 1;
                            json!({"path": page.origin, "error": e.to_string()})
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    json!({"path": input.path.display().to_string(), "error": e.to_string()})
                }
            };
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    if failures > 0 {
        eprintln!("{failures} page(s) failed; see the \"error\" lines");
    }
    Ok(ExitCode::SUCCESS)
}
