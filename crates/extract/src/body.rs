//! From the extractor's HTML fragment to the article's plain text and
//! reader HTML, dropping "See also"-style lines that sites insert mid-body.

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{Html, Node};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use model::html::{escape, escape_into};

/// Openings of the teaser lines sites drop between paragraphs to point at
/// other stories, in the languages we see most. Matched case-insensitively
/// at the start of a short block.
const CUES: &[&str] = &[
    // English
    "see also",
    "read more",
    "read also",
    "also read",
    "read next",
    "related:",
    "related article",
    "related story",
    "related stories",
    "related coverage",
    "more:",
    "more on this",
    "watch:",
    "click here",
    "recommended:",
    "you may also like",
    "don't miss",
    "must read",
    "continue reading",
    // German
    "lesen sie auch",
    "lesen sie mehr",
    "lesen sie hier",
    "mehr zum thema",
    "auch interessant",
    "siehe auch",
    "das könnte sie auch interessieren",
    "weiterlesen",
    "zum thema:",
    // French
    "voir aussi",
    "lire aussi",
    "à lire aussi",
    "a lire aussi",
    "lire la suite",
    "à lire",
    "à voir aussi",
    "sur le même sujet",
    "découvrez aussi",
    // Spanish / Portuguese / Italian
    "lea también",
    "lee también",
    "leer más",
    "ver también",
    "te puede interesar",
    "puede interesarte",
    "leia também",
    "leia mais",
    "veja também",
    "saiba mais",
    "leggi anche",
    "vedi anche",
    "potrebbe interessarti",
    // Dutch / Nordic
    "lees ook",
    "lees meer",
    "zie ook",
    "läs också",
    "läs mer",
    "les også",
    "les mer",
    "læs også",
    "læs mere",
    "lue myös",
    // Central / Eastern European
    "czytaj też",
    "czytaj także",
    "czytaj więcej",
    "zobacz też",
    "zobacz także",
    "přečtěte si",
    "čtěte také",
    "prečítajte si",
    "olvassa el",
    "citește și",
    "vezi și",
    "pročitajte i",
    "pročitajte još",
    "читайте также",
    "читайте тоже",
    "смотрите также",
    "также читайте",
    "читайте також",
    "дивіться також",
    // Turkish / Greek / Indonesian
    "ayrıca bakınız",
    "ilginizi çekebilir",
    "διαβάστε επίσης",
    "διαβάστε ακόμη",
    "baca juga",
    "lihat juga",
];

/// Longest teaser line we treat as boilerplate: a headline, not a paragraph.
const MAX_CUE_WORDS: usize = 25;
/// A block holding an image and fewer words than this is a caption.
const IMAGE_BLOCK_MAX_WORDS: usize = 40;
/// The extractor's output is shallow; deeper structure is not worth walking.
const MAX_DEPTH: usize = 64;

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "table",
    "tr",
    "figure",
    "figcaption",
    "section",
    "article",
    "dl",
    "dt",
    "dd",
    "header",
    "footer",
    "aside",
    "main",
];

fn sanitizer(base: Option<&url::Url>) -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.tags(HashSet::from([
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
        "blockquote",
        "pre",
        "code",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "img",
        "figure",
        "figcaption",
        "a",
        "em",
        "strong",
        "b",
        "i",
        "u",
        "sub",
        "sup",
        "br",
        "hr",
        "dl",
        "dt",
        "dd",
        "q",
        "cite",
        "abbr",
        "small",
        "s",
        "del",
        "ins",
        "mark",
    ]));
    b.link_rel(Some("noopener noreferrer nofollow"));
    if let Some(base) = base {
        b.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    }
    b
}

/// The text of one top-level block and how much of it is link text.
#[derive(Clone)]
struct Block {
    text: String,
    link_chars: usize,
    html: String,
    heading: bool,
}

#[derive(Default)]
pub(crate) struct Body {
    pub text: String,
    pub html: String,
}

