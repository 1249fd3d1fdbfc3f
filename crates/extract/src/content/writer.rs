//! The writer: the chosen element's blocks as a flat HTML fragment, minus furniture.

use ego_tree::NodeRef;
use model::html::escape_into;
use scraper::Node;

use super::survey::{is_inline, Element};
use super::NodeRows;

/// Blocks (lists, tables, short lines) dropped from the output above this link share.
const MAX_BLOCK_LINK_SHARE: f32 = 0.5;

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

pub(super) struct Writer<'e, 'a> {
    pub(super) elements: &'e [Element<'a>],
    /// A marked box with more prose than this is the article itself, named
    /// oddly (`content-with-sidebar`), so the writer keeps it.
    pub(super) keep_marked_above: u32,
    pub(super) index_of: NodeRows,
    pub(super) out: String,
    /// Inline content met directly inside a container, written as a paragraph
    /// once a block interrupts it.
    pub(super) inline_run: String,
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

    pub(super) fn flush_inline(&mut self) {
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
    pub(super) fn container(&mut self, index: usize) {
        let node = self.elements[index].node;
        for child in node.children() {
            match child.value() {
                Node::Text(t) => {
                    let mut run = std::mem::take(&mut self.inline_run);
                    escape_into(&mut run, t);
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
            escape_into(&mut self.out, src);
            self.out.push('"');
            // The alt text is the image's words for those who cannot see
            // it; the reader view shows it.
            if let Some(alt) = img.and_then(|e| e.attr("alt")).map(str::trim).filter(|a| !a.is_empty()) {
                self.out.push_str(" alt=\"");
                escape_into(&mut self.out, alt);
                self.out.push('"');
            }
            self.out.push_str("></figure>");
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
                Node::Text(t) => escape_into(out, t),
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
                    Node::Text(t) if !self.inside_junk(n, node) => escape_into(out, t),
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
                                escape_into(out, href);
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
