//! Queries as anyone may type or send them: deeply nested, unbalanced, full of apostrophes and operators.
//! Each either searches or is an `Error::Query` naming the problem; none panics, none overflows a
//! 2 MiB thread stack, and none fails as a server-side error.

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use ravenwire_index::{Error, IndexedArticle, SearchIndex, MAX_QUERY_CHARS, MAX_QUERY_DEPTH};

/// The stack of a tokio blocking thread and of a default Rust thread.
const WORKER_STACK: usize = 2 * 1024 * 1024;

fn article(id: i64, title: &str, text: &str) -> IndexedArticle {
    IndexedArticle {
        id,
        title: title.to_string(),
        text: text.to_string(),
        url: format!("https://news.example/{id}"),
        source: "Reuters".to_string(),
        language: Some("en".to_string()),
        published: Some(1_700_000_000 + id),
        story: Some(id * 10),
    }
}

fn sample_index(dir: &Path) -> SearchIndex {
    let index = SearchIndex::open(dir).unwrap();
    let mut batch = index.batch().unwrap();
    for a in [
        article(
            1,
            "O'Brien wins the by-election",
            "Mary O'Brien said voters don't trust promises.",
        ),
        article(
            2,
            "Sommet à Bruxelles",
            "Les dirigeants de l'Europe se réunissent à Belém.",
        ),
        article(3, "Brien county fair", "The fair opened. O and Brien were not there."),
        article(4, "北京天气", "明天北京有雨。"),
    ] {
        batch.upsert(&a).unwrap();
    }
    batch.commit().unwrap();
    index
}

fn ids(index: &SearchIndex, query: &str) -> Vec<i64> {
    let hits = index.search(query, 50).unwrap_or_else(|err| panic!("{query:?}: {err}"));
    let mut found: Vec<i64> = hits.iter().map(|h| h.id).collect();
    found.sort_unstable();
    found
}

/// The message of the query error `query` gives; fails on anything else.
fn query_error(index: &SearchIndex, query: &str) -> String {
    match index.search(query, 10) {
        Err(Error::Query { message, .. }) => message,
        other => panic!("{query:?} gave {other:?}, not a query error"),
    }
}

/// Runs `f` on a thread with a worker's stack, as the web server does.
fn on_worker_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn a_deeply_nested_query_is_refused_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    on_worker_stack(move || {
        let index = sample_index(&path);
        // Issue 10: 3,000 '(' around one word aborted the server.
        let nested = format!("{}brien{}", "(".repeat(3000), ")".repeat(3000));
        let message = query_error(&index, &nested);
        assert!(
            message.contains(&format!("more than {MAX_QUERY_DEPTH} levels deep")),
            "{message}"
        );
        let fields = format!("{}brien{}", "title:(".repeat(3000), ")".repeat(3000));
        assert!(query_error(&index, &fields).contains("levels deep"));
        let nots = format!("brien {}fair", "NOT ".repeat(3000));
        assert!(query_error(&index, &nots).contains("levels deep"));
        // As deep as allowed still searches.
        let deepest = format!("{}brien{}", "(".repeat(MAX_QUERY_DEPTH), ")".repeat(MAX_QUERY_DEPTH));
        assert_eq!(ids(&index, &deepest), [1, 3]);
        let negated = format!("brien {}(NOT fair)", "NOT ".repeat(MAX_QUERY_DEPTH - 2));
        match index.search(&negated, 10) {
            Ok(_) | Err(Error::Query { .. }) => {}
            Err(other) => panic!("{other}"),
        }
        // And the index still answers.
        assert_eq!(ids(&index, "brien"), [1, 3]);
    });
}

#[test]
fn an_overlong_query_is_refused_with_its_length() {
    let dir = tempfile::tempdir().unwrap();
    let index = sample_index(dir.path());
    let long = "brien ".repeat(MAX_QUERY_CHARS);
    let message = query_error(&index, &long);
    assert!(message.contains("characters long"), "{message}");
    let shown = index.search(&long, 10).unwrap_err().to_string();
    assert!(shown.len() < 400, "the error repeats the whole query: {shown}");
}

#[test]
fn apostrophes_inside_words_find_the_articles_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let index = sample_index(dir.path());
    // Issue 10: these answered 400. The words split at the apostrophe as the
    // article's did, and match as a phrase: "O and Brien" (3) is no match.
    assert_eq!(ids(&index, "O'Brien"), [1]);
    assert_eq!(ids(&index, "title:O'Brien"), [1]);
    assert_eq!(ids(&index, "don't"), [1]);
    assert_eq!(ids(&index, "l'Europe"), [2]);
    assert_eq!(ids(&index, "O'Brien AND voters"), [1]);
    assert_eq!(ids(&index, "\"Mary O'Brien\""), [1]);
    // An apostrophe on its own or around words is no phrase delimiter.
    assert_eq!(ids(&index, "'voters trust'"), [1]);
    assert!(index.search("'", 10).unwrap().is_empty());
}

