//! Words of a text with what the name rules need to know about each: its
//! shape (capitalised, an acronym, an initial), whether it opens a
//! sentence, and whether a comma or other break stands before it.

/// One word of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word as written, without surrounding punctuation and without a
    /// trailing possessive ("Keller's" is "Keller").
    pub text: String,
    /// Opens a sentence (first word, or after `.`, `!`, `?`, `:`, a line
    /// break or an opening quote that follows one of these).
    pub sentence_start: bool,
    /// Punctuation (a comma, bracket, quote, dash) separates it from the
    /// word before, so no name runs across.
    pub break_before: bool,
    /// [`super::fold`] of the text, made the first time a rule asks: the
    /// rules look at a word and its neighbours many times over.
    folded: std::cell::OnceCell<String>,
    /// [`shape_of`] the text, which the rules ask of most words several
    /// times.
    shape: Shape,
}

/// How a word looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// An upper-case letter, then at least one lower-case one: "Keller",
    /// "McAllister", "Jean-Luc", "O'Brien".
    Capitalised,
    /// Two to six capitals, digits or `&`, at least two letters: "NATO",
    /// "EU", "G7", "AT&T", "U.S.".
    Acronym,
    /// One capital with a dot: "J." (a middle initial).
    Initial,
    /// A lower-case prefix joined by a hyphen or apostrophe to a
    /// capitalised word: "al-Rashid", "d'Alembert", "van't Hoff" is not.
    Prefixed,
    /// Anything else: lower-case words, numbers.
    Other,
}

impl Token {
    fn new(text: String, sentence_start: bool, break_before: bool) -> Token {
        Token {
            shape: shape_of(&text),
            text,
            sentence_start,
            break_before,
            folded: std::cell::OnceCell::new(),
        }
    }

    /// The word folded for comparison with lists: lower case, no diacritics
    /// (see [`super::fold`]).
    pub fn folded(&self) -> &str {
        self.folded.get_or_init(|| super::fold(&self.text))
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Whether the word can be part of a name by its looks.
    pub fn is_name_like(&self) -> bool {
        !matches!(self.shape(), Shape::Other)
    }
}

pub fn shape_of(word: &str) -> Shape {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return Shape::Other;
    };
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if word.len() >= 2 && word.ends_with('.') && letters == 1 && first.is_uppercase() {
        return Shape::Initial;
    }
    // The word without its dots ("U.S." is "US").
    let compact = || word.chars().filter(|c| *c != '.');
    if (2..=6).contains(&compact().count())
        && letters >= 2
        && compact().all(|c| c.is_uppercase() || c.is_ascii_digit() || c == '&')
    {
        return Shape::Acronym;
    }
    if first.is_uppercase() && word.chars().any(|c| c.is_lowercase()) {
        return Shape::Capitalised;
    }
    if first.is_lowercase() {
        if let Some(split) = word.find(['-', '\'', '’']) {
            let (prefix, rest) = word.split_at(split);
            let rest = &rest[rest.chars().next().map_or(0, char::len_utf8)..];
            if prefix.chars().count() <= 4 && rest.chars().next().is_some_and(char::is_uppercase) {
                return Shape::Prefixed;
            }
        }
    }
    Shape::Other
}

/// Splits a text into words. Letters, digits and the joiners inside a
/// word (hyphen, apostrophe, `&`, the dots of "U.S." or "J.") stay in it;
/// everything else separates words, and punctuation other than a space
/// marks a break.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    // The state before the next word.
    let mut sentence_start = true;
    let mut break_before = true;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let joins = match c {
            c if c.is_alphanumeric() => true,
            '-' | '\'' | '’' | '&' => !word.is_empty() && next.is_some_and(char::is_alphanumeric),
            // "U.S." and "J." keep their dots; a full stop after a longer
            // word ends it.
            '.' => !word.is_empty() && is_abbreviation_dot(&word, next),
            _ => false,
        };
        if joins {
            word.push(c);
            i += 1;
            continue;
        }
        if !word.is_empty() {
            push_word(&mut tokens, &mut word, sentence_start, break_before);
            sentence_start = false;
            break_before = false;
        }
        match c {
            '.' | '!' | '?' | ':' | ';' | '\n' | '…' => {
                sentence_start = true;
                break_before = true;
            }
            c if c.is_whitespace() => {}
            _ => break_before = true,
        }
        i += 1;
    }
    if !word.is_empty() {
        push_word(&mut tokens, &mut word, sentence_start, break_before);
    }
    tokens
}

