//! One module per subcommand of the `ravenwire` binary.

pub mod add;
pub mod admin;
pub mod check;
pub mod cluster;
pub mod demo;
pub mod enqueue;
pub mod extract;
pub mod fetch;
pub mod import;
pub mod migrate;
pub mod opml;
pub mod reindex;
pub mod remove;
pub mod search;
pub mod serve;
pub mod sources;
pub mod token;
pub mod worker;
