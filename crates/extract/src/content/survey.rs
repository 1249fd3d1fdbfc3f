//! The survey: one walk over the page that sums prose and noise for every element.

use ego_tree::NodeRef;
use scraper::{Html, Node};

use super::furniture::{classify, Classification};

/// A paragraph shorter than this (weighted characters) is a label, not prose.
const MIN_PARAGRAPH: u32 = 80;
/// Paragraphs with more link text than this share are navigation.
const MAX_PARAGRAPH_LINK_SHARE: f32 = 0.35;

/// Elements that do not break a line: their text belongs to the enclosing block.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "font", "i", "img", "kbd", "mark", "q",
    "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "del", "ins",
    "picture", "source",
];

/// One element of the page, in document order.
pub(super) struct Element<'a> {
    pub(super) node: NodeRef<'a, Node>,
    pub(super) parent: usize,
    /// Weighted characters of text directly in this block (not in nested blocks).
    pub(super) own_chars: u32,
    pub(super) own_link_chars: u32,
    pub(super) own_punctuation: u32,
    /// Subtree sums, filled bottom-up.
    pub(super) prose: u32,
    pub(super) noise: u32,
    pub(super) links: u32,
    pub(super) all: u32,
    /// Prose directly inside: its own, its children's, and half its
    /// grandchildren's. Article bodies hold their paragraphs close; teaser
    /// cards hold one each.
    pub(super) cluster: f32,
    /// The largest `cluster` in the subtree, comment and teaser boxes aside.
    pub(super) best_cluster: f32,
    /// Never content: left out with everything inside.
    pub(super) junk: bool,
    /// Named like furniture. Its text counts as noise for its ancestors and
    /// the writer leaves it out, unless it holds most of the article.
    pub(super) marked: bool,
    /// Inside a box of comments or teasers, so it cannot be the article.
    pub(super) foreign: bool,
}

pub(super) fn is_inline(tag: &str) -> bool {
    INLINE_TAGS.contains(&tag)
}

/// Ideographic and syllabic scripts say in one character what Latin says in
/// several; weighting them keeps thresholds language-neutral.
fn char_weight(c: char) -> u32 {
    if (c as u32) >= 0x1100 {
        3
    } else {
        1
    }
}

fn is_sentence_punctuation(c: char) -> bool {
    matches!(
        c,
        '.' | ','
            | ';'
            | ':'
            | '!'
            | '?'
            | '。'
            | '、'
            | '，'
            | '！'
            | '？'
            | '؟'
            | '،'
            | '؛'
            | '।'
            | '»'
            | '"'
            | '”'
    )
}

/// The element table, and the page's prose outside junk, comment and
/// teaser boxes.
pub(super) struct Survey<'a> {
    pub(super) elements: Vec<Element<'a>>,
    pub(super) page_prose: u32,
}

/// Walks the tree once, building the element table with own-text figures.
pub(super) fn survey(doc: &Html) -> Survey<'_> {
    let mut elements: Vec<Element<'_>> = Vec::with_capacity(1024);
    // Open elements as table indices; the innermost block and link count
    // tell where a text node's characters go.
    let mut open: Vec<usize> = Vec::with_capacity(64);
    let mut blocks: Vec<usize> = Vec::with_capacity(64);
    let mut links = 0usize;
    let mut skip_depth = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if skip_depth > 0 {
                        skip_depth += 1;
                        continue;
                    }
                    let Classification { junk, marked, foreign } = classify(e);
                    let parent = open.last().copied().unwrap_or(usize::MAX);
                    let foreign = foreign || elements.get(parent).is_some_and(|p| p.foreign);
                    let index = elements.len();
                    elements.push(Element {
                        node,
                        parent,
                        own_chars: 0,
                        own_link_chars: 0,
                        own_punctuation: 0,
                        prose: 0,
                        noise: 0,
                        links: 0,
                        all: 0,
                        cluster: 0.0,
                        best_cluster: 0.0,
                        junk,
                        marked,
                        foreign,
                    });
                    if junk {
                        skip_depth = 1;
                        continue;
                    }
                    open.push(index);
                    let tag = e.name();
                    if !is_inline(tag) {
                        blocks.push(index);
                    }
                    if tag == "a" {
                        links += 1;
                    }
                }
                Node::Text(t) if skip_depth == 0 => {
                    let Some(&block) = blocks.last() else { continue };
                    let (mut chars, mut punctuation) = (0u32, 0u32);
                    for c in t.chars() {
                        if !c.is_whitespace() {
                            chars += char_weight(c);
                            punctuation += u32::from(is_sentence_punctuation(c));
                        }
                    }
                    let b = &mut elements[block];
                    b.own_chars += chars;
                    b.own_punctuation += punctuation;
                    if links > 0 {
                        b.own_link_chars += chars;
                    }
                }
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) => {
                let Node::Element(e) = node.value() else { continue };
                if skip_depth > 0 {
                    skip_depth -= 1;
                    continue;
                }
                if let Some(index) = open.pop() {
                    if blocks.last() == Some(&index) {
                        blocks.pop();
                    }
                }
                if e.name() == "a" {
                    links = links.saturating_sub(1);
                }
            }
        }
    }
    // Children follow their parents in document order, so one backward
    // pass sums every subtree.
    let mut page_prose = 0u32;
    for i in (0..elements.len()).rev() {
        let el = &mut elements[i];
        if el.junk {
            continue;
        }
        let own = el.own_chars;
        let mut own_prose = 0;
        if own > 0 {
            let prose = own >= MIN_PARAGRAPH
                && (el.own_link_chars as f32) <= MAX_PARAGRAPH_LINK_SHARE * own as f32
                && (el.own_punctuation > 0 || own >= 3 * MIN_PARAGRAPH);
            if prose {
                own_prose = own;
                if !el.foreign {
                    page_prose += own;
                }
                el.prose += own;
                el.cluster += own as f32;
            } else {
                el.noise += own;
            }
            el.links += el.own_link_chars;
            el.all += own;
        }
        el.best_cluster = if el.foreign {
            0.0
        } else {
            el.best_cluster.max(el.cluster)
        };
        let (prose, noise, links, all, parent) = (el.prose, el.noise, el.links, el.all, el.parent);
        let best_cluster = el.best_cluster;
        let (prose, noise) = if el.marked { (0, prose + noise) } else { (prose, noise) };
        let grandparent = elements.get(parent).map_or(usize::MAX, |p| p.parent);
        if let Some(g) = elements.get_mut(grandparent) {
            g.cluster += own_prose as f32 / 2.0;
        }
        if let Some(p) = elements.get_mut(parent) {
            p.cluster += own_prose as f32;
            p.best_cluster = p.best_cluster.max(best_cluster);
            p.prose += prose;
            p.noise += noise;
            p.links += links;
            p.all += all;
        }
    }
    Survey { elements, page_prose }
}
