//! Exact-duplicate fingerprints of body text.

use crate::hash::hash_bytes;
use crate::text::normalised;

/// A stable 128-bit hex fingerprint of the body text with case, whitespace
/// and punctuation folded, so a re-encoded or re-wrapped copy still matches.
pub fn content_fingerprint(text: &str) -> String {
    let folded = normalised(text);
    let bytes = folded.as_bytes();
    format!(
        "{:016x}{:016x}",
        hash_bytes(bytes, 0x5f1e_0001),
        hash_bytes(bytes, 0x5f1e_0002)
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
    fn different_words_differ() {
        assert_ne!(
            content_fingerprint("The quick brown fox"),
            content_fingerprint("The quick brown cat")
        );
        assert_ne!(content_fingerprint("ab c"), content_fingerprint("a bc"));
    }
}
