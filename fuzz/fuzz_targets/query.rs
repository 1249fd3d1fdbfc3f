//! Any UTF-8 string as a search query on a small real index: the search must
//! give hits or a query error naming the problem, never panic, never overflow
//! the 2 MiB stack of the web server's worker threads, and never fail as a
//! server-side error.
#![no_main]

use std::sync::OnceLock;

use index::{Error, IndexedArticle, SearchIndex};
use libfuzzer_sys::fuzz_target;

/// The stack of a tokio blocking thread, where the web server searches.
const WORKER_STACK: usize = 2 * 1024 * 1024;

/// An index of three articles in a folder of this process's own, opened once.
fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ravenwire-fuzz-query-{}", std::process::id()));
        // A folder left by an earlier process with the same id is stale.
        let _ = std::fs::remove_dir_all(&dir);
        let index = SearchIndex::open(&dir).expect("open the index");
        let mut batch = index.batch().expect("start a batch");
        let articles = [
            (
                1,
                "O'Brien wins the by-election",
                "Mary O'Brien said voters don't trust promises.",
            ),
            (
                2,
                "Sommet à Bruxelles",
                "Les dirigeants de l'Europe se réunissent à Belém.",
            ),
            (3, "北京天气", "明天北京有雨。"),
        ];
        for (id, title, text) in articles {
            batch
                .upsert(&IndexedArticle {
                    id,
                    title: title.to_string(),
                    text: text.to_string(),
                    url: format!("https://news.example/{id}"),
                    source: "Reuters".to_string(),
                    language: Some("en".to_string()),
                    published: Some(1_700_000_000 + id),
                    story: Some(id * 10),
                })
                .expect("add an article");
        }
        batch.commit().expect("commit");
        index
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let query = query.to_string();
    let index = index();
    let outcome = std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(move || match index.search(&query, 5) {
            Ok(_) | Err(Error::Query { .. }) => Ok(()),
            Err(other) => Err(format!("{query:?} failed, not as a query error: {other}")),
        })
        .expect("start a worker thread")
        .join()
        .expect("the search panicked");
    if let Err(message) = outcome {
        panic!("{message}");
    }
});
