//! Golden pages: every `golden/NAME.html` is extracted and compared with
//! `golden/NAME.json`, field by field (title, text, published, authors,
//! language). In the JSON, `url` is an input: the address the page came from.
//!
//! After a deliberate change in extraction, run
//! `UPDATE_GOLDEN=1 cargo test -p ravenwire-extract --test golden` to rewrite
//! the expected fields, then read the diff before keeping it.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn observed(article: &model::Article) -> Value {
    json!({
        "title": article.title,
        "text": article.text,
        "published": article.published.map(|t| t.to_string()),
        "authors": article.authors,
        "language": article.language,
    })
}

#[test]
fn golden_pages_extract_as_recorded() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("golden folder")
        .map(|e| e.expect("golden entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 10, "golden set shrank to {} pages", pages.len());

    let mut failures = Vec::new();
    for page in &pages {
        let expected_path = page.with_extension("json");
        let mut expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&expected_path).expect("expected file")).expect("json");
        let url = expected["url"].as_str().map(str::to_string);
        let html = std::fs::read(page).expect("page");
        let article =
            ravenwire_extract::extract(&html, url.as_deref()).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        let got = observed(&article);
        if update {
            for (key, value) in got.as_object().expect("object") {
                expected[key] = value.clone();
            }
            let mut text = serde_json::to_string_pretty(&expected).expect("json");
            text.push('\n');
            std::fs::write(&expected_path, text).expect("write expected");
            continue;
        }
        for (key, value) in got.as_object().expect("object") {
            if expected.get(key) != Some(value) {
                failures.push(format!(
                    "{} field {key}:\n  expected {}\n  got      {value}",
                    page.display(),
                    expected.get(key).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
