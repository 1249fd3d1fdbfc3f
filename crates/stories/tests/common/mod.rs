//! Shared helpers for the stories crate's integration tests.

pub mod provenance_set;
