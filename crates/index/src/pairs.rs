//! Word pairs: phrase search through terms as rare as the phrase.
//!
//! A phrase query reads the positions of every document that holds all of
//! its words, and it cannot skip: tantivy's phrase scorer has no score
//! bound per block, so the best-first search must score every document that
//! holds the phrase's words. News phrases are made of common words ("prime
//! minister", "interest rates"), so at a million articles a phrase cost
//! several times what a single word did, and phrases were the slowest
//! searches (p99 113 to 142 ms under 20 clients, against 22 to 30 ms for
//! one word).
//!
//! The title and the text are therefore indexed a second time as the pairs
//! of adjacent words ("prime minister" is one term), the way search engines
//! index shingles; with frequencies, without positions.
//! - A phrase of two words is that one term: its postings are as short as
//!   the phrase is rare, and best-first search skips the blocks that cannot
//!   reach the top, as for a single word. It is scored as one term (BM25
//!   with the pair's own document frequency), where tantivy scored the
//!   phrase from its words' frequencies.
//! - A longer phrase stays the phrase over words, which scores it as
//!   before, and must also have every one of its pairs in the same field.
//!   That requirement scores nothing, but it leads the search to the few
//!   documents that hold every pair, and only theirs have positions read.
//!
//! Which documents match does not change: two words are adjacent in a
//! field exactly when their pair is among the field's pairs. Phrases with
//! a slop (`"a b"~2`) or a prefix (`"a b"*`), and words the analyzer splits
//! with a gap (an overlong word between them), are left to the phrase query
//! over words. Snippets mark the words of the query as written.

use ordered_float::OrderedFloat;
use tantivy::query::Occur;
use tantivy::query_grammar::{Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::tokenizer::{BoxTokenStream, TextAnalyzer, Token, TokenStream, Tokenizer};

use crate::tokenizer::text_analyzer;

/// Name under which [`PairTokenizer`] is registered on the index.
pub(crate) const PAIR_TOKENIZER: &str = "ravenwire_pairs";

/// The field that holds the pairs of each field searched by default.
pub(crate) const TITLE_PAIRS: &str = "title_pairs";
pub(crate) const TEXT_PAIRS: &str = "text_pairs";

/// Adjacent words of the text analyzer's output, two at a time, joined by
/// a space (which no word contains).
#[derive(Clone)]
pub(crate) struct PairTokenizer {
    words: TextAnalyzer,
    token: Token,
}

impl Default for PairTokenizer {
    fn default() -> Self {
        Self {
            words: text_analyzer(),
            token: Token::default(),
        }
    }
}

pub(crate) struct PairTokenStream<'a> {
    words: BoxTokenStream<'a>,
    /// The word before the current one, if it may start a pair.
    previous: Option<Token>,
    token: &'a mut Token,
}

impl Tokenizer for PairTokenizer {
    type TokenStream<'a> = PairTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairTokenStream<'a> {
        self.token.reset();
        PairTokenStream {
            words: self.words.token_stream(text),
            previous: None,
            token: &mut self.token,
        }
    }
}

impl TokenStream for PairTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while self.words.advance() {
            let word = self.words.token();
            let adjacent = self
                .previous
                .as_ref()
                .filter(|previous| word.position == previous.position.wrapping_add(1));
            let paired = if let Some(previous) = adjacent {
                self.token.text.clear();
                self.token.text.push_str(&previous.text);
                self.token.text.push(' ');
                self.token.text.push_str(&word.text);
                self.token.position = previous.position;
                self.token.offset_from = previous.offset_from;
                self.token.offset_to = word.offset_to;
                true
            } else {
                false
            };
            // The word becomes the one before the next, reusing the buffer.
            let previous = self.previous.get_or_insert_with(Token::default);
            previous.text.clear();
            previous.text.push_str(&word.text);
            previous.position = word.position;
            previous.offset_from = word.offset_from;
            previous.offset_to = word.offset_to;
            if paired {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// `ast` with every exact phrase over the title or the text (or both, by
/// default) searched through their pairs. The tree is at most
/// [`crate::MAX_QUERY_DEPTH`] deep, so recursing over it is safe.
pub(crate) fn through_pairs(ast: UserInputAst, words: &mut TextAnalyzer) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, child)| (occur, through_pairs(child, words)))
                .collect(),
        ),
        UserInputAst::Boost(inner, boost) => UserInputAst::Boost(Box::new(through_pairs(*inner, words)), boost),
        UserInputAst::Leaf(leaf) => match *leaf {
            UserInputLeaf::Literal(literal) => match pairs_of(&literal, words) {
                Some(pairs) => phrase_through_pairs(literal, &pairs),
                None => UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(literal))),
            },
            other => UserInputAst::Leaf(Box::new(other)),
        },
    }
}