/// Whether a short block opens with a cue like "See also" or "Lesen Sie auch".
pub(crate) fn is_teaser_line(text: &str, link_chars: usize) -> bool {
    let trimmed = text.trim_start_matches(|c: char| !c.is_alphanumeric());
    let lower = trimmed.to_lowercase();
    let Some(cue) = CUES.iter().find(|cue| lower.starts_with(**cue)) else {
        return false;
    };
    let words = lower.split_whitespace().count();
    if words > MAX_CUE_WORDS {
        return false;
    }
    // A bare cue, or a cue followed by a linked headline: both are teasers.
    let rest = lower[cue.len()..].trim_matches(|c: char| !c.is_alphanumeric());
    let total = text.chars().count().max(1);
    rest.is_empty() || link_chars * 2 >= total || words <= 15
}

fn collect_text(node: NodeRef<'_, Node>, depth: usize, in_link: bool, out: &mut String, link_chars: &mut usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match node.value() {
        Node::Text(t) => {
            let starts_gap = t.starts_with(char::is_whitespace);
            for (i, piece) in t.split_whitespace().enumerate() {
                let gap = i > 0 || starts_gap;
                if gap && !out.is_empty() && !out.ends_with(['\n', ' ']) {
                    out.push(' ');
                }
                out.push_str(piece);
                if in_link {
                    *link_chars += piece.chars().count();
                }
            }
            // Keep the gap between "word" and the next inline element.
            if t.ends_with(char::is_whitespace) && !out.is_empty() && !out.ends_with(['\n', ' ']) {
                out.push(' ');
            }
        }
        Node::Element(e) => {
            let tag = e.name();
            if tag == "br" {
                trim_end_spaces(out);
                if !out.is_empty() {
                    out.push('\n');
                }
                return;
            }
            if tag == "figcaption" || tag == "figure" {
                return;
            }
            let block = BLOCK_TAGS.contains(&tag) || tag == "td" || tag == "th";
            if block {
                break_paragraph(out, tag);
            }
            let link = in_link || tag == "a";
            for child in node.children() {
                collect_text(child, depth + 1, link, out, link_chars);
            }
            if block {
                break_paragraph(out, tag);
            }
        }
        _ => {}
    }
}

fn trim_end_spaces(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
}

/// Table cells stay on one line, separated by a tab-like gap; other blocks
/// become paragraphs.
fn break_paragraph(out: &mut String, tag: &str) {
    trim_end_spaces(out);
    if out.is_empty() {
        return;
    }
    let sep = match tag {
        "td" | "th" => " ",
        "li" | "tr" | "dt" | "dd" => "\n",
        _ => "\n\n",
    };
    if sep == " " {
        // A row's first cell starts the line; no gap before it.
        if !out.ends_with('\n') {
            out.push(' ');
        }
        return;
    }
    while out.ends_with('\n') {
        if sep == "\n" || out.ends_with("\n\n") {
            return;
        }
        out.pop();
    }
    out.push_str(sep);
}

