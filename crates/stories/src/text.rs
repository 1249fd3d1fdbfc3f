//! Tokenisation shared by fingerprints, shingles and term vectors.
//!
//! Words are maximal runs of alphanumeric characters, so any language that
//! separates words by spaces or punctuation works without word lists.

use std::borrow::Cow;

/// One word of a text, lower-cased, with what casing tells about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    /// Borrowed from the text when it is lower-case ASCII already, as most
    /// words are: splitting a long body then allocates only for the rest.
    pub lower: Cow<'a, str>,
    /// Starts with an upper-case letter.
    pub capitalised: bool,
    /// First word of a sentence or paragraph, where capitals say nothing.
    pub sentence_start: bool,
}

pub(crate) fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::with_capacity(text.len() / 6);
    let mut current = String::with_capacity(32);
    let mut start = 0;
    let mut as_written = true;
    let mut capitalised = false;
    let mut at_boundary = true;
    let mut word_starts_sentence = true;
    let mut finish = |current: &mut String, start: usize, end: usize, as_written: bool, capitalised, sentence_start| {
        let lower = if as_written {
            Cow::Borrowed(&text[start..end])
        } else {
            Cow::Owned(current.as_str().to_owned())
        };
        out.push(Word {
            lower,
            capitalised,
            sentence_start,
        });
        current.clear();
    };
    for (at, ch) in text.char_indices() {
        if ch.is_alphanumeric() {
            if current.is_empty() {
                start = at;
                as_written = true;
                capitalised = ch.is_uppercase();
                word_starts_sentence = at_boundary;
                at_boundary = false;
            }
            if ch.is_ascii() {
                as_written &= !ch.is_ascii_uppercase();
                current.push(ch.to_ascii_lowercase());
            } else {
                as_written = false;
                current.extend(ch.to_lowercase());
            }
            continue;
        }
        if !current.is_empty() {
            finish(&mut current, start, at, as_written, capitalised, word_starts_sentence);
        }
        // Quotes and colons also open a fresh capitalised phrase in news text.
        if matches!(ch, '.' | '!' | '?' | '\n' | ':' | '"' | '“' | '”' | '。' | '！' | '？') {
            at_boundary = true;
        }
    }
    if !current.is_empty() {
        finish(
            &mut current,
            start,
            text.len(),
            as_written,
            capitalised,
            word_starts_sentence,
        );
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

/// Latin letters without their accents, so "Kastrovie" and "Kastrovië",
/// "Düren" and "Duren" meet.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Letters of a name stem: enough to tell names apart, few enough that
/// inflected and translated forms ("Kastrovia", "Kastrovien", "Kastrovie";
/// "Ormand", "ormandais") share it.
const STEM_CHARS: usize = 6;

/// Evidence that crosses languages: stems of names (capitalised words
/// inside sentences) and numbers written with their separators folded
/// ("3,800" and "3.800" are 3800; "4.25" and "4,25" are 4.25). Single
/// digits are left out: every text has them.
pub(crate) fn anchors(text: &str, words: &[Word]) -> Vec<String> {
    let mut out: Vec<String> = words
        .iter()
        .filter(|w| w.capitalised && !w.sentence_start && w.lower.chars().count() >= 4)
        .filter(|w| w.lower.chars().all(char::is_alphabetic))
        .map(|w| w.lower.chars().map(fold).take(STEM_CHARS).collect())
        .collect();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut groups: Vec<String> = vec![String::new()];
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_digit() {
                if let Some(g) = groups.last_mut() {
                    g.push(c);
                }
            } else if matches!(c, '.' | ',') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                groups.push(String::new());
            } else {
                break;
            }
            i += 1;
        }
        if chars.get(i).is_some_and(|c| c.is_alphabetic()) {
            continue; // "3D", "5G": a label, not a quantity.
        }
        let number = if groups.len() > 1 && groups[1..].iter().all(|g| g.len() == 3) {
            groups.concat()
        } else if groups.len() == 2 {
            format!("{}.{}", groups[0], groups[1])
        } else {
            groups.join(".")
        };
        if number.len() >= 2 {
            out.push(format!("#{number}"));
        }
    }
    out
}

/// A language id for a document: its declared language when given (the
/// primary subtag), else a guess from the commonest function words of
/// English, German, French and Spanish. `None` when the text is too short
/// or too mixed to tell.
pub(crate) fn language_of(declared: Option<&str>, words: &[Word]) -> Option<u32> {
    const CODES: [&str; 4] = ["en", "de", "fr", "es"];
    if let Some(code) = declared {
        let primary = code.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        if !primary.is_empty() {
            return Some(match CODES.iter().position(|&c| c == primary) {
                Some(i) => i as u32,
                None => 4 + (crate::hash::hash_bytes(primary.as_bytes(), 7) % 1_000) as u32,
            });
        }
    }
    const FUNCTION_WORDS: [&[&str]; 4] = [
        &[
            "the", "and", "of", "to", "is", "that", "for", "with", "was", "on", "said", "from",
        ],
        &[
            "der", "die", "und", "das", "den", "nicht", "mit", "sich", "des", "ist", "dem", "auf",
        ],
        &[
            "le", "la", "les", "et", "est", "une", "du", "dans", "pour", "qui", "pas", "sur",
        ],
        &[
            "el", "los", "las", "y", "que", "del", "por", "una", "con", "para", "se", "al",
        ],
    ];
    let mut hits = [0usize; 4];
    for w in words.iter().take(400) {
        for (lang, list) in FUNCTION_WORDS.iter().enumerate() {
            if list.contains(&w.lower.as_ref()) {
                hits[lang] += 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..4).collect();
    order.sort_by_key(|&l| std::cmp::Reverse(hits[l]));
    let (best, second) = (hits[order[0]], hits[order[1]]);
    (best >= 5 && best >= 2 * second).then_some(order[0] as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_punctuation_and_marks_sentence_starts() {
        let ws = words("The Senate met. Obama spoke; \"Biden\" left.");
        let lower: Vec<&str> = ws.iter().map(|w| w.lower.as_ref()).collect();
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
    fn anchors_fold_names_and_numbers_across_languages() {
        let en = "Officials in Kastrovia said 3,800 workers struck and the rate rose to 4.25 percent.";
        let de = "In Kastrovien streikten 3.800 Arbeiter, der Satz stieg auf 4,25 Prozent.";
        let a = anchors(en, &words(en));
        let b = anchors(de, &words(de));
        for shared in ["kastro", "#3800", "#4.25"] {
            assert!(
                a.contains(&shared.to_string()) && b.contains(&shared.to_string()),
                "{shared}: {a:?} {b:?}"
            );
        }
        assert!(!a.iter().any(|x| x == "#3"), "single digits are not anchors");
        let labels = "A 5G mast and 3D printer in 1211.";
        assert_eq!(anchors(labels, &words(labels)), ["#1211"]);
    }

    #[test]
    fn language_is_declared_or_guessed() {
        let de = words("Der Streik hat die Stadt und den Hafen lahmgelegt, sagte die Gewerkschaft mit Nachdruck auf der Kundgebung.");
        let en = words("The strike has shut the port and the city, the union said on Monday with force for the crowd.");
        assert_eq!(language_of(None, &de), Some(1));
        assert_eq!(language_of(None, &en), Some(0));
        assert_eq!(language_of(Some("fr-CA"), &en), Some(2));
        assert_eq!(language_of(None, &words("Storm hits coast")), None);
    }

    #[test]
    fn short_latin_letters_are_not_terms() {
        assert!(!is_term("s"));
        assert!(is_term("7"));
        assert!(is_term("us"));
        assert!(is_term("日"));
    }
}
