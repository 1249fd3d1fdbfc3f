//! The errors that stop a pipeline run as a whole.

/// What can stop the pipeline as a whole. A single bad page is not an error
/// here: it becomes an [`crate::Outcome::Failed`] and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Index(#[from] index::Error),
    #[error(transparent)]
    Gather(#[from] gather::Error),
    #[error("{0}")]
    Feed(String),
    /// A task of the pipeline's own panicked or was cancelled.
    #[error("{0}")]
    Task(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
