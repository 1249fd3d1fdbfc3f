//! What the page says about itself: `<meta>` tags, JSON-LD, `<title>`,
//! headings, links and `<time>` elements, read once from the parsed tree
//! before the body extractor takes it apart.

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{Html, Node};
use serde_json::Value;
use std::sync::LazyLock;

use crate::words::WordLists;

/// JSON-LD blocks larger than this are catalogues, not article metadata.
const MAX_JSON_LD_BYTES: usize = 512 * 1024;
/// Longer texts in a "date" or "byline" element are containers, not labels.
const MAX_LABEL_CHARS: usize = 300;

#[derive(Debug, Default)]
pub(crate) struct PageFacts {
    /// `(key, content)`: key is the lower-cased name/property/itemprop/http-equiv.
    pub metas: Vec<(String, String)>,
    /// Every JSON-LD object with an `@type`, nested ones and `@graph` members included.
    pub json_ld: Vec<Value>,
    pub html_lang: Option<String>,
    pub title_tag: Option<String>,
    pub h1: Vec<String>,
    pub canonical: Option<String>,
    pub rel_authors: Vec<String>,
    pub bylines: Vec<String>,
    /// `<time>` elements and `itemprop=datePublished` holders, in document order.
    pub times: Vec<TimeMark>,
    /// Short texts of elements whose class or id mentions a date.
    pub date_labels: Vec<String>,
    /// The visible text right after the first `<h1>`, where sites set the
    /// dateline whatever they name its element.
    pub after_headline: String,
}

#[derive(Debug)]
pub(crate) struct TimeMark {
    pub value: String,
    /// Marked as the publication time (itemprop, pubdate, class names).
    pub published_hint: bool,
    pub modified_hint: bool,
}

impl PageFacts {
    pub fn meta(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| {
            self.metas
                .iter()
                .find(|(key, value)| key == k && !value.trim().is_empty())
                .map(|(_, v)| v.trim())
        })
    }

    /// JSON-LD objects, article types first.
    pub fn json_ld_by_preference(&self) -> Vec<&Value> {
        let mut objects: Vec<(u8, &Value)> = self.json_ld.iter().map(|v| (json_ld_rank(v), v)).collect();
        objects.sort_by_key(|(rank, _)| *rank);
        objects.into_iter().map(|(_, v)| v).collect()
    }
}

fn json_ld_rank(v: &Value) -> u8 {
    let types: Vec<String> = match v.get("@type") {
        Some(Value::String(s)) => vec![s.to_ascii_lowercase()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| t.as_str())
            .map(str::to_ascii_lowercase)
            .collect(),
        _ => vec![],
    };
    if types
        .iter()
        .any(|t| t.contains("article") || t == "blogposting" || t == "report" || t == "liveblogposting")
    {
        0
    } else if types.iter().any(|t| t.contains("webpage") || t == "videoobject") {
        1
    } else {
        2
    }
}

/// A non-blank attribute value.
fn attr<'a>(e: &'a scraper::node::Element, name: &str) -> Option<&'a str> {
    e.attrs()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .filter(|v| !v.trim().is_empty())
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The element's text with whitespace collapsed, or `None` once it passes
/// `limit` bytes: big containers are not labels, and stopping early keeps
/// nested candidates from costing quadratic time.
fn short_text(node: NodeRef<'_, Node>, limit: usize) -> Option<String> {
    let mut out = String::new();
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            for word in t.split_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
            if out.len() > limit {
                return None;
            }
        }
    }
    Some(out)
}

fn full_text(node: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            out.push_str(t);
        }
    }
    out
}

/// Words in a class or id that mark a date holder, a byline, or a comment
/// (whose bylines are readers', not the article's).
const DATE_WORDS: &[&str] = &[
    "date", "time", "publish", "posted", "dateline", "byline", "meta", "datum", "fecha", "data",
];
const BYLINE_WORDS: &[&str] = &["byline", "author", "autor", "auteur", "writer"];
const COMMENT_WORDS: &[&str] = &["comment"];
/// Bits of [`LABEL_LISTS`]' answer.
const DATE: u8 = 1;
const BYLINE: u8 = 2;
const COMMENT: u8 = 4;
static LABEL_LISTS: LazyLock<WordLists> = LazyLock::new(|| WordLists::new(&[DATE_WORDS, BYLINE_WORDS, COMMENT_WORDS]));

/// Bytes of label text worth reading; longer texts are containers.
const MAX_LABEL_BYTES: usize = 4 * MAX_LABEL_CHARS;
/// Text after the headline read for a dateline: a line or two.
const AFTER_HEADLINE_BYTES: usize = 200;

