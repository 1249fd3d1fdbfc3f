//! Store errors.

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open the database at {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("already stored: {0}")]
    Conflict(String),
    /// The caller asked for something that cannot be stored as given.
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
