//! The pipeline: carries pages through extract → stories → store → index.
//!
//! Stages never call each other or storage; this crate hands each one what it
//! needs and records what comes back. It is also where time and the network
//! enter: callers pass pages in, and the pipeline stamps them.

mod check;
mod convert;
mod crash;
mod entities;
mod error;
mod follow;
mod gathering;
mod index_queue;
mod ingest;
mod overlap;
mod related;
mod snapshot;
mod storing;
mod story_keys;
mod timings;
mod warm;

pub use check::{Repairs, SnapshotState, Survey};
pub use error::{Error, Result};
pub use follow::{behind, follow, Followed};
pub use gathering::{
    subscribe, subscribe_unchecked, Bounds, CycleReport, FeedSummary, GatherConfig, PollResult, SourceReport,
    SubscribeError, Subscribed, Waiting, WebSubConfig, WebSubPush,
};
pub use ingest::{Outcome, Pipeline, Recovery};
pub use storing::{store_page, ExtractedPage};
pub use timings::StageTimes;