pub(crate) fn read(doc: &Html) -> PageFacts {
    let mut facts = PageFacts::default();
    // Nodes still to pass inside the first headline, once it is met.
    let mut inside_headline: Option<usize> = None;
    for node in doc.tree.root().descendants() {
        match inside_headline.as_mut() {
            Some(left) if *left > 0 => *left -= 1,
            Some(_) if facts.after_headline.len() < AFTER_HEADLINE_BYTES => {
                if let Node::Text(t) = node.value() {
                    let in_code = node
                        .parent()
                        .and_then(|p| p.value().as_element().map(|e| matches!(e.name(), "script" | "style")))
                        .unwrap_or(false);
                    if !in_code {
                        for word in t.split_whitespace() {
                            facts.after_headline.push_str(word);
                            facts.after_headline.push(' ');
                        }
                    }
                }
            }
            _ => {}
        }
        let Node::Element(e) = node.value() else { continue };
        let tag = e.name();
        match tag {
            "html" if facts.html_lang.is_none() => {
                facts.html_lang = attr(e, "lang").or_else(|| attr(e, "xml:lang")).map(str::to_string);
            }
            "meta" => {
                let key = attr(e, "property")
                    .or_else(|| attr(e, "name"))
                    .or_else(|| attr(e, "itemprop"))
                    .or_else(|| attr(e, "http-equiv"));
                let value = attr(e, "content").or_else(|| attr(e, "datetime"));
                if let (Some(key), Some(value)) = (key, value) {
                    let key = key.trim().to_ascii_lowercase();
                    if key == "datepublished" || key == "datemodified" {
                        facts.times.push(TimeMark {
                            published_hint: key == "datepublished",
                            modified_hint: key == "datemodified",
                            value: value.to_string(),
                        });
                    }
                    facts.metas.push((key, value.to_string()));
                }
                continue;
            }
            "title" if facts.title_tag.is_none() => {
                let t = collapse(&full_text(node));
                if !t.is_empty() {
                    facts.title_tag = Some(t);
                }
            }
            "h1" if facts.h1.len() < 5 => {
                let t = collapse(&full_text(node));
                if !t.is_empty() {
                    facts.h1.push(t);
                    if inside_headline.is_none() {
                        inside_headline = Some(node.descendants().count() - 1);
                    }
                }
            }
            "link" => {
                let rel = attr(e, "rel").unwrap_or_default().to_ascii_lowercase();
                if rel.split_whitespace().any(|r| r == "canonical") && facts.canonical.is_none() {
                    facts.canonical = attr(e, "href").map(str::to_string);
                }
                continue;
            }
            "script" => {
                let kind = attr(e, "type").unwrap_or_default().trim().to_ascii_lowercase();
                if kind == "application/ld+json" {
                    let text = full_text(node);
                    if text.len() <= MAX_JSON_LD_BYTES {
                        read_json_ld(&text, &mut facts.json_ld);
                    }
                }
                continue;
            }
            "style" => continue,
            _ => {}
        }
        let itemprop = attr(e, "itemprop").map(str::to_ascii_lowercase).unwrap_or_default();
        let rel = if tag == "a" {
            attr(e, "rel").unwrap_or_default()
        } else {
            ""
        };
        let (class, id) = (attr(e, "class"), attr(e, "id"));
        let labels = LABEL_LISTS.lists_in(class.into_iter().chain(id));
        let looks_like_byline = labels & BYLINE != 0 && labels & COMMENT == 0;

        if tag == "time" || itemprop == "datepublished" || itemprop == "datemodified" || itemprop == "datecreated" {
            let value = attr(e, "datetime")
                .or_else(|| attr(e, "content"))
                .map(str::to_string)
                .or_else(|| short_text(node, MAX_LABEL_BYTES))
                .unwrap_or_default();
            if !value.is_empty() && value.len() <= MAX_LABEL_CHARS {
                let hints =
                    format!("{itemprop} {} {}", class.unwrap_or_default(), id.unwrap_or_default()).to_ascii_lowercase();
                facts.times.push(TimeMark {
                    published_hint: itemprop == "datepublished"
                        || itemprop == "datecreated"
                        || attr(e, "pubdate").is_some()
                        || hints.contains("publish")
                        || hints.contains("posted"),
                    modified_hint: itemprop == "datemodified" || hints.contains("modif") || hints.contains("updat"),
                    value,
                });
            }
            continue;
        }
        if rel.split_whitespace().any(|r| r == "author") || itemprop == "author" {
            if let Some(name) = short_text(node, 120).filter(|n| !n.is_empty()) {
                facts.rel_authors.push(name);
            }
            continue;
        }
        if labels & DATE != 0 && facts.date_labels.len() < 20 {
            if let Some(text) = short_text(node, MAX_LABEL_BYTES) {
                if !text.is_empty() && text.chars().count() <= MAX_LABEL_CHARS {
                    if looks_like_byline && facts.bylines.len() < 5 {
                        facts.bylines.push(text.clone());
                    }
                    facts.date_labels.push(text);
                }
            }
        } else if looks_like_byline && facts.bylines.len() < 5 {
            if let Some(text) = short_text(node, 4 * 150) {
                if !text.is_empty() && text.chars().count() <= 150 {
                    facts.bylines.push(text);
                }
            }
        }
    }
    facts
}