/// A phrase of one pair is that pair's term, in the title's pairs and the
/// text's (or the one field named). A longer phrase stays the phrase over
/// words, which scores it, and must also have all its pairs in one field:
/// that requirement scores nothing but leads the search to the few
/// documents that hold every pair, where the words' positions are read.
fn phrase_through_pairs(literal: UserInputLiteral, pairs: &[String]) -> UserInputAst {
    let fields: &[&str] = match literal.field_name.as_deref() {
        Some(crate::TITLE) => &[TITLE_PAIRS],
        Some(crate::TEXT) => &[TEXT_PAIRS],
        _ => &[TITLE_PAIRS, TEXT_PAIRS],
    };
    let pair_in = |field: &str, pair: &str| {
        UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(UserInputLiteral {
            field_name: Some(field.to_string()),
            phrase: pair.to_string(),
            delimiter: Delimiter::DoubleQuotes,
            slop: 0,
            prefix: false,
        })))
    };
    let any_field = |each: &dyn Fn(&str) -> UserInputAst| match fields {
        [one] => each(one),
        _ => UserInputAst::Clause(fields.iter().map(|field| (Some(Occur::Should), each(field))).collect()),
    };
    if let [pair] = pairs {
        return any_field(&|field| pair_in(field, pair));
    }
    let all_pairs = any_field(&|field| {
        UserInputAst::Clause(
            pairs
                .iter()
                .map(|pair| (Some(Occur::Must), pair_in(field, pair)))
                .collect(),
        )
    });
    UserInputAst::Clause(vec![
        (
            Some(Occur::Must),
            UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(literal))),
        ),
        (
            Some(Occur::Must),
            UserInputAst::Boost(Box::new(all_pairs), OrderedFloat(0.0)),
        ),
    ])
}

