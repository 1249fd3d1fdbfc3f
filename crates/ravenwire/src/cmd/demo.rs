//! `ravenwire demo`: a temporary data folder preloaded with the fictional
//! sample corpus built into the binary, served offline.

use std::process::ExitCode;

use include_dir::{include_dir, Dir};

use crate::data::DataDir;

/// Fictional sample news written for this project: see `demo/README.md`.
static CORPUS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/demo");

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    server: super::serve::ServerArgs,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let folder = tempfile::Builder::new().prefix("ravenwire-demo-").tempdir()?;
    let data = DataDir::new(folder.path().to_path_buf(), None)?;
    // The folder is new and private, but the demo's import runs the story
    // engine like any other and takes the lock like any other.
    let lock = data.lock_ingest("demo", false).await?;
    let mut pipeline = data.open_pipeline().await?;
    let tally = super::import::run_pages(&mut pipeline, corpus_pages()).await?;
    drop(lock);
    eprintln!("demo data in {} (removed on exit)", data.root().display());
    tally.print();
    let store = pipeline.store().clone();
    let index = data.open_index()?;
    drop(pipeline);
    // Serving returns on SIGINT and SIGTERM alike, and `folder` is removed
    // as it goes out of scope here.
    super::serve::serve(store, index, &args.server, None).await
}

/// The corpus as pages, in path order so the demo is the same every time.
fn corpus_pages() -> Vec<gather::Page> {
    let mut files = Vec::new();
    collect_html(&CORPUS, &mut files);
    files.sort_by(|a, b| a.path().cmp(b.path()));
    files
        .into_iter()
        .map(|file| gather::Page {
            origin: format!("demo/{}", file.path().display()),
            url: None,
            body: file.contents().to_vec(),
            charset: None,
            status: None,
            fetched_at: None,
        })
        .collect()
}

fn collect_html<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "html") {
            out.push(file);
        }
    }
    for sub in dir.dirs() {
        collect_html(sub, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_built_in() {
        let pages = corpus_pages();
        assert!(pages.len() >= 30, "only {} demo pages", pages.len());
        assert!(pages.iter().all(|p| p.origin.starts_with("demo/")));
    }
}
