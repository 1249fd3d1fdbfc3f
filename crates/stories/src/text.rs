//! Tokenisation shared by fingerprints, shingles and term vectors.
//!
//! Words are maximal runs of alphanumeric characters, so any language that
//! separates words by spaces or punctuation works without word lists.

/// One word of a text, lower-cased, with what casing tells about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    pub lower: String,
    /// Starts with an upper-case letter.
    pub capitalised: bool,
    /// First word of a sentence or paragraph, where capitals say nothing.
    pub sentence_start: bool,
}

pub(crate) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut capitalised = false;
    let mut at_boundary = true;
    let mut word_starts_sentence = true;
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if current.is_empty() {
                capitalised = ch.is_uppercase();
                word_starts_sentence = at_boundary;
                at_boundary = false;
            }
            current.extend(ch.to_lowercase());
            continue;
        }
        if !current.is_empty() {
            out.push(Word {
                lower: std::mem::take(&mut current),
                capitalised,
                sentence_start: word_starts_sentence,
            });
        }
        // Quotes and colons also open a fresh capitalised phrase in news text.
        if matches!(ch, '.' | '!' | '?' | '\n' | ':' | '"' | '“' | '”' | '。' | '！' | '？') {
            at_boundary = true;
        }
    }
    if !current.is_empty() {
        out.push(Word {
            lower: current,
            capitalised,
            sentence_start: word_starts_sentence,
        });
    }
    out
}

/// Whether a word carries enough meaning to be a term: single ASCII letters
/// ("s" from "Beck's", "a") do not; single CJK characters or digits may.
pub(crate) fn is_term(word: &str) -> bool {
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (None, _) => false,
        (Some(c), None) => !c.is_ascii_alphabetic(),
        _ => true,
    }
}

/// Text folded for exact comparison: case, whitespace and punctuation ignored.
pub(crate) fn normalised(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.lower);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_punctuation_and_marks_sentence_starts() {
        let ws = words("The Senate met. Obama spoke; \"Biden\" left.");
        let lower: Vec<&str> = ws.iter().map(|w| w.lower.as_str()).collect();
        assert_eq!(lower, ["the", "senate", "met", "obama", "spoke", "biden", "left"]);
        assert!(ws[0].sentence_start && ws[0].capitalised);
        assert!(!ws[1].sentence_start && ws[1].capitalised);
        assert!(ws[3].sentence_start);
        assert!(ws[5].sentence_start, "a quote opens a phrase");
        assert!(!ws[6].capitalised);
    }

    #[test]
    fn handles_non_latin_scripts() {
        let ws = words("Ведомости сообщили: Москва");
        assert_eq!(ws.len(), 3);
        assert_eq!(ws[2].lower, "москва");
        assert!(ws[2].capitalised);
    }

    #[test]
    fn normalised_folds_case_space_and_punctuation() {
        assert_eq!(normalised("  Hello,\n\tWORLD!! "), "hello world");
        assert_eq!(normalised("hello world"), normalised("Hello — world."));
    }

    #[test]
    fn short_latin_letters_are_not_terms() {
        assert!(!is_term("s"));
        assert!(is_term("7"));
        assert!(is_term("us"));
        assert!(is_term("日"));
    }
}
