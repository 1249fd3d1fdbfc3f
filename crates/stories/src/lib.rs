//! Stories: duplicates, republications, story clustering, related stories
//! and provenance. Pure and deterministic: documents in, assignments out,
//! no I/O and no clock.
//!
//! Each document passes two stages in [`StoryEngine::add`]. Copy detection
//! (canonical URL, exact fingerprint, MinHash/LSH resemblance and sampled
//! shingle containment) links a copy to the earliest document it copies and
//! puts it in that story. Everything else is compared, by IDF-weighted
//! cosine over title, body and names, with the centroids of recent stories
//! found through a capped inverted index, and joins the best one above a
//! threshold or starts a new story.

mod canonical;
mod config;
mod engine;
mod error;
mod fingerprint;
mod hash;
mod minhash;
mod provenance;
mod temporal;
mod terms;
mod text;

pub use canonical::canonical_url;
pub use config::Config;
pub use engine::{EngineStats, StoryEngine};
pub use error::Error;
pub use fingerprint::content_fingerprint;
pub use temporal::{event_dates, DatePrecision, EventDate};
