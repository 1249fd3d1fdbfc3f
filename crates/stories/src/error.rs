//! The story engine's errors: a configuration out of range, or a snapshot refused with its reason.

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("stories config: {name} {why}")]
    InvalidConfig { name: &'static str, why: &'static str },
    /// The input does not start with the snapshot tag.
    #[error("not a story engine snapshot")]
    NotASnapshot,
    #[error("story engine snapshot format {found} is not supported (this build reads format {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    /// The snapshot was made under a different [`crate::Config`]: its
    /// state (signature lengths, postings caps, windows) would not fit.
    #[error("story engine snapshot was made with another configuration")]
    OtherConfig,
    #[error("story engine snapshot is truncated")]
    Truncated,
    #[error("story engine snapshot is corrupt: {0}")]
    Corrupt(String),
    #[error("story engine snapshot: {0}")]
    Io(#[from] std::io::Error),
}
