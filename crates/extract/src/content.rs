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

use ego_tree::NodeRef;
use scraper::{Html, Node};
use std::sync::LazyLock;

use crate::words::WordLists;

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
/// A paragraph shorter than this (weighted characters) is a label, not prose.
const MIN_PARAGRAPH: u32 = 80;
/// Paragraphs with more link text than this share are navigation.
const MAX_PARAGRAPH_LINK_SHARE: f32 = 0.35;
/// Blocks (lists, tables, short lines) dropped from the output above this link share.
const MAX_BLOCK_LINK_SHARE: f32 = 0.5;

/// Never content, whatever their text.
const JUNK_TAGS: &[&str] = &[
    "nav", "aside", "footer", "script", "style", "noscript", "template", "svg", "button", "select", "option", "input",
    "textarea", "label", "iframe", "object", "embed", "canvas", "dialog", "menu", "head", "title", "meta", "link",
    "audio", "video", "map",
];

/// Words in a class or id that mark page furniture. Matched as substrings of
/// the class and id in any case, so `share-bar` and `socialShare` both hit.
const JUNK_MARKS: &[&str] = &[
    "comment",
    "disqus",
    "sidebar",
    "related",
    "share",
    "sharing",
    "social",
    "newsletter",
    "subscribe",
    "signup",
    "sign-up",
    "promo",
    "sponsor",
    "advert",
    "-ad-",
    "adslot",
    "ad-slot",
    "ad-container",
    "ad-wrapper",
    "breadcrumb",
    "pagination",
    "pager",
    "popup",
    "modal",
    "cookie",
    "consent",
    "gdpr",
    "footer",
    "masthead",
    "navbar",
    "menu",
    "widget",
    "recommend",
    "outbrain",
    "taboola",
    "trending",
    "popular",
    "most-read",
    "mostread",
    "read-more",
    "readmore",
    "more-stories",
    "more-from",
    "next-article",
    "author-bio",
    "authorbio",
    "byline",
    "tags",
    "tag-list",
    "taglist",
    "keywords",
    "caption",
    "credit",
    "print-only",
    "visually-hidden",
    "sr-only",
    "screen-reader",
    "skip-link",
    "toolbar",
    "rating",
    "jump-link",
    "teaser",
];

/// Junk words whose boxes hold prose that is not the article (reader
/// comments, teaser summaries): nothing inside them can be the article.
const FOREIGN_PROSE_MARKS: &[&str] = &[
    "comment",
    "disqus",
    "related",
    "recommend",
    "outbrain",
    "taboola",
    "popular",
    "trending",
    "more-stories",
    "more-from",
    "most-read",
    "mostread",
];

/// Marks that outrank a junk word: `article-body share` is still the body.
const CONTENT_MARKS: &[&str] = &[
    "article-body",
    "articlebody",
    "article-content",
    "article__body",
    "article__content",
    "story-body",
    "storybody",
    "post-body",
    "post-content",
    "entry-content",
    "main-content",
    "body-text",
    "bodytext",
    "article-text",
    "story-content",
    "content-body",
    "rich-text",
];

/// Elements that do not break a line: their text belongs to the enclosing block.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "font", "i", "img", "kbd", "mark", "q",
    "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "del", "ins",
    "picture", "source",
];

/// Blocks written out whole, with their inner structure.
const ATOMIC_BLOCKS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "dl",
    "blockquote",
    "pre",
    "table",
    "figure",
];

/// Tags kept as such inside a written block; others give way to their children.
const KEPT_INLINE: &[&str] = &[
    "a", "b", "strong", "i", "em", "u", "sub", "sup", "br", "code", "q", "cite", "abbr", "mark", "small", "s", "del",
    "ins",
];
const KEPT_STRUCTURE: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "figure",
    "figcaption",
];

/// The article as a flat HTML fragment, and whether the finder trusts it.
pub(crate) struct Found {
    pub fragment: String,
    pub confident: bool,
}

