//! Shared types only: what one stage hands to the next.
//!
//! Nothing here does I/O or knows about storage or HTTP; the only HTML is
//! the escaper every crate that writes markup shares. Every other
//! crate depends on this one, and this one depends on nothing of ours, so the
//! types stay small and stable.

mod article;
mod document;
mod entity;
pub mod html;
pub mod opml;
mod source;
mod time;

pub use article::Article;
pub use document::{Assignment, Document, Provenance};
pub use entity::EntityKind;
pub use source::{unchecked_kind, Source, SourceKind};
pub use time::{Timestamp, TimestampError};
