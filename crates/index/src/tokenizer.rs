//! Word splitting for news in many languages.
//!
//! tantivy's `SimpleTokenizer` cuts words at every character that is not
//! alphanumeric. That breaks Indic words at the virama and Arabic or Hebrew
//! words at their vowel points, and it turns a whole Chinese or Japanese
//! sentence into one token that no query can match. This tokenizer keeps
//! combining marks inside words and makes each Han or kana character its own
//! token, so that a query in those scripts becomes a phrase of adjacent
//! characters (the query parser does that for any multi-token term).

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Name under which [`text_analyzer`] is registered on the index.
pub(crate) const TEXT_TOKENIZER: &str = "ravenwire_text";
/// Name under which [`keyword_analyzer`] is registered on the index.
pub(crate) const KEYWORD_TOKENIZER: &str = "ravenwire_keyword";
/// Name under which [`NameTokenizer`] is registered on the index.
pub(crate) const NAME_TOKENIZER: &str = "ravenwire_name";

/// Longer "words" are nearly always base64, hashes or glued URLs: noise that
/// only bloats the term dictionary.
const LONGEST_WORD_BYTES: usize = 60;

/// Lowercased, ASCII-folded words, with no stemming: a stemmer is tied to
/// one language, and applying the English one to Spanish or German text
/// would merge unrelated words, so search stays exact-word across languages.
pub(crate) fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_WORD_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The whole value as one lowercased term, so `language:EN` finds `en`.
pub(crate) fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .build()
}

/// A whole name as one term: its words as [`text_analyzer`] finds them,
/// joined by single spaces (`The  Harbour-Gazette` is `the harbour gazette`).
/// A name with no word gives no term.
#[derive(Clone)]
pub(crate) struct NameTokenizer {
    words: TextAnalyzer,
    token: Token,
}

impl Default for NameTokenizer {
    fn default() -> Self {
        Self {
            words: text_analyzer(),
            token: Token::default(),
        }
    }
}

/// The words of `text` as [`NameTokenizer`] joins them.
pub(crate) fn joined_words(words: &mut TextAnalyzer, text: &str) -> String {
    let mut joined = String::new();
    let mut stream = words.token_stream(text);
    while stream.advance() {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(&stream.token().text);
    }
    joined
}

pub(crate) struct NameTokenStream<'a> {
    token: &'a mut Token,
    pending: bool,
}

impl Tokenizer for NameTokenizer {
    type TokenStream<'a> = NameTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NameTokenStream<'a> {
        self.token.reset();
        let joined = joined_words(&mut self.words, text);
        let pending = !joined.is_empty();
        self.token.text = joined;
        self.token.position = 0;
        self.token.offset_from = 0;
        self.token.offset_to = text.len();
        NameTokenStream {
            token: &mut self.token,
            pending,
        }
    }
}

impl TokenStream for NameTokenStream<'_> {
    fn advance(&mut self) -> bool {
        std::mem::take(&mut self.pending)
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[derive(Clone, Default)]
pub(crate) struct WordTokenizer {
    token: Token,
}

pub(crate) struct WordTokenStream<'a> {
    text: &'a str,
    cursor: usize,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        WordTokenStream {
            text,
            cursor: 0,
            token: &mut self.token,
        }
    }
}

