/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("stories config: {name} {why}")]
    InvalidConfig { name: &'static str, why: &'static str },
}
