//! `ravenwire serve`: the web front page and JSON API.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;

use crate::data::DataDir;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

pub async fn run(data: &DataDir, args: Args) -> anyhow::Result<ExitCode> {
    let state = web::AppState {
        store: data.open_store().await?,
        index: data.open_index()?,
    };
    serve(state, args.addr).await
}

/// Binds, prints the URL to open, and serves until interrupted.
pub async fn serve(state: web::AppState, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    println!("ravenwire is serving at http://{local}/");
    web::serve(listener, state).await?;
    Ok(ExitCode::SUCCESS)
}
