//! Checks a visitor's query, and mends what tantivy's grammar would refuse, before the grammar sees it.
//!
//! tantivy's query grammar is a recursive-descent parser: every `(` (also
//! after a field, `title:(...)`) and every `NOT` takes another level of the
//! thread's stack, and so do the passes over the tree it builds (rewriting,
//! building the query, dropping it). A query nested a few thousand levels
//! deep overflows a 2 MiB thread stack, which aborts the whole process.
//! Quotes, `+`/`-`, boosts, ranges and sets are read in loops and nest
//! nothing. [`prepare`] measures the nesting in one flat pass and refuses a
//! query deeper than [`MAX_QUERY_DEPTH`] or longer than [`MAX_QUERY_CHARS`]
//! before any recursive code runs.
//!
//! It also mends what people type that the grammar refuses:
//! - an apostrophe inside or around a word (`O'Brien`, `don't`, `l'Europe`)
//!   is part of the word, where the grammar would start a single-quoted
//!   phrase; the tokenizer then splits it as it split the article's text;
//! - a slash is part of a word (`9/11`, `km/h`), where the grammar would
//!   start a regular expression, which this index does not run; a regular
//!   expression can span spaces and double quotes, so it would also hide
//!   where phrases end from this pass;
//! - a double quote left open closes at the end of the query;
//! - a phrase glued to a word (`the"big"one`) is set apart from it;
//! - a backslash with nothing after it is dropped.

use tantivy::query_grammar::{UserInputAst, UserInputLeaf};

/// The longest query searched, in characters. Real searches are a few
/// words; this still takes a pasted paragraph.
pub const MAX_QUERY_CHARS: usize = 2_000;
/// How deeply a query may nest parentheses and `NOT`s. Each level costs
/// the grammar and the query builder some stack; 32 levels stay far below
/// the 2 MiB of a worker thread even in a debug build, and no person writes
/// more.
pub const MAX_QUERY_DEPTH: usize = 32;

/// What the grammar is told when it still cannot read a mended query.
pub(crate) const SYNTAX_HINT: &str = "the query language cannot read it: look for an AND, OR, NOT, + or - \
     with no word after it, a field with no value (`title:`), or a stray ^ : [ ] { } character";

/// A query the grammar can read without nesting deeper than
/// [`MAX_QUERY_DEPTH`], or why the query is refused.
pub(crate) fn prepare(query: &str) -> Result<String, String> {
    let mut scan = Scan::default();
    let mut chars = query.chars().enumerate().peekable();
    while let Some((at, c)) = chars.next() {
        let at = at + 1; // Positions in messages count from 1.
        match c {
            '\\' => {
                // An escaped character belongs to the word; a backslash with
                // nothing after it would be a syntax error.
                if let Some((_, next)) = chars.next() {
                    scan.word_char('\\');
                    scan.word_char(next);
                }
            }
            '\'' | '/' => {
                scan.word.push(c);
                scan.out.push('\\');
                scan.out.push(c);
            }
            '(' => {
                scan.end_word()?;
                let levels = 1 + scan.nots;
                scan.nots = 0;
                scan.depth += levels;
                if scan.depth > MAX_QUERY_DEPTH {
                    return Err(too_deep(at));
                }
                scan.open.push((levels, at));
                scan.out.push('(');
            }
            ')' => {
                scan.end_word()?;
                let Some((levels, _)) = scan.open.pop() else {
                    return Err(format!("the ')' at character {at} closes no '('"));
                };
                scan.depth -= levels;
                scan.nots = 0;
                scan.out.push(')');
            }
            '"' => {
                scan.end_word()?;
                scan.nots = 0;
                if scan
                    .out
                    .chars()
                    .next_back()
                    .is_some_and(|c| !c.is_whitespace() && !"(:+-".contains(c))
                {
                    scan.out.push(' ');
                }
                scan.out.push('"');
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => {
                            if let Some((_, next)) = chars.next() {
                                scan.out.push('\\');
                                scan.out.push(next);
                            }
                        }
                        c => scan.out.push(c),
                    }
                }
                scan.out.push('"');
                let glued = chars
                    .peek()
                    .is_some_and(|&(_, c)| !c.is_whitespace() && !")~*^".contains(c));
                if closed && glued {
                    scan.out.push(' ');
                }
            }
            c if c.is_whitespace() => {
                scan.end_word()?;
                scan.out.push(c);
            }
            c => scan.word_char(c),
        }
    }
    scan.end_word()?;
    if let Some(&(_, at)) = scan.open.last() {
        return Err(format!("the '(' at character {at} is never closed"));
    }
    let length = query.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(format!(
            "it is {length} characters long, and a query may have at most {MAX_QUERY_CHARS}"
        ));
    }
    Ok(scan.out)
}

fn too_deep(at: usize) -> String {
    format!(
        "it nests parentheses and NOTs more than {MAX_QUERY_DEPTH} levels deep \
         (at character {at})"
    )
}

/// The state of [`prepare`]'s one pass.
#[derive(Default)]
struct Scan {
    /// The mended query.
    out: String,
    /// The bare word being read, to spot `NOT`.
    word: String,
    /// Levels of nesting open here: one per open parenthesis and per `NOT`
    /// that applies to it.
    depth: usize,
    /// `NOT`s in a row just read, each nesting what follows one level more.
    nots: usize,
    /// For each open parenthesis, the levels it added and where it is.
    open: Vec<(usize, usize)>,
}

