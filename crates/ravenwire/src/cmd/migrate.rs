//! `ravenwire migrate --to postgres://…`: the data folder's SQLite store
//! copied into an empty PostgreSQL database, ids and all.

use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use store::PgStore;

use crate::data::{shown_url, DataDir};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The PostgreSQL database to fill (postgres://user:password@host/db);
    /// it must hold no sources or articles yet.
    #[arg(long, value_name = "URL")]
    to: String,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    if data.database_url().is_some() {
        anyhow::bail!(
            "migrate copies the data folder's SQLite store: leave out --database (and RAVENWIRE_DATABASE_URL)"
        );
    }
    data.require_existing()?;
    let from = data.root().join("ravenwire.sqlite");
    // No import may write while the copy reads.
    let Some(_lock) = data.lock_ingest("migrate", false).await? else {
        return Ok(ExitCode::from(crate::data::EXIT_BUSY));
    };
    let target = PgStore::connect(&args.to)
        .await
        .with_context(|| format!("cannot open the database {}", shown_url(&args.to)))?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}").expect("static progress template is valid"),
    );
    let copied = store::copy::sqlite_to_postgres(&from, &target, |table, rows| {
        bar.set_message(format!("{table}: {rows} rows"));
        bar.tick();
    })
    .await
    .with_context(|| format!("copying {} into {}", from.display(), shown_url(&args.to)))?;
    bar.finish_and_clear();
    let counts = store::copy::postgres_counts(&target).await?;
    for ((table, rows), (_, now)) in copied.tables.iter().zip(&counts) {
        if rows != now {
            anyhow::bail!("{table}: copied {rows} rows but the database holds {now}");
        }
    }
    let total: u64 = copied.tables.iter().map(|(_, n)| n).sum();
    eprintln!("copied {total} rows into {}:", shown_url(&args.to));
    for (table, rows) in &copied.tables {
        if *rows > 0 {
            eprintln!("  {table}: {rows}");
        }
    }
    eprintln!(
        "the search index and the story engine's snapshot in {} stay valid; use --database {} from now on",
        data.root().display(),
        shown_url(&args.to)
    );
    target.close().await;
    Ok(ExitCode::SUCCESS)
}
