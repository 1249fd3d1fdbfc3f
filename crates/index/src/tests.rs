//! The index's own tests: searching, ranking, snippets and commits.

use super::*;

fn article(id: i64, title: &str, text: &str) -> IndexedArticle {
    IndexedArticle {
        id,
        title: title.to_string(),
        text: text.to_string(),
        url: format!("https://news.example/{id}"),
        source: "Reuters".to_string(),
        language: Some("en".to_string()),
        published: Some(1_700_000_000 + id),
        story: None,
    }
}

fn index_with(dir: &Path, articles: &[IndexedArticle]) -> SearchIndex {
    let index = SearchIndex::open(dir).unwrap();
    let mut batch = index.batch().unwrap();
    for a in articles {
        batch.upsert(a).unwrap();
    }
    batch.commit().unwrap();
    index
}

fn ids(index: &SearchIndex, query: &str) -> Vec<i64> {
    let mut found: Vec<i64> = index.search(query, 50).unwrap().iter().map(|h| h.id).collect();
    found.sort_unstable();
    found
}

fn sample() -> Vec<IndexedArticle> {
    let mut spanish = article(
        3,
        "Cumbre del clima en Belém",
        "Los líderes llegaron a Belém para la cumbre.",
    );
    spanish.source = "El País".to_string();
    spanish.language = Some("es".to_string());
    spanish.story = Some(42);
    vec![
        article(
            1,
            "Climate summit opens",
            "Leaders met in Belem to discuss climate finance.",
        ),
        article(
            2,
            "Finance ministers meet",
            "The summit on climate was postponed, finance ministers said.",
        ),
        spanish,
        article(4, "Football results", "The match ended in a draw."),
    ]
}

#[test]
fn upsert_then_search_sees_the_commit_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    assert_eq!(index.len().unwrap(), 4);
    let hits = index.search("football", 10).unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.id, 4);
    assert_eq!(hit.title, "Football results");
    assert_eq!(hit.url, "https://news.example/4");
    assert_eq!(hit.source, "Reuters");
    assert_eq!(hit.language.as_deref(), Some("en"));
    assert_eq!(hit.published, Some(1_700_000_004));
    assert_eq!(hit.story, None);
    assert!(hit.score > 0.0);
}

#[test]
fn reupserting_an_id_replaces_the_old_version() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    let mut batch = index.batch().unwrap();
    batch
        .upsert(&article(4, "Rugby results", "A late try won it."))
        .unwrap();
    batch.commit().unwrap();
    assert_eq!(index.len().unwrap(), 4);
    assert!(ids(&index, "football").is_empty());
    assert_eq!(ids(&index, "rugby"), [4]);
}

#[test]
fn title_matches_rank_first_and_ties_break_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(
        dir.path(),
        &[
            article(9, "Other news", "election"),
            article(5, "Election day", "Voting is under way."),
            article(7, "Other news", "election"),
        ],
    );
    let hits = index.search("election", 10).unwrap();
    let order: Vec<i64> = hits.iter().map(|h| h.id).collect();
    assert_eq!(order, [5, 7, 9]);
    assert!(hits[0].score > hits[1].score);
    assert_eq!(hits[1].score, hits[2].score);
    assert_eq!(index.search("election", 1).unwrap()[0].id, 5);
}

#[test]
fn copies_that_tie_at_the_cut_are_kept_by_id_whatever_their_order_in_the_index() {
    // Four copies of one text, added in three commits so that the index
    // holds them in an order of its own, and one better match.
    let dir = tempfile::tempdir().unwrap();
    let copy = |id| article(id, "Other news", "The harbour bridge reopened.");
    let index = index_with(dir.path(), &[copy(40), copy(12)]);
    for batch in [
        vec![copy(31), article(50, "Harbour bridge", "The harbour bridge reopened.")],
        vec![copy(8)],
    ] {
        let mut writer = index.batch().unwrap();
        for a in &batch {
            writer.upsert(a).unwrap();
        }
        writer.commit().unwrap();
    }
    let order = |limit| -> Vec<i64> { index.search("harbour", limit).unwrap().iter().map(|h| h.id).collect() };
    // The cut falls between two copies: the earlier ids are kept.
    assert_eq!(order(3), [50, 8, 12]);
    assert_eq!(order(2), [50, 8]);
    // The cut falls after the better match, or after every match.
    assert_eq!(order(1), [50]);
    assert_eq!(order(10), [50, 8, 12, 31, 40]);
    // The same cuts on a query whose scores all differ but for the copies.
    assert_eq!(
        index
            .search("harbour bridge", 4)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect::<Vec<_>>(),
        [50, 8, 12, 31]
    );
}