#[test]
fn an_unbalanced_double_quote_closes_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let index = sample_index(dir.path());
    assert_eq!(ids(&index, "\"voters don't"), [1]);
    assert_eq!(ids(&index, "election \"mary o'brien"), [1]);
    assert!(index.search("\"", 10).unwrap().is_empty());
    assert_eq!(ids(&index, "mary\"o'brien\"said"), [1]);
}

#[test]
fn title_star_is_a_query_error_not_a_server_error() {
    let dir = tempfile::tempdir().unwrap();
    let index = sample_index(dir.path());
    // Issue 10: `title:*` failed inside tantivy ("not a fast field"), a 500.
    for query in [
        "title:*",
        "language:*",
        "source:*",
        "text:*^2",
        "brien AND (story:* OR title:*)",
    ] {
        let message = query_error(&index, query);
        assert!(message.contains(":*` (any value in"), "{query}: {message}");
    }
    // A lone `*` is everything.
    assert_eq!(ids(&index, "*"), [1, 2, 3, 4]);
}

#[test]
fn every_malformed_query_is_a_query_error_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let index = sample_index(dir.path());
    let cases = [
        ("published:foo", "integer"),
        ("story:abc", "integer"),
        ("nosuchfield:x", "nosuchfield"),
        ("url:x", "not declared as indexed"),
        ("AND", "AND, OR, NOT"),
        ("OR", "AND, OR, NOT"),
        ("NOT", "AND, OR, NOT"),
        ("brien AND", "AND, OR, NOT"),
        ("+", "AND, OR, NOT"),
        ("-", "AND, OR, NOT"),
        ("-brien", "excluding"),
        ("title:", "field with no value"),
        ("(", "the '(' at character 1 is never closed"),
        (")", "the ')' at character 1 closes no '('"),
        ("(brien", "never closed"),
        ("()", "AND, OR, NOT"),
    ];
    for (query, expected) in cases {
        let message = query_error(&index, query);
        assert!(message.contains(expected), "{query:?}: {message}");
        let shown = index.search(query, 10).unwrap_err().to_string();
        assert!(shown.contains(&format!("{query:?}")), "{shown}");
    }
    assert!(index.search("", 10).unwrap().is_empty());
    assert!(index.search("  \t ", 10).unwrap().is_empty());
}

#[test]
fn unicode_queries_still_search() {
    let dir = tempfile::tempdir().unwrap();
    let index = sample_index(dir.path());
    assert_eq!(ids(&index, "北京"), [4]);
    assert_eq!(ids(&index, "Belem"), [2]);
    assert_eq!(ids(&index, "\"l'Europe se\""), [2]);
    // A slash is part of a word, not the start of a regular expression.
    assert_eq!(ids(&index, "title:/brien/"), [1, 3]);
}

/// Pieces of queries: syntax, words with apostrophes and accents, any character.
fn piece() -> impl Strategy<Value = String> {
    let syntax = prop_oneof![
        Just("("),
        Just(")"),
        Just("\""),
        Just("'"),
        Just("\\"),
        Just("NOT "),
        Just(" AND "),
        Just(" OR "),
        Just("+"),
        Just("-"),
        Just("title:"),
        Just("story:"),
        Just("published:"),
        Just("language:"),
        Just("nosuch:"),
        Just("source:* "),
        Just("*"),
        Just("^2"),
        Just("~1"),
        Just("["),
        Just("]"),
        Just("{"),
        Just("}"),
        Just(" TO "),
        Just(" IN ["),
        Just(":"),
        Just(" "),
        Just("brien"),
        Just("O'Brien"),
        Just("don't"),
        Just("l'Europe"),
        Just("Belém"),
        Just("北京"),
        Just("42"),
        Just("-7"),
    ]
    .prop_map(str::to_string);
    prop_oneof![
        6 => syntax.clone(),
        2 => any::<char>().prop_map(String::from),
        // Long runs, up to about 100 KB, for nesting and length.
        1 => (syntax, 1usize..20_000).prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn hostile_query() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..24).prop_map(|pieces| {
        let mut query = pieces.concat();
        if query.len() > 100_000 {
            let mut cut = 100_000;
            while !query.is_char_boundary(cut) {
                cut -= 1;
            }
            query.truncate(cut);
        }
        query
    })
}

#[test]
fn random_hostile_queries_search_or_fail_cleanly_on_a_worker_stack() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    on_worker_stack(move || {
        let index = sample_index(&path);
        let config = Config {
            cases: 300,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let outcome = runner.run(&hostile_query(), |query| match index.search(&query, 5) {
            Ok(_) | Err(Error::Query { .. }) => Ok(()),
            Err(other) => Err(TestCaseError::fail(format!("{query:?}: not a query error: {other}"))),
        });
        if let Err(failure) = outcome {
            panic!("{failure}");
        }
    });
}