static JSON_LD_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(datePublished|dateModified|dateCreated)"\s*:\s*"([^"]{6,40})""#).expect("valid regex")
});

/// Reads every JSON value in a script, tolerating the trailing junk and
/// broken syntax real pages ship; from a block that does not parse at all,
/// the date fields are still recovered.
fn read_json_ld(text: &str, out: &mut Vec<Value>) {
    let mut parsed_any = false;
    for value in serde_json::Deserializer::from_str(text.trim()).into_iter::<Value>() {
        match value {
            Ok(value) => {
                parsed_any = true;
                collect_json_ld(value, out, 0);
            }
            Err(_) => break,
        }
    }
    if !parsed_any {
        let mut recovered = serde_json::Map::new();
        for c in JSON_LD_DATE.captures_iter(text) {
            recovered
                .entry(c[1].to_string())
                .or_insert_with(|| Value::String(c[2].to_string()));
        }
        if !recovered.is_empty() {
            recovered.insert("@type".into(), Value::String("Article".into()));
            out.push(Value::Object(recovered));
        }
    }
}

/// Flattens JSON-LD: arrays, `@graph` and nested typed objects all count.
fn collect_json_ld(value: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 8 || out.len() > 64 {
        return;
    }
    match value {
        Value::Array(items) => items.into_iter().for_each(|v| collect_json_ld(v, out, depth + 1)),
        Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                collect_json_ld(graph, out, depth + 1);
            }
            if let Some(main) = map.get("mainEntity").cloned() {
                if main.get("@type").is_some() {
                    collect_json_ld(main, out, depth + 1);
                }
            }
            if map.contains_key("@type") {
                out.push(Value::Object(map));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_metas_json_ld_graph_and_time_elements() {
        let html = r#"<html lang="de-AT"><head><title>Hello | Site</title>
            <meta property="og:title" content="Hello">
            <meta name="author" content="Ann Lee">
            <link rel="canonical" href="/a/b">
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
              {"@type":"WebSite","name":"Site"},
              {"@type":"NewsArticle","datePublished":"2021-10-18T09:30:00+02:00"}]}</script>
            </head><body><h1>Hello</h1><time datetime="2021-10-19">19 Oct</time>
            <span class="post-date">18.10.2021</span><a rel="author" href="/ann">Ann Lee</a></body></html>"#;
        let doc = Html::parse_document(html);
        let facts = read(&doc);
        assert_eq!(facts.html_lang.as_deref(), Some("de-AT"));
        assert_eq!(facts.title_tag.as_deref(), Some("Hello | Site"));
        assert_eq!(facts.meta(&["og:title"]), Some("Hello"));
        assert_eq!(facts.canonical.as_deref(), Some("/a/b"));
        assert_eq!(facts.json_ld.len(), 2);
        let first = facts.json_ld_by_preference()[0];
        let broken = Html::parse_document(
            r#"<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2020-10-26T18:10:00+01:00",}} x</script>"#,
        );
        assert_eq!(read(&broken).json_ld[0]["datePublished"], "2020-10-26T18:10:00+01:00");
        assert_eq!(first["@type"], "NewsArticle");
        assert_eq!(facts.times[0].value, "2021-10-19");
        assert_eq!(facts.date_labels, vec!["18.10.2021".to_string()]);
        assert_eq!(facts.rel_authors, vec!["Ann Lee".to_string()]);
        assert_eq!(facts.h1, vec!["Hello".to_string()]);
        assert!(
            facts.after_headline.starts_with("19 Oct 18.10.2021 "),
            "{}",
            facts.after_headline
        );
    }
}
