//! Stories: duplicates, clustering, related stories and provenance. Pure and
//! deterministic: documents in, assignments out, no I/O.

use model::{Assignment, Document};

/// The streaming story engine.
#[derive(Debug, Default)]
pub struct StoryEngine {}

impl StoryEngine {
    /// Assigns one new document.
    pub fn add(&mut self, _doc: &Document) -> Assignment {
        todo!()
    }
}
