//! `ravenwire token`: API tokens for `Authorization: Bearer` on the API's
//! writes (and reads, on a private site). Only a token's SHA-256 is kept,
//! so a token is shown once, when it is made.

use std::process::ExitCode;

use anyhow::Context;
use chrono::SecondsFormat;
use store::ApiToken;

use crate::data::DataDir;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Make a token named NAME and print it, alone on the last line.
    Create {
        /// What the token is for (unique), e.g. "feed-bot".
        name: String,
    },
    /// List the tokens: id, name, when made and last used (never the tokens).
    List,
    /// Revoke a token, by name or id.
    Revoke {
        /// The token's name or id, as `ravenwire token list` shows them.
        token: String,
    },
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Create { name } => create(data, name.trim()).await,
        Command::List => list(data).await,
        Command::Revoke { token } => revoke(data, token.trim()).await,
    }
}

async fn create(data: &DataDir, name: &str) -> anyhow::Result<ExitCode> {
    if name.is_empty() || name.chars().any(char::is_control) {
        anyhow::bail!("a token needs a name without control characters, e.g. `ravenwire token create feed-bot`");
    }
    let token = web::auth::new_api_token().map_err(anyhow::Error::msg)?;
    let store = data.open_store().await?;
    let id = match store
        .create_api_token(name, &web::auth::token_hash(&token), chrono::Utc::now())
        .await
    {
        Ok(id) => id,
        Err(store::Error::Conflict(_)) => anyhow::bail!(
            "a token named {name:?} exists; pick another name or revoke it first (`ravenwire token revoke {name}`)"
        ),
        Err(e) => return Err(e).context("cannot store the token"),
    };
    println!("API token {name:?} (id {id}) made. It is shown only now; send it as `Authorization: Bearer TOKEN`:");
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn list(data: &DataDir) -> anyhow::Result<ExitCode> {
    data.require_existing()?;
    let store = data.open_store().await?;
    let tokens = store.api_tokens().await?;
    if tokens.is_empty() {
        eprintln!("no API tokens; make one with `ravenwire token create NAME`");
    }
    for token in &tokens {
        let used = token.last_used_at.map(time).unwrap_or_else(|| "never".to_string());
        println!(
            "{:>5} {}: made {}, last used {used}",
            token.id,
            token.name,
            time(token.created_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The token that `wanted` names: an exact name first, else an id.
fn find<'a>(tokens: &'a [ApiToken], wanted: &str) -> Option<&'a ApiToken> {
    tokens.iter().find(|t| t.name == wanted).or_else(|| {
        wanted
            .parse::<i64>()
            .ok()
            .and_then(|id| tokens.iter().find(|t| t.id.0 == id))
    })
}

async fn revoke(data: &DataDir, wanted: &str) -> anyhow::Result<ExitCode> {
    data.require_existing()?;
    let store = data.open_store().await?;
    let tokens = store.api_tokens().await?;
    let Some(token) = find(&tokens, wanted) else {
        anyhow::bail!("no API token {wanted:?} (see `ravenwire token list` for names and ids)");
    };
    if !store.revoke_api_token(token.id).await? {
        anyhow::bail!("token {} ({}) was revoked meanwhile", token.id, token.name);
    }
    println!("revoked API token {} ({})", token.id, token.name);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::ApiTokenId;

    fn token(id: i64, name: &str) -> ApiToken {
        ApiToken {
            id: ApiTokenId(id),
            name: name.to_string(),
            created_at: chrono::Utc::now(),
            last_used_at: None,
        }
    }

    #[test]
    fn a_token_is_named_by_name_before_id() {
        let tokens = [token(1, "7"), token(7, "bot")];
        assert_eq!(find(&tokens, "bot").map(|t| t.id.0), Some(7));
        assert_eq!(find(&tokens, "7").map(|t| t.id.0), Some(1), "the name wins");
        assert_eq!(find(&tokens, "1").map(|t| t.id.0), Some(1));
        assert!(find(&tokens, "nobody").is_none());
    }
}
