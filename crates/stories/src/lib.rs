//! Stories: duplicates, republications, story clustering, related stories
//! and provenance. Pure and deterministic: documents in, assignments out,
//! no I/O and no clock.
//!
//! Each document passes three stages in [`StoryEngine::add`]. Its story may
//! be revised while the story is open to review (see below), and its
//! provenance when an earlier original arrives after it
//! ([`StoryEngine::revised`] lists both). Copy detection (canonical URL,
//! exact fingerprint, MinHash/LSH resemblance and sampled shingle
//! containment; for headline-only items, the same headline from another
//! outlet within days) links a copy to the earliest document it copies and
//! puts it in that story. Everything else is compared, by IDF-weighted cosine
//! over title and body words (Snowball stems in the document's language)
//! and names, with the centroids and recent members of
//! stories in the time window, found through a capped inverted index. A
//! story and a document that each repeat a name the other never mentions
//! (two arrests of different players, one champion's fights against
//! different challengers) are look-alike events, not one story: their
//! similarity is halved, and cut by a quarter when both give decimal
//! figures (magnitudes, rates) and share none. A document in another
//! language joins on shared rare names and numbers ("anchors", counted only
//! once written in two languages or more, since German capitalises every
//! noun) when the dates are close. Last, dates written in the text
//! ([`event_dates`]) that put the events months before publication send a
//! document to the earlier story it matches, flagged re-dated.
//!
//! A stream must decide on the first report of a second, look-alike event
//! (another outage of the same cable system, another arrest of a celebrity)
//! while nothing yet competes with the first event's story, and it often
//! joins it. So a story stays open to review until it holds
//! [`Config::review_members`] documents: at checkpoints its originals'
//! similarity graph is bisected by its Fiedler vector, and a normalised cut
//! below [`Config::split_cut`] splits the side without the first report off
//! as a story of its own, copies following their originals. The same test
//! run the other way reunites two open stories that a new document
//! resembles both, when their union would not be split between them (one
//! event that started as two stories, or was split too early).
//!
//! State is bounded by time, not corpus size: stories leaving the window
//! are reduced to small digests and documents past the copy horizon are
//! dropped ([`StoryEngine::stats`] reports the sizes). Nothing touched in
//! the last few thousand arrivals is let go, so an archive imported out of
//! date order keeps its stories; a document dated far behind the stream
//! still finds its archived story by the story's digest.
//!
//! The whole state can be written to a caller's stream and read back
//! ([`StoryEngine::save_snapshot`], [`StoryEngine::load_snapshot`]), so that
//! a process goes on where the last one stopped instead of replaying every
//! document it was given.

mod canonical;
mod config;
mod engine;
pub mod entities;
mod error;
mod fingerprint;
mod hash;
mod minhash;
mod provenance;
mod review;
mod stem;
mod temporal;
mod terms;
mod text;

pub use canonical::canonical_url;
pub use config::Config;
pub use engine::memory::MemoryUse;
pub use engine::{EngineStats, StoryEngine};
pub use error::Error;
pub use fingerprint::content_fingerprint;
pub use temporal::{event_dates, DatePrecision, EventDate};