impl Scan {
    fn word_char(&mut self, c: char) {
        self.word.push(c);
        self.out.push(c);
    }

    fn end_word(&mut self) -> Result<(), String> {
        if self.word.trim_start_matches(['+', '-']) == "NOT" {
            self.nots += 1;
            if self.depth + self.nots > MAX_QUERY_DEPTH {
                let at = self.out.chars().count();
                return Err(too_deep(at));
            }
        } else if !self.word.is_empty() {
            self.nots = 0;
        }
        self.word.clear();
        Ok(())
    }
}

/// Refuses what parses but cannot run on this index: `field:*` ("has the
/// field") needs fast fields, which the text fields are not. The tree is at
/// most [`MAX_QUERY_DEPTH`] deep, so recursing over it is safe.
pub(crate) fn check_supported(ast: &UserInputAst) -> Result<(), String> {
    match ast {
        UserInputAst::Clause(clauses) => clauses.iter().try_for_each(|(_, child)| check_supported(child)),
        UserInputAst::Boost(inner, _) => check_supported(inner),
        UserInputAst::Leaf(leaf) => match leaf.as_ref() {
            UserInputLeaf::Exists { field } => Err(format!(
                "`{field}:*` (any value in {field}) is not supported; search for words in it instead"
            )),
            _ => Ok(()),
        },
    }
}

/// A query as error messages show it: quoted, and cut short when long.
pub fn shown_query(query: &str) -> String {
    const SHOWN_CHARS: usize = 80;
    let length = query.chars().count();
    if length <= SHOWN_CHARS {
        return format!("{query:?}");
    }
    let head: String = query.chars().take(SHOWN_CHARS).collect();
    format!("{head:?}… ({length} characters)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apostrophes_are_part_of_words() {
        assert_eq!(prepare("O'Brien").unwrap(), "O\\'Brien");
        assert_eq!(prepare("don't l'Europe '").unwrap(), "don\\'t l\\'Europe \\'");
    }

    #[test]
    fn slashes_are_part_of_words() {
        assert_eq!(prepare("9/11 km/h").unwrap(), "9\\/11 km\\/h");
        // Read as a regular expression, `/a"/` would leave the parentheses
        // after it live while this pass reads them as inside a phrase.
        assert_eq!(prepare("title:/a\"/ ((").unwrap(), "title:\\/a \"/ ((\"");
    }

    #[test]
    fn an_open_double_quote_closes_at_the_end() {
        assert_eq!(prepare("\"climate finance").unwrap(), "\"climate finance\"");
        assert_eq!(prepare("\"").unwrap(), "\"\"");
        assert_eq!(prepare("\"a\\").unwrap(), "\"a\"");
        // Inside a phrase, apostrophes and parentheses are plain text.
        assert_eq!(prepare("\"O'Brien (said\"").unwrap(), "\"O'Brien (said\"");
    }

    #[test]
    fn phrases_glued_to_words_are_set_apart() {
        assert_eq!(prepare("the\"big\"one").unwrap(), "the \"big\" one");
        assert_eq!(prepare("title:\"a b\"~2 +\"c\"*").unwrap(), "title:\"a b\"~2 +\"c\"*");
    }

    #[test]
    fn escapes_stay_and_a_trailing_backslash_goes() {
        assert_eq!(prepare("a\\(b\\").unwrap(), "a\\(b");
        assert_eq!(prepare("\\\\").unwrap(), "\\\\");
    }

    #[test]
    fn nesting_counts_parentheses_and_nots() {
        let ok = format!("{}a{}", "(".repeat(MAX_QUERY_DEPTH), ")".repeat(MAX_QUERY_DEPTH));
        assert!(prepare(&ok).is_ok());
        let deep = format!("({ok})");
        let err = prepare(&deep).unwrap_err();
        assert!(err.contains("32 levels deep (at character 33)"), "{err}");
        let nots = format!("a {}b", "NOT ".repeat(MAX_QUERY_DEPTH + 1));
        assert!(prepare(&nots).unwrap_err().contains("levels deep"));
        let mixed = format!("a {}b", "NOT (".repeat(MAX_QUERY_DEPTH / 2 + 1));
        assert!(prepare(&mixed).unwrap_err().contains("levels deep"));
        // NOTs side by side do not nest.
        let flat = format!("a {}", "NOT b ".repeat(100));
        assert!(prepare(&flat).is_ok());
        // Parentheses inside a phrase are text.
        assert!(prepare(&format!("\"{}\"", "(".repeat(100))).is_ok());
    }

    #[test]
    fn unbalanced_parentheses_are_named() {
        assert_eq!(prepare("a) b").unwrap_err(), "the ')' at character 2 closes no '('");
        assert_eq!(
            prepare("x (a (b)").unwrap_err(),
            "the '(' at character 3 is never closed"
        );
    }

    #[test]
    fn overlong_queries_are_refused() {
        assert!(prepare(&"a ".repeat(MAX_QUERY_CHARS / 2)).is_ok());
        let err = prepare(&"ab ".repeat(MAX_QUERY_CHARS)).unwrap_err();
        assert!(err.contains("6000 characters long"), "{err}");
    }

    #[test]
    fn long_queries_are_cut_short_in_messages() {
        assert_eq!(shown_query("a b"), "\"a b\"");
        let shown = shown_query(&"x".repeat(500));
        assert!(shown.ends_with("… (500 characters)"), "{shown}");
        assert!(shown.chars().count() < 110, "{shown}");
    }
}