/// One element of the page, in document order.
struct Element<'a> {
    node: NodeRef<'a, Node>,
    parent: usize,
    /// Weighted characters of text directly in this block (not in nested blocks).
    own_chars: u32,
    own_link_chars: u32,
    own_punctuation: u32,
    /// Subtree sums, filled bottom-up.
    prose: u32,
    noise: u32,
    links: u32,
    all: u32,
    /// Prose directly inside: its own, its children's, and half its
    /// grandchildren's. Article bodies hold their paragraphs close; teaser
    /// cards hold one each.
    cluster: f32,
    /// The largest `cluster` in the subtree, comment and teaser boxes aside.
    best_cluster: f32,
    /// Never content: left out with everything inside.
    junk: bool,
    /// Named like furniture. Its text counts as noise for its ancestors and
    /// the writer leaves it out, unless it holds most of the article.
    marked: bool,
    /// Inside a box of comments or teasers, so it cannot be the article.
    foreign: bool,
}

fn is_inline(tag: &str) -> bool {
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

/// Hidden by markup, so no reader sees it.
fn is_hidden(e: &scraper::node::Element) -> bool {
    let mut hidden = false;
    for (name, value) in e.attrs() {
        match name {
            "hidden" => hidden = true,
            "aria-hidden" => hidden |= value.trim().eq_ignore_ascii_case("true"),
            "style" => {
                let style: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .flat_map(char::to_lowercase)
                    .collect();
                hidden |= style.contains("display:none") || style.contains("visibility:hidden");
            }
            _ => {}
        }
    }
    hidden
}

/// Bits of [`MARK_LISTS`]' answer.
const JUNK: u8 = 1;
const FOREIGN: u8 = 2;
const CONTENT: u8 = 4;
static MARK_LISTS: LazyLock<WordLists> =
    LazyLock::new(|| WordLists::new(&[JUNK_MARKS, FOREIGN_PROSE_MARKS, CONTENT_MARKS]));

/// How an element's tag and attributes classify it: (junk, marked, foreign).
fn classify(e: &scraper::node::Element) -> (bool, bool, bool) {
    let tag = e.name();
    if JUNK_TAGS.contains(&tag) || is_hidden(e) {
        return (true, false, false);
    }
    // The page's own framing elements are never junk by name: some sites
    // class their whole page "has-sidebar" or "comments-open".
    if matches!(tag, "html" | "body" | "article" | "main") {
        return (false, false, false);
    }
    let marks = MARK_LISTS.lists_in(
        e.attrs()
            .filter(|(name, _)| matches!(*name, "class" | "id"))
            .map(|(_, v)| v),
    );
    if marks & JUNK == 0 || marks & CONTENT != 0 {
        return (false, false, false);
    }
    (false, true, marks & FOREIGN != 0)
}

/// The element table, and the page's prose outside junk, comment and
/// teaser boxes.
struct Survey<'a> {
    elements: Vec<Element<'a>>,
    page_prose: u32,
}

/// Walks the tree once, building the element table with own-text figures.
fn survey(doc: &Html) -> Survey<'_> {
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
                    let (junk, marked, foreign) = classify(e);
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
    let index_of = index_map(&elements);
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
fn widen(elements: &[Element<'_>], index_of: &IndexMap, core: usize, score: impl Fn(&Element<'_>) -> f32) -> usize {
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

/// Node ids to table indices, for the writer's walk over real children.
/// Node ids are small integers inside; hashing them with SipHash costs more
/// than the whole survey, so a multiplicative hash stands in.
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type IndexMap = std::collections::HashMap<ego_tree::NodeId, usize, std::hash::BuildHasherDefault<IdHasher>>;

fn index_map(elements: &[Element<'_>]) -> IndexMap {
    let mut map = IndexMap::with_capacity_and_hasher(elements.len(), Default::default());
    map.extend(elements.iter().enumerate().map(|(i, e)| (e.node.id(), i)));
    map
}

struct Writer<'e, 'a> {
    elements: &'e [Element<'a>],
    /// A marked box with more prose than this is the article itself, named
    /// oddly (`content-with-sidebar`), so the writer keeps it.
    keep_marked_above: u32,
    index_of: IndexMap,
    out: String,
    /// Inline content met directly inside a container, written as a paragraph
    /// once a block interrupts it.
    inline_run: String,
}

pub(crate) fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

pub(crate) fn escape_attr(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            c => out.push(c),
        }
    }
}

