//! People, organisations and places named in an article, found offline by
//! rules: capitalisation and name shapes in each supported language (en,
//! de, fr, es, it, nl, pt), a built-in gazetteer of countries, major
//! cities and international organisations in all of them, and cue words
//! (titles before people's names, "Ministry", "Partei", "GmbH" in
//! organisations' names, prepositions before places).
//!
//! Each entity has a canonical key that does not depend on the language
//! of the article: the gazetteer's key for listed names ("Deutschland" and
//! "Allemagne" are `place:germany`), otherwise the name folded without
//! case, diacritics and transliteration variants ("Jürgen Müller" and
//! "Juergen Mueller" are `person:jurgen muler`). [`entity_keys`] gives the
//! keys without their kind, for joining reports across languages.
//!
//! Pure and deterministic: the same text always gives the same entities
//! in the same order.

mod fold;
mod gazetteer;
mod lexicon;
mod names;
mod tokens;

pub use fold::{fold, name_key};

/// The version of these rules. Stored with each article's entities, so
/// that a store scanned by older rules is scanned again: raise it when a
/// change alters what the rules find.
pub const RULES_VERSION: u32 = 1;

/// What an entity is.
pub use model::EntityKind;

/// One entity named in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// `kind:name`, the same in every language: `place:germany`,
    /// `person:jan keler`, `organisation:nato`.
    pub key: String,
    /// The name to show: the gazetteer's name, else the fullest form the
    /// text used ("Jan Keller" rather than "Keller").
    pub name: String,
    pub kind: EntityKind,
    /// How many times the text names it (at least 1).
    pub mentions: u32,
}

impl Entity {
    /// The key without its kind, for joining: a place in one report and
    /// an organisation of the same name in another still meet.
    pub fn join_key(&self) -> &str {
        self.key.split_once(':').map_or(self.key.as_str(), |(_, name)| name)
    }
}

/// The entities of an article: its title and text, in `language` (an ISO
/// 639-1 code; German capitalises every noun, so its rules are stricter).
/// Most mentioned first, then by key.
pub fn extract_entities(title: &str, text: &str, language: Option<&str>) -> Vec<Entity> {
    names::extract(title, text, language)
}

/// The canonical keys of the entities in an article, without kinds and
/// sorted, for matching reports across languages (see [`Entity::join_key`]).
pub fn entity_keys(title: &str, text: &str, language: Option<&str>) -> Vec<String> {
    let mut keys: Vec<String> = extract_entities(title, text, language)
        .iter()
        .map(|e| e.join_key().to_string())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Whether a word is a function word (an article, pronoun, preposition,
/// conjunction, auxiliary or frequent adverb) in one of the supported
/// languages, or a word that opens headlines of every kind ("police",
/// "says", "new"): such words tell no story from another.
pub fn is_function_word(word: &str) -> bool {
    lexicon::is_common(&fold(word))
}

#[cfg(test)]
mod tests;