/// The adjacent pairs of words of `literal`, each as the stretch of its
/// text that holds them, when it is an exact phrase of two or more adjacent
/// words in the title, the text or both; `None` otherwise.
fn pairs_of(literal: &UserInputLiteral, words: &mut TextAnalyzer) -> Option<Vec<String>> {
    let in_searched_field = matches!(
        literal.field_name.as_deref(),
        None | Some(crate::TITLE) | Some(crate::TEXT)
    );
    if !in_searched_field || literal.slop != 0 || literal.prefix {
        return None;
    }
    let text = &literal.phrase;
    let mut stream = words.token_stream(text);
    let mut pairs = Vec::new();
    let mut last: Option<(usize, usize)> = None;
    while stream.advance() {
        let token = stream.token();
        if let Some((position, from)) = last {
            if token.position != position.wrapping_add(1) {
                return None;
            }
            pairs.push(text[from..token.offset_to].to_string());
        }
        last = Some((token.position, token.offset_from));
    }
    (!pairs.is_empty()).then_some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(usize, String, String)> {
        let mut tokenizer = PairTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = stream.token();
            out.push((
                token.position,
                token.text.clone(),
                text[token.offset_from..token.offset_to].to_string(),
            ));
        }
        out
    }

    #[test]
    fn pairs_are_adjacent_words_at_the_first_ones_position() {
        assert_eq!(
            pairs("The Prime Minister, São Paulo"),
            [
                (0, "the prime".to_string(), "The Prime".to_string()),
                (1, "prime minister".to_string(), "Prime Minister".to_string()),
                (2, "minister sao".to_string(), "Minister, São".to_string()),
                (3, "sao paulo".to_string(), "São Paulo".to_string()),
            ]
        );
        assert!(pairs("alone").is_empty());
        assert!(pairs("").is_empty());
        // Each Han character is a word, so Chinese pairs are character bigrams.
        let han: Vec<String> = pairs("北京天气").into_iter().map(|(_, pair, _)| pair).collect();
        assert_eq!(han, ["北 京", "京 天", "天 气"]);
    }

    #[test]
    fn no_pair_spans_a_dropped_word() {
        let junk = "x".repeat(100);
        let found: Vec<String> = pairs(&format!("one {junk} two three"))
            .into_iter()
            .map(|(_, pair, _)| pair)
            .collect();
        assert_eq!(found, ["two three"]);
    }

    fn rewritten(query: &str) -> String {
        let ast = tantivy::query_grammar::parse_query(query).unwrap();
        format!("{:?}", through_pairs(ast, &mut text_analyzer()))
    }

    #[test]
    fn exact_phrases_go_to_the_pairs_and_the_rest_stays() {
        let both = rewritten("\"prime minister\"");
        assert!(both.contains("title_pairs") && both.contains("text_pairs"), "{both}");
        assert!(rewritten("title:\"prime minister\"").contains("title_pairs"));
        assert!(!rewritten("title:\"prime minister\"").contains("text_pairs"));
        // Glued words such as O'Brien or 9/11 are phrases of their parts.
        assert!(rewritten("O\\'Brien").contains("pairs"));
        for kept in [
            "minister",
            "\"minister\"",
            "\"prime minister\"~2",
            "\"prime min\"*",
            "source:\"valley post\"",
        ] {
            assert!(!rewritten(kept).contains("pairs"), "{kept}: {}", rewritten(kept));
        }
    }

    mod search {
        use proptest::prelude::*;

        use crate::{IndexedArticle, SearchIndex};

        const WORDS: [&str; 5] = ["port", "strike", "ends", "Port", "ÉNDS"];

        fn article(id: i64, title: &[usize], text: &[usize]) -> IndexedArticle {
            let join = |words: &[usize]| words.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" ");
            IndexedArticle {
                id,
                title: join(title),
                text: join(text),
                url: format!("https://news.example/{id}"),
                source: "Harbour Gazette".to_string(),
                language: Some("en".to_string()),
                published: Some(1_700_000_000 + id),
                story: None,
            }
        }

        /// The words as the analyzer folds them: case and accents aside.
        fn folded(word: usize) -> usize {
            match WORDS[word] {
                "Port" => 0,
                "ÉNDS" => 2,
                _ => word,
            }
        }

        fn holds(words: &[usize], phrase: &[usize]) -> bool {
            let words: Vec<usize> = words.iter().map(|&w| folded(w)).collect();
            let phrase: Vec<usize> = phrase.iter().map(|&w| folded(w)).collect();
            words.windows(phrase.len()).any(|window| window == phrase.as_slice())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]

            /// A phrase searched through the pairs finds exactly the
            /// articles whose title or text holds its words in a row.
            #[test]
            fn a_phrase_through_the_pairs_finds_exactly_the_adjacent_words(
                docs in prop::collection::vec(
                    (prop::collection::vec(0..5usize, 0..4), prop::collection::vec(0..5usize, 0..12)),
                    1..30,
                ),
                phrase in prop::collection::vec(0..5usize, 2..4),
                field in 0..3usize,
            ) {
                let dir = tempfile::tempdir().unwrap();
                let index = SearchIndex::open(dir.path()).unwrap();
                let mut batch = index.batch().unwrap();
                for (i, (title, text)) in docs.iter().enumerate() {
                    batch.upsert(&article(i as i64 + 1, title, text)).unwrap();
                }
                batch.commit().unwrap();
                let quoted = format!("\"{}\"", phrase.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" "));
                let (query, in_title, in_text) = match field {
                    0 => (quoted, true, true),
                    1 => (format!("title:{quoted}"), true, false),
                    _ => (format!("text:{quoted}"), false, true),
                };
                let mut found: Vec<i64> = index.search(&query, 100).unwrap().iter().map(|hit| hit.id).collect();
                found.sort_unstable();
                let expected: Vec<i64> = docs
                    .iter()
                    .enumerate()
                    .filter(|(_, (title, text))| (in_title && holds(title, &phrase)) || (in_text && holds(text, &phrase)))
                    .map(|(i, _)| i as i64 + 1)
                    .collect();
                prop_assert_eq!(found, expected, "{}", query);
            }
        }

        /// A phrase of three or more words keeps the phrase's own score:
        /// the pairs it must have add nothing to it.
        #[test]
        fn a_longer_phrase_scores_as_the_phrase_over_words() {
            let dir = tempfile::tempdir().unwrap();
            let index = SearchIndex::open(dir.path()).unwrap();
            let mut batch = index.batch().unwrap();
            let texts: [&[usize]; 4] = [&[0, 1, 2, 0, 1, 2], &[0, 1, 2], &[1, 0, 1, 2, 2, 2, 2], &[0, 1, 1, 2]];
            for (i, text) in texts.iter().enumerate() {
                batch.upsert(&article(i as i64 + 1, &[0, 1, 2], text)).unwrap();
            }
            batch.commit().unwrap();
            let searcher = index.reader.searcher();
            let (searched, written) = index.parse("\"port strike ends\"").unwrap();
            let ranked = |query: &dyn tantivy::query::Query| {
                let plan = crate::rank::Plan {
                    combined: query,
                    words: None,
                    narrowings: &[],
                };
                crate::rank::best_first(&searcher, &plan, 10).unwrap()
            };
            let through_pairs = ranked(&*searched);
            assert_eq!(through_pairs.len(), 4);
            assert_eq!(through_pairs, ranked(&*written));
        }

        #[test]
        fn snippets_of_a_phrase_mark_its_words() {
            let dir = tempfile::tempdir().unwrap();
            let index = SearchIndex::open(dir.path()).unwrap();
            let mut batch = index.batch().unwrap();
            batch.upsert(&article(1, &[0], &[1, 0, 1, 2])).unwrap();
            batch.commit().unwrap();
            let hits = index.search("\"port strike\"", 5).unwrap();
            assert_eq!(hits.len(), 1);
            assert!(
                hits[0].snippet_html.contains("<b>port</b> <b>strike</b>"),
                "{}",
                hits[0].snippet_html
            );
        }
    }
}