#[test]
fn copies_stored_again_are_not_counted_twice_among_the_ties() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |id| article(id, "Other news", "The harbour bridge reopened.");
    let mut first: Vec<IndexedArticle> = (1..=12).map(copy).collect();
    first.push(article(50, "Harbour bridge", "The harbour bridge reopened."));
    let index = index_with(dir.path(), &first);
    // Their old versions stay in segments that hold live copies too,
    // marked deleted until a merge.
    let mut writer = index.batch().unwrap();
    for id in [2, 3, 5] {
        writer.upsert(&copy(id)).unwrap();
    }
    writer.commit().unwrap();
    let order: Vec<i64> = index.search("harbour", 5).unwrap().iter().map(|h| h.id).collect();
    assert_eq!(order, [50, 1, 2, 3, 4]);
}

#[test]
fn phrases_match_adjacent_words_only() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    assert_eq!(ids(&index, "\"climate finance\""), [1]);
    assert_eq!(ids(&index, "climate finance"), [1, 2]);
}

#[test]
fn boolean_operators_combine_terms() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    assert_eq!(ids(&index, "football OR leaders"), [1, 4]);
    assert_eq!(ids(&index, "football OR leaders OR lideres"), [1, 3, 4]);
    assert_eq!(ids(&index, "summit AND postponed"), [2]);
    assert_eq!(ids(&index, "climate AND NOT postponed"), [1]);
    assert!(ids(&index, "summit AND NOT (postponed OR leaders)").is_empty());
    assert_eq!(ids(&index, "(climate OR clima) AND NOT postponed"), [1, 3]);
    assert_eq!(ids(&index, "+climate -postponed"), [1]);
    assert_eq!(ids(&index, "climate -postponed"), [1]);
}

#[test]
fn field_queries_filter_by_source_title_story_and_language() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    assert_eq!(ids(&index, "source:reuters"), [1, 2, 4]);
    assert_eq!(ids(&index, "source:pais"), [3]);
    assert_eq!(ids(&index, "title:finance"), [2]);
    assert_eq!(ids(&index, "story:42"), [3]);
    assert_eq!(ids(&index, "belem language:es"), [3]);
    assert_eq!(ids(&index, "belem language:EN"), [1]);
    assert_eq!(ids(&index, "published:[1700000002 TO 1700000003]"), [2, 3]);
}

#[test]
fn accents_fold_so_either_spelling_matches() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    assert_eq!(ids(&index, "Belém"), [1, 3]);
    assert_eq!(ids(&index, "lideres"), [3]);
}

#[test]
fn chinese_queries_match_as_character_phrases() {
    let dir = tempfile::tempdir().unwrap();
    let mut chinese = article(8, "北京天气预报", "明天北京有雨。");
    chinese.language = Some("zh".to_string());
    let index = index_with(dir.path(), &[chinese, article(1, "京都", "天气")]);
    assert_eq!(ids(&index, "北京"), [8]);
    // Both characters occur in article 1 too, but not side by side.
    assert_eq!(ids(&index, "京天"), [8]);
    assert_eq!(ids(&index, "天 京"), [1, 8]);
    assert!(ids(&index, "上海").is_empty());
}

