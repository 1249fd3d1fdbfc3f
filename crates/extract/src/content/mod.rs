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
const MIN_PROSE_SHARE: f32 = 0.6;
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
    let core = elements
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.junk && !e.foreign && e.prose > 0)
        .max_by(|(ia, a), (ib, b)| a.cluster.total_cmp(&b.cluster).then(ib.cmp(ia)))
        .map(|(i, _)| i)?;
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

/// A sibling branch with a prose cluster at least this share of the core's
/// is more of the article (split by an ad or a figure), not a teaser.
const SPLIT_ARTICLE_SHARE: f32 = 0.25;

/// Climbs from the densest prose cluster to the ancestor that holds the
/// whole article: while the parent adds another substantial cluster and
/// does not add more noise than prose.
fn widen(elements: &[Element<'_>], index_of: &NodeRows, core: usize, score: impl Fn(&Element<'_>) -> f32) -> usize {
    let target = elements[core].cluster * SPLIT_ARTICLE_SHARE;
    let mut current = core;
    while let Some(parent) = elements.get(elements[current].parent) {
        if parent.foreign {
            break;
        }
        let mut other = 0f32;
        let mut sibling_prose = 0u32;
        for child in parent.node.children() {
            if child.id() == elements[current].node.id() {
                continue;
            }
            let Some(&i) = index_of.get(&child.id()) else {
                continue;
            };
            let c = &elements[i];
            other = other.max(c.best_cluster);
            if c.own_chars > 0 && c.prose >= c.own_chars {
                sibling_prose += c.own_chars;
            }
        }
        other = other.max(sibling_prose as f32);
        if other < target || score(parent) < score(&elements[current]) {
            break;
        }
        current = elements[current].parent;
    }
    current
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
        // The densest block is a popup; as much prose again lies elsewhere.
        let paragraphs = format!("<p>{PROSE}</p>").repeat(7);
        let asides: String = (0..7)
            .map(|n| format!("<div class=\"box{n}\"><div><p>{PROSE} {n}</p></div></div>"))
            .collect();
        let popup = format!("<body><div class=\"modal\">{paragraphs}</div>{asides}</body>");
        assert!(!find_in(&popup).confident);
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
