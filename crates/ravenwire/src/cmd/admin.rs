//! `ravenwire admin set-password`: the one admin's password, hashed with
//! argon2; the sources page and API writes need it (or an API token).

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;

use crate::data::DataDir;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Set or change the admin password, read from standard input (asked
    /// twice, unechoed, on a terminal; one line from a pipe). Changing it
    /// ends every login session.
    SetPassword,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::SetPassword => set_password(data).await,
    }
}

async fn set_password(data: &DataDir) -> anyhow::Result<ExitCode> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New admin password: ").context("cannot read the password")?;
        web::auth::check_new_password(&first).map_err(anyhow::Error::msg)?;
        let second = rpassword::prompt_password("Again: ").context("cannot read the password")?;
        if first != second {
            anyhow::bail!("the two passwords differ; nothing was changed");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.strip_suffix('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .unwrap_or(&line)
            .to_string()
    };
    web::auth::check_new_password(&password).map_err(|e| anyhow::anyhow!("{e}; nothing was changed"))?;
    let phc = tokio::task::spawn_blocking(move || web::auth::hash_password(&password))
        .await?
        .map_err(anyhow::Error::msg)?;
    let store = data.open_store().await?;
    let had_one = store.admin_password_hash().await?.is_some();
    store.set_admin_password_hash(&phc, chrono::Utc::now()).await?;
    if had_one {
        println!("admin password changed; every login session has ended");
    } else {
        println!("admin password set; log in at /login on `ravenwire serve`");
    }
    Ok(ExitCode::SUCCESS)
}
