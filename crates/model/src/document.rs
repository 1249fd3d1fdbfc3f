//! The story engine's input: a page or a bare feed headline.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// One document as the stories stage sees it. It is deliberately smaller than
/// [`crate::Article`]: a feed entry with only a headline is a document too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub published: Option<Timestamp>,
    /// The outlet (site name or host).
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// ISO 639-1 code when known.
    #[serde(default)]
    pub language: Option<String>,
}

/// Where a document stands relative to the rest of its story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Not known to copy anything seen before.
    #[default]
    Original,
    /// Repeats an earlier document's text (wire copy, scrape, syndication).
    Copy,
    /// A copy, or a report of old events, presented as new well after the
    /// story first appeared.
    Redated,
}

/// The stories stage's verdict on one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: String,
    /// The story key: the id of the first document of the story. Written as
    /// `cluster` in JSON, the name the benchmark scorers read.
    #[serde(rename = "cluster")]
    pub story_key: String,
    /// The id of the original this document copies.
    pub copy_of: Option<String>,
    /// True for a re-dated copy: see [`Provenance::Redated`].
    pub redated: bool,
}

impl Assignment {
    pub fn provenance(&self) -> Provenance {
        if self.redated {
            Provenance::Redated
        } else if self.copy_of.is_some() {
            Provenance::Copy
        } else {
            Provenance::Original
        }
    }
}
