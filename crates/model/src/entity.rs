//! What kind of thing a named entity is; shared by the entity rules
//! (`stories`), the store and the web.

use serde::{Deserialize, Serialize};

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Person,
    Organisation,
    Place,
}

impl EntityKind {
    /// The kind's name as stored and shown: `person`, `organisation`,
    /// `place`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organisation => "organisation",
            EntityKind::Place => "place",
        }
    }

    /// The kind with this name ([`EntityKind::as_str`]).
    pub fn from_name(name: &str) -> Option<EntityKind> {
        match name {
            "person" => Some(EntityKind::Person),
            "organisation" => Some(EntityKind::Organisation),
            "place" => Some(EntityKind::Place),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EntityKind;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in [EntityKind::Person, EntityKind::Organisation, EntityKind::Place] {
            assert_eq!(EntityKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(EntityKind::from_name("planet"), None);
    }
}