/// The address an image really shows: lazy loaders keep it in `data-*`
/// attributes and put a placeholder in `src`.
fn image_source(e: &scraper::node::Element) -> Option<&str> {
    let usable = |s: &str| !s.trim().is_empty() && !s.trim_start().starts_with("data:");
    ["data-src", "data-lazy-src", "data-original", "src"]
        .iter()
        .filter_map(|a| e.attr(a))
        .find(|s| usable(s))
        .or_else(|| {
            e.attr("srcset")
                .or_else(|| e.attr("data-srcset"))
                .and_then(|s| s.split(',').next())
                .and_then(|s| s.split_whitespace().next())
                .filter(|s| usable(s))
        })
}

impl<'a> Writer<'_, 'a> {
    fn info(&self, node: NodeRef<'a, Node>) -> Option<&Element<'a>> {
        self.index_of.get(&node.id()).map(|&i| &self.elements[i])
    }

    fn left_out(&self, e: &Element<'_>) -> bool {
        e.junk || (e.marked && e.prose <= self.keep_marked_above)
    }

    fn link_share(e: &Element<'_>) -> f32 {
        if e.all == 0 {
            0.0
        } else {
            e.links as f32 / e.all as f32
        }
    }

    fn flush_inline(&mut self) {
        let run = std::mem::take(&mut self.inline_run);
        if run.trim().is_empty() {
            return;
        }
        self.out.push_str("<p>");
        self.out.push_str(&run);
        self.out.push_str("</p>");
    }

    /// Walks a container's children, writing atomic blocks whole and
    /// gathering loose inline content into paragraphs.
    fn container(&mut self, index: usize) {
        let node = self.elements[index].node;
        for child in node.children() {
            match child.value() {
                Node::Text(t) => {
                    let mut run = std::mem::take(&mut self.inline_run);
                    escape_text(t, &mut run);
                    self.inline_run = run;
                }
                Node::Element(e) => {
                    let Some(info) = self.info(child) else { continue };
                    if self.left_out(info) {
                        continue;
                    }
                    let tag = e.name();
                    let child_index = self.index_of[&child.id()];
                    if tag == "img" || tag == "picture" {
                        self.flush_inline();
                        self.image(child);
                    } else if is_inline(tag) {
                        let mut run = std::mem::take(&mut self.inline_run);
                        self.inline(child, &mut run);
                        self.inline_run = run;
                    } else if ATOMIC_BLOCKS.contains(&tag) {
                        self.flush_inline();
                        self.atomic(child_index);
                    } else {
                        self.flush_inline();
                        let info = &self.elements[child_index];
                        // A box of links without prose: a menu or teaser list.
                        if info.prose == 0 && info.all > 0 && Self::link_share(info) > MAX_BLOCK_LINK_SHARE {
                            continue;
                        }
                        self.container(child_index);
                        self.flush_inline();
                    }
                }
                _ => {}
            }
        }
    }

    fn image(&mut self, node: NodeRef<'a, Node>) {
        let img = if let Node::Element(e) = node.value() {
            if e.name() == "img" {
                Some(e)
            } else {
                node.descendants()
                    .filter_map(|d| d.value().as_element())
                    .find(|d| d.name() == "img")
            }
        } else {
            None
        };
        if let Some(src) = img.and_then(image_source) {
            self.out.push_str("<figure><img src=\"");
            escape_attr(src, &mut self.out);
            self.out.push_str("\"></figure>");
        }
    }

    fn atomic(&mut self, index: usize) {
        let info = &self.elements[index];
        let node = info.node;
        let Node::Element(e) = node.value() else { return };
        let tag = e.name();
        if tag == "figure" {
            self.image(node);
            return;
        }
        if info.all == 0 {
            // An image set as a paragraph of its own.
            if node
                .descendants()
                .any(|d| d.value().as_element().is_some_and(|e| e.name() == "img"))
            {
                self.image(node);
            }
            return;
        }
        if Self::link_share(info) > MAX_BLOCK_LINK_SHARE {
            return;
        }
        let mut out = std::mem::take(&mut self.out);
        self.structure(node, &mut out, 0);
        self.out = out;
    }

    /// Writes a block with its structure kept, dropping junk inside it.
    fn structure(&self, node: NodeRef<'a, Node>, out: &mut String, depth: usize) {
        let Node::Element(e) = node.value() else { return };
        let tag = e.name();
        let kept = KEPT_STRUCTURE.contains(&tag);
        if kept {
            out.push('<');
            out.push_str(tag);
            out.push('>');
        }
        for child in node.children() {
            match child.value() {
                Node::Text(t) => escape_text(t, out),
                Node::Element(ce) => {
                    if self.info(child).is_none_or(|i| self.left_out(i)) {
                        continue;
                    }
                    let ctag = ce.name();
                    if ctag == "img" || ctag == "picture" {
                        continue;
                    }
                    if is_inline(ctag) {
                        self.inline(child, out);
                    } else if depth < 32 {
                        self.structure(child, out, depth + 1);
                        if !KEPT_STRUCTURE.contains(&ctag) {
                            out.push_str("<br>");
                        }
                    }
                }
                _ => {}
            }
        }
        if kept {
            out.push_str("</");
            out.push_str(tag);
            out.push('>');
        }
    }

    fn inline(&self, node: NodeRef<'a, Node>, out: &mut String) {
        // Inline nesting is shallow on real pages; an iterative walk keeps
        // hostile ones from costing stack.
        for edge in node.traverse() {
            match edge {
                ego_tree::iter::Edge::Open(n) => match n.value() {
                    Node::Text(t) if !self.inside_junk(n, node) => escape_text(t, out),
                    Node::Element(e) => {
                        let tag = e.name();
                        if !KEPT_INLINE.contains(&tag) || self.inside_junk(n, node) {
                            continue;
                        }
                        if tag == "br" {
                            out.push_str("<br>");
                            continue;
                        }
                        out.push('<');
                        out.push_str(tag);
                        if tag == "a" {
                            if let Some(href) = e.attr("href") {
                                out.push_str(" href=\"");
                                escape_attr(href, out);
                                out.push('"');
                            }
                        }
                        out.push('>');
                    }
                    _ => {}
                },
                ego_tree::iter::Edge::Close(n) => {
                    if let Node::Element(e) = n.value() {
                        let tag = e.name();
                        if tag != "br" && KEPT_INLINE.contains(&tag) && !self.inside_junk(n, node) {
                            out.push_str("</");
                            out.push_str(tag);
                            out.push('>');
                        }
                    }
                }
            }
        }
    }

    /// Whether `n`, inside the inline subtree rooted at `top`, sits in a
    /// junk element (or a block nested in inline markup, which the survey
    /// did not record).
    fn inside_junk(&self, n: NodeRef<'a, Node>, top: NodeRef<'a, Node>) -> bool {
        let mut cur = Some(n);
        while let Some(c) = cur {
            if let Node::Element(_) = c.value() {
                match self.info(c) {
                    Some(info) if self.left_out(info) => return true,
                    None => return true,
                    _ => {}
                }
            }
            if c.id() == top.id() {
                return false;
            }
            cur = c.parent();
        }
        false
    }
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
}