#[test]
fn rejected_query_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    for bad in ["nosuchfield:x", "story:abc", "published:[1 TO"] {
        match index.search(bad, 10) {
            Err(err @ Error::Query { .. }) => {
                assert!(err.to_string().contains(bad), "{err}");
            }
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
    assert!(index.search("   ", 10).unwrap().is_empty());
    assert!(index.search("climate", 0).unwrap().is_empty());
}

#[test]
fn a_match_only_past_the_opening_still_gets_its_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let filler = "The council met again on Tuesday to discuss the budget. ".repeat(120);
    let early = format!("The ferry strike began at dawn. {filler}");
    let late = format!("{filler}Late in the day the ferry strike ended.");
    assert!(late.find("ferry").unwrap() > SNIPPET_SCAN_BYTES);
    let index = index_with(
        dir.path(),
        &[article(1, "Budget talks", &early), article(2, "Budget talks", &late)],
    );
    let hits = index.search("ferry", 10).unwrap();
    assert_eq!(hits.len(), 2);
    for hit in &hits {
        assert!(
            hit.snippet_html.contains("<b>ferry</b>"),
            "{}: {}",
            hit.id,
            hit.snippet_html
        );
    }
}

#[test]
fn the_pieces_of_a_text_cut_no_word_and_make_up_the_whole_text() {
    let text = "Der Fährbetrieb ruht, sagte die Sprecherin am Dienstag. ".repeat(40);
    let parts: Vec<&str> = pieces(&text, 100).collect();
    assert!(parts.len() > 20, "{}", parts.len());
    assert_eq!(parts.concat(), text);
    assert!(parts.iter().all(|part| part.len() <= 100));
    // Every cut falls just before a space, so no word is split.
    for next in &parts[1..] {
        assert!(next.starts_with(' '), "{next:?}");
    }
    // A character wider than the piece size still makes progress.
    assert_eq!(pieces("日本", 2).collect::<Vec<_>>(), ["日", "本"]);
    assert_eq!(pieces("", 10).count(), 0);
}

#[test]
fn the_opening_is_cut_at_a_word_boundary_and_a_character_boundary() {
    assert_eq!(opening("short text", 100), "short text");
    assert_eq!(opening("alpha beta gamma", 12), "alpha beta");
    // "é" is two bytes: a cut inside it moves back to the boundary.
    assert_eq!(opening("ééééé", 5), "éé");
    assert_eq!(opening("unbroken", 4), "unbr");
}

#[test]
fn snippets_highlight_matches_and_escape_html() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(
        dir.path(),
        &[article(
            1,
            "Injected page",
            "The page ran <script>alert('x')</script> & then the exploit spread.",
        )],
    );
    let hit = &index.search("exploit", 10).unwrap()[0];
    assert!(hit.snippet.contains("<script>"), "{}", hit.snippet);
    assert!(hit.snippet.contains("exploit"));
    assert!(!hit.snippet.contains("<b>"));
    assert!(hit.snippet_html.contains("<b>exploit</b>"), "{}", hit.snippet_html);
    assert!(hit.snippet_html.contains("&lt;script&gt;"), "{}", hit.snippet_html);
    assert!(hit.snippet_html.contains("&amp;"));
    assert!(!hit.snippet_html.contains("<script>"));
}

#[test]
fn title_only_match_falls_back_to_the_escaped_lead() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!("<i>Opening</i> {}", "word ".repeat(100));
    let index = index_with(dir.path(), &[article(1, "Volcano erupts", &body)]);
    let hit = &index.search("volcano", 10).unwrap()[0];
    assert!(hit.snippet.starts_with("<i>Opening</i> word"));
    assert!(hit.snippet.ends_with('…'));
    assert!(hit.snippet.chars().count() <= SNIPPET_CHARS + 1);
    assert!(hit.snippet_html.starts_with("&lt;i&gt;Opening&lt;/i&gt; word"));
    assert!(!hit.snippet_html.contains("<b>"));
}

#[test]
fn clear_removes_everything() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    let mut batch = index.batch().unwrap();
    batch.clear().unwrap();
    batch.commit().unwrap();
    assert!(index.is_empty().unwrap());
    assert!(ids(&index, "climate").is_empty());
}

