//! Exact-duplicate fingerprints of body text.

use crate::hash::{hash_bytes, hash_joined};
use crate::text::{normalised, Word};

const FIRST_SEED: u64 = 0x5f1e_0001;

/// A stable 128-bit hex fingerprint of the body text with case, whitespace
/// and punctuation folded, so a re-encoded or re-wrapped copy still matches.
pub fn content_fingerprint(text: &str) -> String {
    let folded = normalised(text);
    let bytes = folded.as_bytes();
    format!(
        "{:016x}{:016x}",
        hash_bytes(bytes, FIRST_SEED),
        hash_bytes(bytes, 0x5f1e_0002)
    )
}

/// The first 64 bits of [`content_fingerprint`], from the text's words as
/// [`crate::text::words`] splits them: the engine has them already, and
/// splitting a long body again costs more than hashing it.
pub(crate) fn fingerprint_key(words: &[Word]) -> u64 {
    hash_joined(words.iter().map(|w| w.lower.as_ref()), FIRST_SEED)
}

/// A headline-only document's key: its headline and whatever short text
/// came with it, word for word, as a syndicated feed item repeats them.
pub(crate) fn headline_key(title: &[Word], text: &[Word]) -> u64 {
    let words = title.iter().map(|w| w.lower.as_ref());
    // The separator keeps a headline's last word from passing as the text's first.
    hash_joined(
        words.chain(["\u{1}"]).chain(text.iter().map(|w| w.lower.as_ref())),
        0x5f1e_0003,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_whitespace_and_punctuation() {
        let a = content_fingerprint("The quick brown fox.\n\nJumps over the dog!");
        let b = content_fingerprint("the  QUICK brown fox — jumps over the dog");
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn key_from_words_is_the_fingerprint_prefix() {
        let text = "Die Straße in Köln, 3,5 km lang: gesperrt!";
        let full = content_fingerprint(text);
        let key = fingerprint_key(&crate::text::words(text));
        assert_eq!(format!("{key:016x}"), full[..16]);
    }

    #[test]
    fn different_words_differ() {
        assert_ne!(
            content_fingerprint("The quick brown fox"),
            content_fingerprint("The quick brown cat")
        );
        assert_ne!(content_fingerprint("ab c"), content_fingerprint("a bc"));
    }
}
