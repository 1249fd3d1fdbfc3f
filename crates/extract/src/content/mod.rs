//! Our own main-content finder, run on the parsed page before anything else.
//!
//! One linear walk gives every element two sums over its subtree: the
//! characters in prose paragraphs (long, punctuated, few links) and the
//! characters in everything else (menus, teasers, labels). The article is the
//! element where prose most outweighs the rest, which also merges an article
//! split over sibling blocks. Its blocks are then written out as a flat HTML
//! fragment, minus link lists, widgets and hidden parts, for `body::render`.
//! A page where the winner holds little prose, or only part of the page's
//! prose, is left to the slower `trafilatura` extractor.

mod furniture;
mod survey;
mod writer;

use rustc_hash::{FxBuildHasher, FxHashMap};
use scraper::Html;

use survey::{survey, Element, Survey};
use writer::Writer;

/// Below this much prose (weighted characters, two or three sentences) the
/// page is not clearly an article and the fallback extractor decides.
const MIN_CONFIDENT_PROSE: u32 = 300;
/// The winner must hold at least this share of the page's prose; otherwise
/// prose is scattered (teaser grids, live pages) and the choice is a guess.
/// Prose in furniture-named boxes counts here (a popup's or sidebar's text
/// competes with the article), prose in comment and teaser boxes does not.
const MIN_PROSE_SHARE: f32 = 0.4;
/// How much one character of non-prose costs against one of prose when
/// choosing the container.
const NOISE_WEIGHT: f32 = 0.6;

/// The article as a flat HTML fragment, and whether the finder trusts it.
pub(crate) struct Found {
    pub fragment: String,
    pub confident: bool,
}

/// Finds the article and writes it out; `None` when the page has no prose.
pub(crate) fn find(doc: &Html) -> Option<Found> {
    let Survey { elements, page_prose } = survey(doc);
    let score = |e: &Element<'_>| e.prose as f32 - NOISE_WEIGHT * e.noise as f32;
    // The densest cluster, preferring blocks not named like furniture: a
    // footer's "about us" text outweighs a short article.
    let densest = |unmarked: bool| {
        elements
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.junk && !e.foreign && e.prose > 0 && (!unmarked || !e.marked))
            .max_by(|(ia, a), (ib, b)| a.cluster.total_cmp(&b.cluster).then(ib.cmp(ia)))
            .map(|(i, _)| i)
    };
    let core = densest(true).or_else(|| densest(false))?;
    let index_of = node_rows(&elements);
    let best = widen(&elements, &index_of, core, score);
    let winner = &elements[best];
    let confident = winner.prose >= MIN_CONFIDENT_PROSE && winner.prose as f32 >= MIN_PROSE_SHARE * page_prose as f32;

    let mut writer = Writer {
        elements: &elements,
        keep_marked_above: winner.prose / 2,
        index_of,
        out: String::with_capacity(winner.all as usize * 2),
        inline_run: String::new(),
    };
    writer.container(best);
    writer.flush_inline();
    Some(Found {
        fragment: writer.out,
        confident,
    })
}

/// The markup with a runaway `<title>` closed, or `None` when its title
/// closes (or it has none). A `<title>` whose end tag is missing or mangled
/// (`</titlevalue="x">`) holds everything after it as text, so the parsed
/// page has no body at all; lenient parsers end such a title at the next
/// tag, and so does this.
pub(crate) fn close_runaway_title(markup: &str) -> Option<String> {
    let bytes = markup.as_bytes();
    let open = find_tag(bytes, 0, b"<title")?;
    let content = open + memchr::memchr(b'>', &bytes[open..])? + 1;
    if find_tag(bytes, content, b"</title").is_some() {
        return None;
    }
    let end = content + memchr::memchr(b'<', &bytes[content..])?;
    let mut fixed = String::with_capacity(markup.len() + 8);
    fixed.push_str(&markup[..end]);
    fixed.push_str("</title>");
    fixed.push_str(&markup[end..]);
    Some(fixed)
}

