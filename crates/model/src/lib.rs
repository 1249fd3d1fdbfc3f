//! Shared types only: what one stage hands to the next.
//!
//! Nothing here does I/O or knows about storage, HTTP or HTML. Every other
//! crate depends on this one, and this one depends on nothing of ours, so the
//! types stay small and stable.

mod article;
mod document;
mod source;
mod time;

pub use article::Article;
pub use document::{Assignment, Document, Provenance};
pub use source::{Source, SourceKind};
pub use time::{Timestamp, TimestampError};