/// Splits the fragment into its top-level blocks, with their text.
fn blocks(fragment: &str) -> Vec<Block> {
    let doc = Html::parse_fragment(fragment);
    let root = doc.root_element();
    let mut out = Vec::new();
    let mut inline_run = String::new();
    let mut inline_html = String::new();
    let flush = |text: &mut String, html: &mut String, out: &mut Vec<Block>| {
        let mut t = text.trim().to_string();
        if html.contains("<img") && t.split_whitespace().count() < IMAGE_BLOCK_MAX_WORDS {
            t.clear();
        }
        if !t.is_empty() || html.contains("<img") {
            out.push(Block {
                text: t,
                link_chars: 0,
                heading: false,
                html: format!("<p>{html}</p>"),
            });
        }
        text.clear();
        html.clear();
    };
    for child in root.children() {
        let is_block = matches!(child.value(), Node::Element(e) if BLOCK_TAGS.contains(&e.name()));
        if !is_block {
            let mut links = 0;
            collect_text(child, 0, false, &mut inline_run, &mut links);
            inline_html.push_str(&node_html(child));
            continue;
        }
        flush(&mut inline_run, &mut inline_html, &mut out);
        let mut text = String::new();
        let mut link_chars = 0;
        collect_text(child, 0, false, &mut text, &mut link_chars);
        let text = text.trim().to_string();
        let html = node_html(child);
        let keeps_image = html.contains("<img");
        // Captions and credits around images are not article prose: the
        // reader view shows them, the plain text leaves them out.
        let text = if keeps_image && text.split_whitespace().count() < IMAGE_BLOCK_MAX_WORDS {
            String::new()
        } else {
            text
        };
        if !text.is_empty() || keeps_image {
            let heading = matches!(child.value(), Node::Element(e) if matches!(e.name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6"));
            out.push(Block {
                text,
                link_chars,
                html,
                heading,
            });
        }
    }
    flush(&mut inline_run, &mut inline_html, &mut out);
    out
}

/// Elements without content or end tag.
const VOID_TAGS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
];

/// The node as markup. The sanitiser parses it again, so plain escaping
/// suffices; scraper's own serialiser formats character by character and
/// cost more than the rest of rendering.
fn node_html(node: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    for edge in node.traverse() {
        match edge {
            ego_tree::iter::Edge::Open(n) => match n.value() {
                Node::Text(t) => escape_into(&mut out, t),
                Node::Element(e) => {
                    out.push('<');
                    out.push_str(e.name());
                    for (name, value) in e.attrs() {
                        out.push(' ');
                        out.push_str(name);
                        out.push_str("=\"");
                        escape_into(&mut out, value);
                        out.push('"');
                    }
                    out.push('>');
                }
                _ => {}
            },
            ego_tree::iter::Edge::Close(n) => {
                if let Node::Element(e) = n.value() {
                    if !VOID_TAGS.contains(&e.name()) {
                        out.push_str("</");
                        out.push_str(e.name());
                        out.push('>');
                    }
                }
            }
        }
    }
    out
}

/// Builds text and reader HTML from the extractor's fragment. `title` lets a
/// repeated headline at the top be dropped; `base` makes links absolute.
pub(crate) fn render(fragment: &str, page: &PageText<'_>, base: Option<&url::Url>) -> Body {
    let mut kept: Vec<Block> = blocks(fragment)
        .into_iter()
        .filter(|b| !is_teaser_line(&b.text, b.link_chars))
        .collect();
    // Blocks before the comment section's heading are the article; those
    // after it are readers' text. The first blocks are never the heading.
    if let Some(at) = kept.iter().skip(2).position(|b| is_comments_heading(&b.text)) {
        kept.truncate(at + 2);
    }
    let lead_clutter = kept.iter().take_while(|b| is_lead_clutter(b, page)).count();
    if lead_clutter < kept.len() {
        kept.drain(..lead_clutter);
    } else {
        // All headings and date lines: a page whose text is set in headings
        // (an about box as `<h2>`). Headings other than the title stay.
        kept.retain(|b| {
            b.heading
                && !is_lead_clutter(
                    &Block {
                        heading: false,
                        ..b.clone()
                    },
                    page,
                )
        });
    }
    let text = kept
        .iter()
        .map(|b| b.text.as_str())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut joined = String::new();
    if let Some(src) = page.lead_image {
        joined.push_str(&format!("<figure><img src=\"{}\"></figure>", escape(src)));
    }
    joined.extend(kept.iter().map(|b| b.html.as_str()));
    let html = sanitizer(base).clean(&joined).to_string();
    Body { text, html }
}

/// Longest line read as the heading of a comment section.
const MAX_COMMENTS_HEADING_WORDS: usize = 8;

/// Headings that open a comment section: "Comments (12)", "Post a comment",
/// "Comments are closed for this story".
static COMMENTS_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\W*(?:(?:\d+\s+)?(?:readers?'?\s+|user\s+|your\s+)?comments?(?:\s*\(\d+\))?|(?:post|leave|add|write|submit)\s+(?:a|your)\s+comment.*|comments\s+are\s+(?:now\s+)?closed.*|have\s+your\s+say|discuss\s+this\s+(?:story|article)|\d+\s+responses?.*|readers?'?\s+reactions?)\W*$",
    )
    .expect("valid regex")
});