/// Whether a dot after `word` belongs to it: a single capital ("J."), or
/// a dotted acronym in the making ("U.S", "U.N").
fn is_abbreviation_dot(word: &str, next: Option<char>) -> bool {
    // Titles and the like whose dot ends no sentence: "Mr. Keller",
    // "St. Aldric", "Dr. Lund".
    const ABBREVIATIONS: &[&str] = &[
        "mr", "mrs", "ms", "dr", "st", "prof", "jr", "sr", "sra", "srta", "gen", "lt", "col", "capt", "sgt", "rev",
        "mt", "ft", "dott", "sig", "ing", "avv", "dhr", "mevr", "mme", "mlle", "hr", "fr", "nr", "no",
    ];
    if next.is_some_and(char::is_whitespace) && ABBREVIATIONS.contains(&word.to_lowercase().as_str()) {
        return true;
    }
    let letters: Vec<char> = word.chars().filter(|c| *c != '.').collect();
    let single_capitals = word.split('.').all(|part| {
        let mut c = part.chars();
        matches!((c.next(), c.next()), (Some(f), None) if f.is_uppercase())
    });
    single_capitals && letters.len() <= 4 && next.is_none_or(|n| !n.is_lowercase())
}

/// French and Italian elisions written before a word: "l'Union",
/// "dell'Interno", "d'Orvanie".
const ELISIONS: &[&str] = &[
    "l", "d", "dell", "dall", "nell", "sull", "all", "un", "qu", "j", "s", "n",
];

fn push_word(tokens: &mut Vec<Token>, word: &mut String, sentence_start: bool, break_before: bool) {
    let mut text = std::mem::take(word);
    if let Some(split) = text.find(['\'', '’']) {
        let (prefix, rest) = text.split_at(split);
        let mark = rest.chars().next().map_or(0, char::len_utf8);
        let after = &rest[mark..];
        if ELISIONS.contains(&prefix) && after.chars().next().is_some_and(char::is_alphabetic) {
            tokens.push(Token::new(
                text[..split + mark].to_string(),
                sentence_start,
                break_before,
            ));
            tokens.push(Token::new(after.to_string(), false, false));
            return;
        }
    }
    for suffix in ["'s", "’s"] {
        if text.len() > suffix.len() + 1 && text.ends_with(suffix) {
            text.truncate(text.len() - suffix.len());
        }
    }
    tokens.push(Token::new(text, sentence_start, break_before));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn keeps_joined_words_and_drops_possessives() {
        assert_eq!(
            words("Keller's plan, Jean-Luc O'Brien and AT&T."),
            ["Keller", "plan", "Jean-Luc", "O'Brien", "and", "AT&T"]
        );
        assert_eq!(
            words("the U.S. and J. R. Tolkien"),
            ["the", "U.S.", "and", "J.", "R.", "Tolkien"]
        );
        let tokens = tokenize("Mr. Keller met Dr. Lund at St. Aldric.");
        assert_eq!(tokens[0].text, "Mr.");
        assert!(!tokens[1].sentence_start && !tokens[1].break_before);
        assert_eq!(tokens[6].text, "St.");
    }

    #[test]
    fn marks_sentence_starts_and_breaks() {
        let tokens = tokenize("Rain fell. \"The mayor, Ana Ruiz, spoke\"");
        let starts: Vec<bool> = tokens.iter().map(|t| t.sentence_start).collect();
        assert_eq!(starts, [true, false, true, false, false, false, false]);
        let breaks: Vec<bool> = tokens.iter().map(|t| t.break_before).collect();
        assert_eq!(breaks, [true, false, true, false, true, false, true]);
    }

    #[test]
    fn tells_shapes_apart() {
        assert_eq!(shape_of("Keller"), Shape::Capitalised);
        assert_eq!(shape_of("NATO"), Shape::Acronym);
        assert_eq!(shape_of("U.S."), Shape::Acronym);
        assert_eq!(shape_of("J."), Shape::Initial);
        assert_eq!(shape_of("al-Rashid"), Shape::Prefixed);
        assert_eq!(shape_of("d'Alembert"), Shape::Prefixed);
        let elided: Vec<String> = tokenize("l'Union dell'Interno O'Brien")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(elided, ["l'", "Union", "dell'", "Interno", "O'Brien"]);
        assert_eq!(shape_of("mayor"), Shape::Other);
        assert_eq!(shape_of("A"), Shape::Other);
        assert_eq!(shape_of("2024"), Shape::Other);
    }
}