impl WordTokenStream<'_> {
    fn emit(&mut self, start: usize, end: usize) {
        self.token.position = self.token.position.wrapping_add(1);
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.text.clear();
        self.token.text.push_str(&self.text[start..end]);
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((start, end)) = next_word(self.text, self.cursor) else {
            self.cursor = self.text.len();
            return false;
        };
        self.cursor = end;
        self.emit(start, end);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The byte range of the first word of `text` at or after `from` (a char
/// boundary): a run of word characters, or one ideograph.
///
/// Most bytes of most news text are ASCII, and they are tested as bytes; a
/// byte of 0x80 or more starts a character that is decoded and tested whole.
fn next_word(text: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let char_at = |i: usize| text[i..].chars().next();
    let mut start = from;
    let first = loop {
        let &b = bytes.get(start)?;
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() {
                break None;
            }
            start += 1;
        } else {
            let c = char_at(start)?;
            if is_word_char(c) || is_ideograph(c) {
                break Some(c);
            }
            start += c.len_utf8();
        }
    };
    let mut end = start + first.map_or(1, char::len_utf8);
    if first.is_some_and(is_ideograph) {
        return Some((start, end));
    }
    while let Some(&b) = bytes.get(end) {
        if b.is_ascii() {
            if !b.is_ascii_alphanumeric() {
                break;
            }
            end += 1;
        } else {
            match char_at(end) {
                Some(c) if is_word_char(c) && !is_ideograph(c) => end += c.len_utf8(),
                _ => break,
            }
        }
    }
    Some((start, end))
}

fn is_word_char(c: char) -> bool {
    // Most characters of most news text are ASCII: they skip the lists.
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Marks that belong to the letter before them. The standard library has no
/// general-category lookup, so this lists the blocks news text actually uses.
fn is_combining_mark(c: char) -> bool {
    let is_indic_punctuation = matches!(c, '\u{0964}' | '\u{0965}' | '\u{0970}' | '\u{0DF4}');
    matches!(c,
        '\u{0300}'..='\u{036F}'   // Latin, Greek, Cyrillic diacritics (decomposed text)
        | '\u{0483}'..='\u{0489}' // Cyrillic
        | '\u{0591}'..='\u{05BD}' | '\u{05BF}' | '\u{05C1}'..='\u{05C2}' | '\u{05C4}'..='\u{05C5}' | '\u{05C7}' // Hebrew points
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' // Arabic
        | '\u{0900}'..='\u{0DFF}' // Indic scripts: viramas, nuktas, vowel signs
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}'
        | '\u{200C}'..='\u{200D}' // zero-width (non-)joiners inside Persian and Indic words
    ) && !is_indic_punctuation
}

/// Scripts written without spaces between words; each character is a token.
fn is_ideograph(c: char) -> bool {
    !c.is_ascii()
        && matches!(c,
            '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
            | '\u{31F0}'..='\u{31FF}' // Katakana extensions
            | '\u{3400}'..='\u{4DBF}' // CJK extension A
            | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
            | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
            | '\u{20000}'..='\u{2FA1F}' // CJK extensions B onwards
        )
        && c != '\u{30FB}' // Katakana middle dot separates words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let mut analyzer = text_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn lowercases_and_folds_accents() {
        assert_eq!(
            words("Élections à São Paulo, MÜNCHEN!"),
            ["elections", "a", "sao", "paulo", "munchen"]
        );
    }

    #[test]
    fn keeps_hindi_words_whole_across_the_virama() {
        // "प्रधानमंत्री" (prime minister) contains viramas that SimpleTokenizer splits on.
        assert_eq!(words("प्रधानमंत्री ने कहा।"), ["प्रधानमंत्री", "ने", "कहा"]);
    }

    #[test]
    fn keeps_arabic_vowel_points_inside_words() {
        assert_eq!(words("مُحَمَّد قال"), ["مُحَمَّد", "قال"]);
    }

    #[test]
    fn splits_chinese_and_japanese_into_characters() {
        assert_eq!(words("北京天气"), ["北", "京", "天", "气"]);
        assert_eq!(words("東京タワー、AI"), ["東", "京", "タ", "ワ", "ー", "ai"]);
    }

    #[test]
    fn positions_and_offsets_follow_the_text() {
        let mut analyzer = text_analyzer();
        let text = "a  北京 bc";
        let mut stream = analyzer.token_stream(text);
        let mut seen = Vec::new();
        while stream.advance() {
            let token = stream.token();
            seen.push((token.position, &text[token.offset_from..token.offset_to]));
        }
        assert_eq!(seen, [(0, "a"), (1, "北"), (2, "京"), (3, "bc")]);
    }

    /// Words as the rules define them, one character at a time: what the
    /// byte-wise scan must agree with.
    fn words_char_by_char(text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut cursor = 0;
        while let Some((skip, first)) = text[cursor..]
            .char_indices()
            .find(|&(_, c)| is_word_char(c) || is_ideograph(c))
        {
            let start = cursor + skip;
            let mut end = start + first.len_utf8();
            if !is_ideograph(first) {
                for c in text[end..].chars() {
                    if !is_word_char(c) || is_ideograph(c) {
                        break;
                    }
                    end += c.len_utf8();
                }
            }
            out.push((start, end));
            cursor = end;
        }
        out
    }

    #[test]
    fn the_bytewise_scan_finds_the_words_the_character_rules_define() {
        let texts = [
            "",
            "   ",
            "plain ASCII, with punctuation; and 2026 numbers!",
            "Élections à São Paulo, MÜNCHEN! naïve café-crème",
            "प्रधानमंत्री ने कहा। मुंबई",
            "مُحَمَّد قال: «نعم»",
            "東京タワー、AI北京2026年x",
            "mixed\u{0301}marks\u{200D}joined ・ katakana・dot",
            "emoji 🙂 between😀words, and \u{FFFD} replacement",
            "trailing word",
            "x",
            "日",
        ];
        for text in texts {
            let mut found = Vec::new();
            let mut cursor = 0;
            while let Some((start, end)) = next_word(text, cursor) {
                found.push((start, end));
                cursor = end;
            }
            assert_eq!(found, words_char_by_char(text), "{text:?}");
        }
        // Every character of the first 0x3100 code points, and a few
        // beyond, between ASCII letters and alone.
        let chars = (0u32..0x3100)
            .chain(0x4E00..0x4E10)
            .chain(0x1F600..0x1F610)
            .filter_map(char::from_u32);
        for c in chars {
            for text in [format!("a{c}b"), format!("{c}"), format!(" {c}{c} ")] {
                let mut found = Vec::new();
                let mut cursor = 0;
                while let Some((start, end)) = next_word(&text, cursor) {
                    found.push((start, end));
                    cursor = end;
                }
                assert_eq!(found, words_char_by_char(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn drops_overlong_tokens() {
        let junk = "x".repeat(LONGEST_WORD_BYTES + 1);
        assert_eq!(words(&format!("keep {junk} this")), ["keep", "this"]);
    }

    #[test]
    fn a_name_is_its_words_joined_as_one_term() {
        let mut tokenizer = NameTokenizer::default();
        let mut stream = tokenizer.token_stream("  The Harbour-GAZETTE, São Paulo ");
        assert!(stream.advance());
        assert_eq!(stream.token().text, "the harbour gazette sao paulo");
        assert!(!stream.advance());
        let mut tokenizer = NameTokenizer::default();
        assert!(!tokenizer.token_stream(" -- ").advance(), "no word, no term");
    }

    #[test]
    fn keyword_is_one_lowercased_term() {
        let mut analyzer = keyword_analyzer();
        let mut stream = analyzer.token_stream("pt-BR");
        assert!(stream.advance());
        assert_eq!(stream.token().text, "pt-br");
        assert!(!stream.advance());
    }
}