#[test]
fn uncommitted_batch_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    let mut batch = index.batch().unwrap();
    batch.clear().unwrap();
    batch.upsert(&article(10, "Dropped", "never")).unwrap();
    drop(batch);
    assert_eq!(index.len().unwrap(), 4);
    assert!(ids(&index, "dropped").is_empty());
}

#[test]
fn reopening_keeps_the_documents() {
    let dir = tempfile::tempdir().unwrap();
    drop(index_with(dir.path(), &sample()));
    let reopened = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(reopened.len().unwrap(), 4);
    assert_eq!(ids(&reopened, "\"climate finance\""), [1]);
    // The analyzers are registered again, so accents still fold.
    assert_eq!(ids(&reopened, "Belém"), [1, 3]);
}

#[test]
fn a_second_writer_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let holder = SearchIndex::open(dir.path()).unwrap();
    let held = holder.batch().unwrap();
    // A separate open takes its own file lock, exactly as another process would.
    let other = SearchIndex::open(dir.path()).unwrap();
    match other.batch() {
        Err(err @ Error::Locked { .. }) => {
            assert!(err.to_string().contains(&dir.path().display().to_string()));
        }
        Err(err) => panic!("wrong error: {err}"),
        Ok(_) => panic!("second writer was allowed"),
    }
    assert!(matches!(holder.batch(), Err(Error::Locked { .. })));
    held.commit().unwrap();
    other.batch().unwrap().commit().unwrap();
}

#[test]
fn lead_cuts_at_a_word_boundary() {
    assert_eq!(lead("  short  ", 10), "short");
    assert_eq!(lead("one two three four", 10), "one two…");
    assert_eq!(lead("abcdefghijkl", 5), "abcde…");
    assert_eq!(lead("ééééé ééé", 7), "ééééé…");
}

/// Each indexing thread writes a segment of its own, so a writer with one
/// per core turned every commit into several small segments and merged each
/// article that many more times.
#[test]
fn a_commit_writes_one_segment() {
    let dir = tempfile::tempdir().unwrap();
    let articles: Vec<IndexedArticle> = (1..=400)
        .map(|id| article(id, &format!("Report {id}"), &"words of a news report ".repeat(40)))
        .collect();
    let index = index_with(dir.path(), &articles);
    let searcher = index.reader.searcher();
    assert_eq!(searcher.segment_readers().len(), 1);
    assert_eq!(searcher.num_docs(), 400);
}

/// A kill between the moment a commit writes a segment's delete file and
/// the moment it saves `meta.json` leaves that file behind, named after the
/// segment and the commit's operation stamp. The next process starts again
/// from the last saved stamp, reaches the same stamp with the same
/// operations, and tantivy refused to write the file again
/// (`FileAlreadyExists(....del)`): seed 26 of the crash test hit this.
#[test]
fn a_delete_file_left_by_a_killed_commit_does_not_block_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let index = index_with(dir.path(), &sample());
    drop(index);
    let saved_meta = std::fs::read(dir.path().join("meta.json")).unwrap();
    // The commit that will be "killed": it replaces article 1, so it
    // writes a delete file for the first segment.
    let replaced = article(1, "Climate summit opens again", "Leaders met again.");
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        let mut batch = index.batch().unwrap();
        batch.upsert(&replaced).unwrap();
        batch.commit().unwrap();
    }
    let leftovers = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "del"))
            .count()
    };
    assert!(leftovers(dir.path()) > 0, "the replacing commit wrote no delete file");
    // The kill: the delete file is on disk, meta.json is the old one.
    std::fs::write(dir.path().join("meta.json"), &saved_meta).unwrap();

    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(ids(&index, "again"), Vec::<i64>::new());
    let mut batch = index.batch().unwrap();
    batch.upsert(&replaced).unwrap();
    batch.commit().unwrap();
    assert_eq!(ids(&index, "again"), vec![1]);
    assert_eq!(index.len().unwrap(), 4);
}
