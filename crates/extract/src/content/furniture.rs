//! The word lists that name page furniture, and how an element's tag and attributes classify it.

use std::sync::LazyLock;

use crate::words::WordLists;

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

/// What an element's tag and attributes say about it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Classification {
    /// Never content (a junk tag, or hidden): left out with everything inside.
    pub junk: bool,
    /// Named like furniture: its text is noise unless it holds most of the article.
    pub marked: bool,
    /// Named like a box of comments or teasers: nothing inside is the article.
    pub foreign: bool,
}

/// How an element's tag and attributes classify it.
pub(super) fn classify(e: &scraper::node::Element) -> Classification {
    let tag = e.name();
    if JUNK_TAGS.contains(&tag) || is_hidden(e) {
        return Classification {
            junk: true,
            ..Classification::default()
        };
    }
    // The page's own framing elements are never junk by name: some sites
    // class their whole page "has-sidebar" or "comments-open".
    if matches!(tag, "html" | "body" | "article" | "main") {
        return Classification::default();
    }
    let marks = MARK_LISTS.lists_in(
        e.attrs()
            .filter(|(name, _)| matches!(*name, "class" | "id"))
            .map(|(_, v)| v),
    );
    if marks & JUNK == 0 || marks & CONTENT != 0 {
        return Classification::default();
    }
    Classification {
        junk: false,
        marked: true,
        foreign: marks & FOREIGN != 0,
    }
}