/// Whether a short line is the heading of a comment section.
fn is_comments_heading(text: &str) -> bool {
    text.split_whitespace().count() <= MAX_COMMENTS_HEADING_WORDS && COMMENTS_HEADING.is_match(text.trim())
}

/// What the page says about itself that the body should not repeat.
#[derive(Default)]
pub(crate) struct PageText<'a> {
    pub title: Option<&'a str>,
    pub lead_image: Option<&'a str>,
}

/// Before the first paragraph of prose, extractors often keep the headline,
/// a standfirst set as a heading, the date line, and stray URLs: the page's
/// furniture, not its text. A first paragraph equal to the page's
/// description stays: sites often reuse their lede as the description.
fn is_lead_clutter(block: &Block, page: &PageText<'_>) -> bool {
    let text = block.text.trim();
    text.is_empty()
        || block.heading
        || page.title.is_some_and(|t| same_words(text, t))
        || (text.starts_with("http") && !text.contains(' '))
        || is_date_line(text)
}

/// Longest line read as a bare date line ("Updated 13 February 2024, 18:05").
const MAX_DATE_LINE_CHARS: usize = 48;

/// A short line with a date that is not a sentence: sentences end in a stop.
fn is_date_line(text: &str) -> bool {
    text.chars().count() <= MAX_DATE_LINE_CHARS
        && !text.ends_with(['.', '!', '?', '。'])
        && crate::dates::find_in_text(text, false).is_some()
}

/// Prose comes in paragraphs; a long body in one or two blocks is a page's
/// text run together (menus, teasers and all), not an article.
pub(crate) fn looks_like_whole_page(text: &str) -> bool {
    let blocks = text.split("\n\n").count();
    blocks <= 2 && text.split_whitespace().count() > 250
}

/// A text holding this share of another's word runs holds that text.
const WITHIN_SHARE: f32 = 0.5;

/// Whether most of `part`'s four-word runs occur in `whole`: two
/// extractors that found the same article, one with more around it.
/// Empty `part` is within nothing.
pub(crate) fn mostly_within(part: &str, whole: &str) -> bool {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (part, whole) = (words(part), words(whole));
    // Runs of four words, or of the whole part where it is shorter.
    let n = part.len().min(4);
    if n == 0 || whole.len() < n {
        return false;
    }
    let hash = |run: &[String]| {
        let mut h = rustc_hash::FxHasher::default();
        run.hash(&mut h);
        h.finish()
    };
    let known: HashSet<u64> = whole.windows(n).map(hash).collect();
    let runs = part.len() + 1 - n;
    let inside = part.windows(n).filter(|r| known.contains(&hash(r))).count();
    inside as f32 >= WITHIN_SHARE * runs as f32
}

