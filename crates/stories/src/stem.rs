//! Word stems for the clustering vectors, so that "collapses", "collapsed"
//! and "collapse" count as one term: headlines share few words, and a
//! shared word written in another form was a lost match.
//!
//! The stemmer follows the document's language: the declared one when
//! Snowball knows it, else the one guessed from function words, else
//! English (headlines are too short to guess, and an English stemmer only
//! trims the commonest endings of other languages' words, the same way in
//! every document).

use rust_stemmers::Algorithm;

/// Snowball's algorithm for an ISO 639-1 code (the primary subtag of a
/// language tag).
fn algorithm_for_code(code: &str) -> Option<Algorithm> {
    let primary = code.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
    Some(match primary.as_str() {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

/// The Snowball algorithm for a document. `guessed` is [`crate::text::language_of`]'s
/// id for en, de, fr and es (0 to 3).
pub(crate) fn algorithm_for(declared: Option<&str>, guessed: Option<u32>) -> Option<Algorithm> {
    if let Some(code) = declared.filter(|c| !c.trim().is_empty()) {
        // A declared language Snowball does not cover is left unstemmed
        // rather than cut with another language's rules.
        return algorithm_for_code(code);
    }
    let algorithm = match guessed {
        Some(1) => Algorithm::German,
        Some(2) => Algorithm::French,
        Some(3) => Algorithm::Spanish,
        _ => Algorithm::English,
    };
    Some(algorithm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem(declared: Option<&str>, guessed: Option<u32>, word: &str) -> String {
        match algorithm_for(declared, guessed).map(rust_stemmers::Stemmer::create) {
            Some(s) => s.stem(word).into_owned(),
            None => word.to_string(),
        }
    }

    #[test]
    fn forms_of_a_word_share_a_stem_in_the_documents_language() {
        assert_eq!(stem(None, None, "collapses"), stem(None, None, "collapsed"));
        assert_eq!(stem(Some("en-GB"), None, "strikes"), stem(Some("en"), None, "striking"));
        assert_eq!(stem(Some("de"), None, "brücken"), stem(None, Some(1), "brücke"));
        assert_eq!(stem(None, Some(2), "grèves"), stem(Some("fr"), None, "grève"));
    }

    #[test]
    fn a_language_snowball_lacks_is_left_alone() {
        assert_eq!(stem(Some("ja"), None, "collapses"), "collapses");
        assert_eq!(stem(Some("pl"), Some(0), "mosty"), "mosty");
    }
}