/// The first `name` tag at or after `from` (ASCII case ignored), as the
/// HTML tokenizer sees one: followed by a space, `/` or `>`.
fn find_tag(bytes: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(offset) = memchr::memchr(b'<', bytes.get(at..)?) {
        let start = at + offset;
        let matches = bytes
            .get(start..start + name.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(name))
            && bytes
                .get(start + name.len())
                .is_some_and(|&c| c.is_ascii_whitespace() || c == b'/' || c == b'>');
        if matches {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// A sibling branch with a prose cluster at least this share of the core's
/// is more of the article (split by an ad or a figure), not a teaser.
const SPLIT_ARTICLE_SHARE: f32 = 0.25;

/// Climbs from the densest prose cluster to the ancestor that holds the
/// whole article: while the parent adds another substantial cluster and
/// does not add more noise than prose.
fn widen(elements: &[Element<'_>], index_of: &NodeRows, core: usize, score: impl Fn(&Element<'_>) -> f32) -> usize {
    let target = elements[core].cluster * SPLIT_ARTICLE_SHARE;
    let mut current = core;
    // `probe` climbs ahead of `current` through wrappers: ancestors that
    // add no prose of their own (one `div` per block of a split article).
    let mut probe = core;
    while let Some(parent) = elements.get(elements[probe].parent) {
        if parent.foreign {
            break;
        }
        // Above a wrapper, only blocks built like it continue the article
        // (the next `div.story-part`); other prose there is comments or
        // teasers that the wrapper kept apart.
        let wrapped = probe != current;
        let mut other = 0f32;
        let mut sibling_prose = 0u32;
        for child in parent.node.children() {
            if child.id() == elements[probe].node.id() {
                continue;
            }
            let Some(&i) = index_of.get(&child.id()) else {
                continue;
            };
            let c = &elements[i];
            if wrapped {
                if same_kind(c, &elements[probe]) {
                    other = other.max(c.best_cluster);
                }
                continue;
            }
            other = other.max(c.best_cluster);
            if c.own_chars > 0 && c.prose >= c.own_chars {
                sibling_prose += c.own_chars;
            }
        }
        other = other.max(sibling_prose as f32);
        let up = elements[probe].parent;
        if other >= target {
            if score(parent) < score(&elements[current]) {
                break;
            }
            current = up;
        } else if parent.prose > elements[probe].prose {
            // It adds prose, but no substantial block: a teaser or a
            // caption beside the article, so the article ends here.
            break;
        }
        probe = up;
    }
    current
}

/// Whether two elements share their tag and first class name: blocks that
/// one template wrote (`article-part` and `article-part wide`), like the
/// parts of one article.
fn same_kind(a: &Element<'_>, b: &Element<'_>) -> bool {
    fn kind<'a>(e: &Element<'a>) -> Option<(&'a str, &'a str)> {
        let e = e.node.value().as_element()?;
        Some((e.name(), e.attr("class")?.split_whitespace().next()?))
    }
    kind(a).is_some_and(|k| kind(b) == Some(k))
}

/// Node ids to element-table indices, for the writer's walk over real
/// children. Node ids are small integers inside; SipHash costs more than the
/// whole survey, so the map uses rustc's Fx hash.
type NodeRows = FxHashMap<ego_tree::NodeId, usize>;

fn node_rows(elements: &[Element<'_>]) -> NodeRows {
    let mut map = NodeRows::with_capacity_and_hasher(elements.len(), FxBuildHasher);
    map.extend(elements.iter().enumerate().map(|(i, e)| (e.node.id(), i)));
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROSE: &str = "The council met on Monday to agree a budget for the coming year, and after a long \
        debate the members voted to raise spending on schools and roads by a modest amount.";

    fn find_in(html: &str) -> Found {
        find(&Html::parse_document(html)).expect("prose found")
    }

    #[test]
    fn picks_the_article_over_menus_and_teasers() {
        let page = format!(
            "<html><body><div class=\"top\"><ul><li><a href=\"/a\">Home</a></li><li><a href=\"/b\">World \
             news and more</a></li></ul></div><div id=\"main\"><div class=\"story\"><h1>Title</h1>\
             <p>{PROSE}</p><p>{PROSE} Second.</p><div class=\"share-bar\">Share this on Facebook</div>\
             <p>{PROSE} Third.</p><p>{PROSE} Fourth.</p><p>{PROSE} Fifth.</p><p>{PROSE} Sixth.</p><p>{PROSE} Last.</p></div><div class=\"related\"><p>{PROSE}</p></div></div>\
             <footer><p>{PROSE}</p></footer></body></html>"
        );
        let found = find_in(&page);
        assert!(found.confident);
        assert_eq!(found.fragment.matches("<p>").count(), 7, "{}", found.fragment);
        assert!(found.fragment.contains("Last."));
        assert!(!found.fragment.contains("Share this"));
        assert!(!found.fragment.contains("Home"));
    }

    #[test]
    fn loose_text_and_line_breaks_become_paragraphs() {
        let page =
            format!("<body><div class=\"post\">{PROSE}<br><br>{PROSE} <b>Bold</b> end.<p>{PROSE}</p></div></body>");
        let found = find_in(&page);
        assert!(found.fragment.starts_with("<p>The council"), "{}", found.fragment);
        assert!(found.fragment.contains("<b>Bold</b> end.</p><p>"), "{}", found.fragment);
    }

    #[test]
    fn hidden_parts_and_link_lists_are_left_out() {
        let page = format!(
            "<body><article><p>{PROSE}</p><p style=\"display: none\">Secret {PROSE}</p>\
             <ul><li><a href=\"/1\">Other story one</a></li><li><a href=\"/2\">Other story two</a></li></ul>\
             <ul><li>First point made here</li><li>Second point</li></ul><p>{PROSE}</p></article></body>"
        );
        let found = find_in(&page);
        assert!(!found.fragment.contains("Secret"));
        assert!(!found.fragment.contains("Other story"));
        assert!(
            found.fragment.contains("<li>First point made here</li>"),
            "{}",
            found.fragment
        );
    }

    #[test]
    fn lazy_images_keep_their_real_source() {
        let page = format!(
            "<body><article><p>{PROSE}</p><figure><img src=\"data:image/gif;base64,R0l\" data-src=\"/real.jpg\">\
             <figcaption>Caption</figcaption></figure><p>{PROSE}</p></article></body>"
        );
        let found = find_in(&page);
        assert!(
            found.fragment.contains("<figure><img src=\"/real.jpg\"></figure>"),
            "{}",
            found.fragment
        );
        assert!(!found.fragment.contains("Caption"));
    }

    #[test]
    fn prose_in_furniture_boxes_counts_against_the_winner() {
        let article = format!("<body><article><p>{PROSE}</p><p>{PROSE}</p><p>{PROSE}</p></article></body>");
        assert!(find_in(&article).confident);
        // The densest block is a popup: its prose makes the short article
        // beside it an unsure pick.
        let paragraphs = format!("<p>{PROSE} Popup.</p>").repeat(7);
        let popup = format!(
            "<body><div class=\"modal\">{paragraphs}</div><div class=\"story\"><p>{PROSE}</p><p>{PROSE}</p><p>{PROSE}</p></div></body>"
        );
        assert!(!find_in(&popup).confident);
        // A footer's text is not the article while other prose exists.
        let footer = format!(
            "<body><div class=\"page\"><div class=\"story\"><p>{PROSE} Story.</p><p>{PROSE}</p></div></div>\
             <div class=\"site-footer\"><div class=\"footer-text\">{PROSE} About us. {PROSE} {PROSE}</div></div></body>"
        );
        let found = find_in(&footer);
        assert!(found.fragment.contains("Story."), "{}", found.fragment);
        assert!(!found.fragment.contains("About us."), "{}", found.fragment);
    }

    #[test]
    fn an_article_split_over_wrapped_parts_is_found_whole() {
        let part = |n: usize| {
            format!("<div class=\"part\"><div class=\"inner\"><p>{PROSE} Part {n}.</p><p>{PROSE}</p></div></div>")
        };
        let page = format!(
            "<body><article><section class=\"flow\">{}<figure><img src=\"/a.jpg\"></figure>{}{}</section></article></body>",
            part(1),
            part(2),
            part(3)
        );
        let found = find_in(&page);
        assert!(found.confident);
        for n in 1..=3 {
            assert!(found.fragment.contains(&format!("Part {n}.")), "{}", found.fragment);
        }
        // Above a wrapper, blocks of another kind are not more of the article.
        let notes: String = (0..2)
            .map(|n| format!("<div class=\"note\"><p>{PROSE} Note {n}.</p></div>"))
            .collect();
        let page = format!(
            "<body><div class=\"main\"><div class=\"story\">{}</div>{notes}</div></body>",
            part(1)
        );
        let found = find_in(&page);
        assert!(!found.fragment.contains("Note"), "{}", found.fragment);
    }

    #[test]
    fn a_runaway_title_is_closed_at_the_next_tag() {
        let page =
            format!("<html><head><title>Harbour news (Tribune)ntById(\"x\");</head><body><p>{PROSE}</p></body></html>");
        assert!(find(&Html::parse_document(&page)).is_none());
        let fixed = close_runaway_title(&page).expect("runaway title");
        assert!(fixed.starts_with("<html><head><title>Harbour news (Tribune)ntById(\"x\");</title></head>"));
        assert!(find_in(&fixed).fragment.contains("The council met"));
        // A mangled end tag does not close the title either.
        let mangled = page.replace("ntById(\"x\");", "</titlevalue=\"true\" -->");
        assert!(close_runaway_title(&mangled).is_some());
        // Titles that close, whatever their case, and pages without one are left alone.
        assert!(close_runaway_title("<TITLE>A</Title ><p>x</p>").is_none());
        assert!(close_runaway_title("<p>No title here</p>").is_none());
        assert!(close_runaway_title("<title>").is_none());
    }

    #[test]
    fn short_pages_are_not_trusted() {
        let found = find_in(&format!("<body><p>{PROSE}</p></body>"));
        assert!(!found.confident);
        assert!(find(&Html::parse_document(
            "<body><p>One short line, nothing more.</p></body>"
        ))
        .is_none());
        assert!(find(&Html::parse_document("<body><a href=x>only a link</a></body>")).is_none());
    }

    #[test]
    fn an_image_keeps_its_alt_text_escaped() {
        let page = format!(
            "<body><article><p>{PROSE}</p><figure><img src=\"/quay.jpg\" alt=\"Boats at the &quot;old&quot; quay\"></figure>\
             <p>{PROSE}</p><figure><img src=\"/plain.jpg\" alt=\"  \"></figure><p>{PROSE}</p></article></body>"
        );
        let found = find_in(&page);
        assert!(
            found
                .fragment
                .contains("<figure><img src=\"/quay.jpg\" alt=\"Boats at the &quot;old&quot; quay\"></figure>"),
            "{}",
            found.fragment
        );
        assert!(
            found.fragment.contains("<figure><img src=\"/plain.jpg\"></figure>"),
            "{}",
            found.fragment
        );
    }
}
