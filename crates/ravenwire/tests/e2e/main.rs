//! The end-to-end tests in one binary: each module drives the real
//! `ravenwire` binary through one area (import, search, serve, feeds,
//! the API, workers, crashes...). One binary rather than one per file
//! links the whole stack once, which keeps the test build short.

mod common;

mod admin_auth;
mod bad_input;
mod bench_corpus;
mod browser;
mod cluster_cli;
mod crash;
mod crash_random;
mod damaged_warc;
mod demo;
mod extract_cli;
mod feeds;
mod follow;
mod gather_hostile;
mod gather_scheduler;
mod gather_sources;
mod gather_ssrf;
mod import_search_serve;
mod index_upgrade;
mod ingest_lock;
mod postgres;
mod server_limits;
mod warc_and_data_folder;
mod worker;
