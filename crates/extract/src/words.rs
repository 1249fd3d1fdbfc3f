//! Which of several word lists occur in short strings such as class names.
//!
//! Class and id values are tested against dozens of words on every element;
//! one Aho-Corasick pass per value replaces a substring search per word,
//! which had cost more than the rest of the walks that use it.

use aho_corasick::AhoCorasick;

/// Up to eight word lists, matched as substrings in any ASCII case.
pub(crate) struct WordLists {
    finder: AhoCorasick,
    /// For each distinct word, one bit per list that holds it.
    lists_of_word: Vec<u8>,
}

impl WordLists {
    pub(crate) fn new(lists: &[&[&str]]) -> Self {
        assert!(lists.len() <= 8, "a u8 holds one bit per list");
        let mut words: Vec<&str> = Vec::new();
        let mut lists_of_word: Vec<u8> = Vec::new();
        for (bit, list) in lists.iter().enumerate() {
            for word in *list {
                let at = words.iter().position(|w| w == word).unwrap_or_else(|| {
                    words.push(word);
                    lists_of_word.push(0);
                    words.len() - 1
                });
                lists_of_word[at] |= 1 << bit;
            }
        }
        let finder = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&words)
            .expect("word lists are plain strings");
        WordLists { finder, lists_of_word }
    }

    /// Bit `i` is set when some word of list `i` occurs in one of `texts`.
    pub(crate) fn lists_in<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> u8 {
        let mut found = 0;
        for text in texts {
            for m in self.finder.find_overlapping_iter(text) {
                found |= self.lists_of_word[m.pattern().as_usize()];
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_list_with_a_word_in_any_case() {
        let lists = WordLists::new(&[&["comment", "share"], &["comments", "related"], &["body"]]);
        assert_eq!(lists.lists_in(["post-Comments"]), 0b011);
        assert_eq!(lists.lists_in(["x", "ArticleBody"]), 0b100);
        assert_eq!(lists.lists_in(["socialshare relatedLinks"]), 0b011);
        assert_eq!(lists.lists_in(["main"]), 0);
    }
}