/// Compares two strings on their words only, ignoring case and punctuation.
pub(crate) fn same_words(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (wa, wb) = (words(a), words(b));
    !wa.is_empty() && wa == wb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_separated_by_blank_lines() {
        let body = render(
            "<p>One  two.</p><p>Three <b>four</b>.</p><ul><li>a</li><li>b</li></ul>",
            &PageText::default(),
            None,
        );
        assert_eq!(body.text, "One two.\n\nThree four.\n\na\nb");
    }

    #[test]
    fn see_also_lines_inside_the_body_are_dropped() {
        let fragment = "<p>Diplomats are also said to have worked for the Secret Service.</p>\
            <p>See also  \"The Great Leap Backward\": China is closing in</p>\
            <p>Lesen Sie auch: <a href=\"/x\">Die Lage in Brüssel</a></p>\
            <p>In case of emergency, NATO may return to the Russian ambassador.</p>";
        let body = render(fragment, &PageText::default(), None);
        assert!(!body.text.contains("See also"));
        assert!(!body.text.contains("Lesen Sie auch"));
        assert!(!body.html.contains("Great Leap"));
        assert!(body.text.starts_with("Diplomats"));
        assert!(body.text.ends_with("Russian ambassador."));
    }

    #[test]
    fn long_paragraph_that_starts_with_a_cue_stays() {
        let text = "See also how the council, after three days of talks in Brussels and a long \
                    night of negotiation, agreed on a plan that many members had opposed for years \
                    and that will now shape the budget.";
        assert!(!is_teaser_line(text, 0));
        assert!(is_teaser_line("Read more: Why prices rise", 20));
        assert!(is_teaser_line("READ MORE", 0));
    }

    #[test]
    fn lead_clutter_is_dropped_and_images_become_absolute() {
        let base = url::Url::parse("https://news.example/a/b.html").unwrap();
        let body = render(
            "<h1>Big News!</h1><h2>All about it, in short.</h2><p>https://news.example/x</p>\
             <p>Text here.</p><figure><img src=\"/i.jpg\" alt=\"x\"></figure>",
            &PageText {
                title: Some("Big news"),
                lead_image: Some("https://news.example/lead.jpg?a=1&b=\"2\""),
            },
            Some(&base),
        );
        assert!(
            body.html
                .starts_with("<figure><img src=\"https://news.example/lead.jpg?a=1&amp;b=&quot;2&quot;\">"),
            "{}",
            body.html
        );
        assert_eq!(body.text, "Text here.");
        let dated = render(
            "<p>13 February 2024</p><p>Text here, on 13 February 2024.</p>",
            &PageText::default(),
            None,
        );
        assert_eq!(dated.text, "Text here, on 13 February 2024.");
        assert!(
            body.html.contains("src=\"https://news.example/i.jpg\""),
            "{}",
            body.html
        );
        assert!(!body.html.contains("<h1>"));
    }

    #[test]
    fn a_body_of_headings_is_not_all_clutter() {
        let page = PageText {
            title: Some("Harbour Society"),
            ..PageText::default()
        };
        let body = render(
            "<h1>Harbour Society</h1><h1>Who are we?</h1><h2>We are a society of boat owners who keep the old harbour open.</h2>",
            &page,
            None,
        );
        assert_eq!(
            body.text,
            "Who are we?\n\nWe are a society of boat owners who keep the old harbour open."
        );
    }

    #[test]
    fn the_comment_section_ends_the_article() {
        for heading in [
            "Comments (3)",
            "Post a Comment",
            "Comments are now closed for this story",
            "12 comments",
        ] {
            let body = render(
                &format!("<p>One.</p><p>Two.</p><p>Three.</p><h3>{heading}</h3><p>Great story, thanks.</p>"),
                &PageText::default(),
                None,
            );
            assert_eq!(body.text, "One.\n\nTwo.\n\nThree.", "{heading}");
        }
        assert!(!is_comments_heading("Comments on the plan were mixed, the mayor said."));
        assert!(!is_comments_heading("No comment"));
    }

    #[test]
    fn lede_paragraph_and_later_headings_stay() {
        let page = PageText {
            title: Some("Headline"),
            ..PageText::default()
        };
        let body = render(
            "<h1>Headline</h1><p>The lede.</p><p>Body.</p><h2>Section</h2><p>More.</p>",
            &page,
            None,
        );
        assert_eq!(body.text, "The lede.\n\nBody.\n\nSection\n\nMore.");
    }

    #[test]
    fn one_text_mostly_within_another() {
        let article = "The ferry to Lindholm sails again from Saturday after a winter in dry dock.";
        let more = format!(
            "Home | Local | Sport | Weather | Jobs\n\n{article}\n\nComments (3)\n\nAbout time too, said one reader \
             who had waited all winter for the big boat to come back to the island."
        );
        assert!(mostly_within(article, &more));
        assert!(!mostly_within(&more, article));
        assert!(!mostly_within(
            article,
            "Our newsletter: the week's best stories, every Friday."
        ));
        assert!(!mostly_within("", article));
        assert!(mostly_within("Short one", "a short one here"));
    }

    #[test]
    fn sanitiser_removes_scripts_and_handlers() {
        let body = render(
            "<p onclick=\"x()\">Hi<script>alert(1)</script></p>",
            &PageText::default(),
            None,
        );
        assert_eq!(body.html, "<p>Hi</p>");
    }
}
