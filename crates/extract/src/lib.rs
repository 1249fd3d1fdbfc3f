//! HTML page to [`model::Article`]. Pure: bytes in, value out, no I/O and no
//! clock, so the same page always gives the same article.
//!
//! Steps: refuse binary payloads, decode (BOM, transport charset, `<meta>`,
//! then detection), trim the markup (script code, comments, SVG, site
//! navigation, inline blobs, script hooks, absurd nesting) in one linear
//! pass, cap its size, parse once, read the page's own metadata, find the
//! article with our own prose-density finder (`content`), and only where it
//! is unsure ask the slower `trafilatura` extractor; then render plain text
//! and sanitised reader HTML, dropping lead clutter and "See also"-style
//! teaser lines.

mod body;
mod content;
mod dates;
mod decode;
mod markup;
mod metadata;
mod page;
mod words;

use model::Article;
use scraper::Html;
use trafilatura::dom::Document;
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("empty input: no bytes besides whitespace")]
    Empty,
    #[error("not HTML: looks like {0}")]
    Binary(String),
    #[error("no article text found in the page{}", .0.as_deref().map(|u| format!(" at {u}")).unwrap_or_default())]
    NoContent(Option<String>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The hard memory bound: markup beyond this is cut before parsing, since
/// the parsed tree costs several times the markup it holds. The cut applies
/// after scripts, styles, comments and inline blobs are gone, so a bloated
/// page keeps its article; a page with more visible markup than this before
/// its article loses it.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// Extracts the article from one page. `url` is where the page came from and
/// makes links absolute.
pub fn extract(html: &[u8], url: Option<&str>) -> Result<Article> {
    extract_with_charset(html, url, None)
}

/// Like [`extract`]; `charset` is the HTTP Content-Type charset, which wins
/// over what the page says.
pub fn extract_with_charset(html: &[u8], url: Option<&str>, charset: Option<&str>) -> Result<Article> {
    decode::check_payload(html)?;
    let text = decode::decode(html, charset, url);
    let page_url = url.and_then(|u| Url::parse(u).ok());

    // Code, comments, styles and inline blobs go first, so the cap below
    // applies to what a reader could see and rarely cuts an article.
    let mut prepared = markup::prepare(&text, markup::MAX_NESTING);
    markup::cap(&mut prepared, MAX_INPUT_BYTES);
    // A `<title>` that never closes would parse as the whole page.
    if let Some(closed) = content::close_runaway_title(&prepared) {
        prepared = std::borrow::Cow::Owned(closed);
    }
    let doc = Html::parse_document(&prepared);
    let facts = page::read(&doc);

    let canonical = facts
        .canonical
        .as_deref()
        .or_else(|| facts.meta(&["og:url"]))
        .and_then(|c| absolute(c, page_url.as_ref()));
    let base = page_url
        .clone()
        .or_else(|| canonical.as_deref().and_then(|c| Url::parse(c).ok()));

    let site_name = metadata::site_name(&facts);
    let title = metadata::title(&facts, site_name.as_deref());
    let image = facts
        .meta(&[
            "og:image",
            "og:image:url",
            "og:image:secure_url",
            "twitter:image",
            "twitter:image:src",
        ])
        .and_then(|i| absolute(i, base.as_ref()));
    let description = facts
        .meta(&["description", "og:description", "twitter:description"])
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "));
    let page_text = body::PageText {
        title: title.as_deref(),
        lead_image: image.as_deref(),
    };

    let found = content::find(&doc);
    drop(doc);
    let body = match found {
        Some(found) if found.confident => body::render(&found.fragment, &page_text, base.as_ref()),
        found => {
            let ours = || found.map(|f| body::render(&f.fragment, &page_text, base.as_ref()));
            fallback_body(&prepared, base.as_ref(), &page_text, &facts, ours).unwrap_or_default()
        }
    };
    drop(prepared);
    if body.text.trim().is_empty() {
        return Err(Error::NoContent(url.map(str::to_string)));
    }

    let language = metadata::language(&facts, &body.text);
    let month_first = language.as_deref() == Some("en")
        && base.as_ref().and_then(Url::host_str).is_some_and(|h| {
            !h.ends_with(".uk")
                && !h.ends_with(".au")
                && !h.ends_with(".ie")
                && !h.ends_with(".nz")
                && !h.ends_with(".in")
        });
    let date_urls: Vec<&str> = [url, canonical.as_deref(), facts.meta(&["og:url"])]
        .into_iter()
        .flatten()
        .collect();
    let dates = dates::choose(&dates::DateEvidence {
        facts: &facts,
        urls: &date_urls,
        body: &body.text,
        html: &text,
        month_first,
    });
    let authors = metadata::authors(&facts, site_name.as_deref());

    Ok(Article {
        url: url.map(str::to_string),
        canonical_url: canonical,
        title,
        text: body.text,
        html: body.html,
        published: dates.published,
        modified: dates.modified,
        authors,
        language,
        site_name,
        description,
        image,
    })
}

/// The `trafilatura` extractor, for pages where our own finder is unsure;
/// `ours` renders the finder's pick, used when `trafilatura` finds nothing,
/// or finds the same article with more around it. It parses the page again: its tree type cannot be built from
/// ours, and it runs on a minority of pages.
fn fallback_body(
    prepared: &str,
    base: Option<&Url>,
    page_text: &body::PageText<'_>,
    facts: &page::PageFacts,
    ours: impl FnOnce() -> Option<body::Body>,
) -> Option<body::Body> {
    // Images and links in its output cost body precision (it keeps caption
    // and link-box text around them), and its own fallback extractors halve
    // throughput for a small gain, so all three stay off. Comments are not
    // the article, and dates are read elsewhere with time zones.
    let mut options = trafilatura::Options::default()
        .with_exclude_comments(true)
        .with_html_date_mode(trafilatura::HtmlDateMode::Disabled);
    if let Some(base) = base {
        options = options.with_url(base.clone());
    }
    let Ok(fragment) = trafilatura::extract_document(Document::parse(prepared), &options) else {
        return ours();
    };
    let body = body::render(&fragment.content_html, page_text, base);
    if body.text.trim().is_empty() {
        return ours();
    }
    // Where the two agree on the article, its text holds most of ours, and
    // what it adds is what our finder left out on purpose (comments,
    // teasers, link boxes); where they disagree, ours picked the wrong block.
    let prefer_ours = |theirs: body::Body| match ours() {
        Some(ours) if body::mostly_within(&ours.text, &theirs.text) => ours,
        _ => theirs,
    };
    if !body::looks_like_whole_page(&body.text) {
        return Some(prefer_ours(body));
    }
    // The main pass found no article block and returned the page's text at
    // large; the slow readability and jusText fallbacks are worth it here.
    // Naming the language lets jusText load one stop-word list instead of
    // all of them (tens of milliseconds); a retry whose text turns out to be
    // in another language is refused, and the main pass's text stays.
    let mut options = options.with_fallback(true);
    if let Some(language) = metadata::language(facts, &body.text) {
        options = options.with_target_language(language);
    }
    let retry = trafilatura::extract_document(Document::parse(prepared), &options).ok();
    match retry.map(|r| body::render(&r.content_html, page_text, base)) {
        Some(retry) if !retry.text.trim().is_empty() => Some(prefer_ours(retry)),
        _ => Some(prefer_ours(body)),
    }
}

/// Resolves `link` against `base`; without a base only absolute http(s)
/// links survive.
fn absolute(link: &str, base: Option<&Url>) -> Option<String> {
    let link = link.trim();
    let parsed = match base {
        Some(base) => base.join(link).ok()?,
        None => Url::parse(link).ok()?,
    };
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::Timestamp;

    const PARAGRAPH: &str = "In the wake of the controversy over the cancellation of accreditation \
        for Russian diplomats, Moscow will suspend the work of its permanent mission to NATO in \
        Brussels from early November, the foreign ministry announced on Monday.";

    fn news_page() -> String {
        format!(
            r#"<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
            <title>Russia closes its mission to NATO | Raven Tribune</title>
            <meta property="og:site_name" content="Raven Tribune">
            <meta property="og:title" content="Russia closes its mission to NATO">
            <meta property="og:image" content="/img/lead.jpg">
            <meta name="description" content="Moscow reacts with a clear move.">
            <link rel="canonical" href="/world/russia-nato">
            <script type="application/ld+json">{{"@context":"https://schema.org","@graph":[
              {{"@type":"WebSite","name":"Raven Tribune"}},
              {{"@type":"NewsArticle","headline":"Russia closes its mission to NATO",
                "datePublished":"2021-10-18T09:30:00+02:00","dateModified":"2021-10-19T08:00:00+02:00",
                "author":[{{"@type":"Person","name":"By Jane Doe"}},{{"@type":"Person","name":"John Smith"}}]}}]}}</script>
            </head><body>
            <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
            <article><h1>Russia closes its mission to NATO</h1>
            <p>{PARAGRAPH}</p>
            <p>See also  "The Great Leap Backward": China is closing in</p>
            <p>{PARAGRAPH} A second paragraph follows with more detail about the reaction.</p>
            <figure><img src="/img/body.jpg" alt="Brussels"><figcaption>NATO headquarters</figcaption></figure>
            <p>{PARAGRAPH} The third paragraph closes the report.</p>
            </article>
            <div class="share">Share on Facebook Share on Twitter</div>
            <footer>Copyright 2021 Raven Tribune. All rights reserved.</footer>
            </body></html>"#
        )
    }

    #[test]
    fn full_news_page() {
        let html = news_page();
        let a = extract(html.as_bytes(), Some("https://tribune.example/world/russia-nato?utm=x")).unwrap();
        assert_eq!(a.title.as_deref(), Some("Russia closes its mission to NATO"));
        assert_eq!(a.site_name.as_deref(), Some("Raven Tribune"));
        assert_eq!(
            a.canonical_url.as_deref(),
            Some("https://tribune.example/world/russia-nato")
        );
        assert_eq!(a.image.as_deref(), Some("https://tribune.example/img/lead.jpg"));
        assert_eq!(a.description.as_deref(), Some("Moscow reacts with a clear move."));
        assert_eq!(a.language.as_deref(), Some("en"));
        assert_eq!(a.authors, vec!["Jane Doe".to_string(), "John Smith".to_string()]);
        assert_eq!(
            a.published,
            Some("2021-10-18T09:30:00+02:00".parse::<Timestamp>().unwrap())
        );
        assert_eq!(
            a.modified,
            Some("2021-10-19T08:00:00+02:00".parse::<Timestamp>().unwrap())
        );
        assert!(a.text.starts_with("In the wake"), "{}", a.text);
        assert_eq!(a.text.matches("\n\n").count(), a.text.split("\n\n").count() - 1);
        assert!(a.text.split("\n\n").count() >= 3, "{}", a.text);
        assert!(!a.text.contains("See also"));
        assert!(!a.text.contains("Share on"));
        assert!(!a.text.contains("Copyright"));
        assert!(
            a.html
                .starts_with("<figure><img src=\"https://tribune.example/img/lead.jpg\">"),
            "{}",
            a.html
        );
        assert!(a.html.contains("<p>In the wake"), "{}", a.html);
    }

    #[test]
    fn windows_1251_page_without_declaration_has_no_mojibake() {
        let page = format!(
            "<html><head><title>Новости</title></head><body><article><p>{0}</p><p>{0}</p></article></body></html>",
            "Министерство иностранных дел России объявило в понедельник, что приостанавливает работу \
             постоянного представительства при НАТО в Брюсселе с начала ноября."
        );
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&page);
        let a = extract(&bytes, Some("https://example.ru/news/1")).unwrap();
        assert!(a.text.contains("Министерство иностранных дел"), "{}", a.text);
        assert_eq!(a.language.as_deref(), Some("ru"));
    }

    #[test]
    fn shift_jis_page_with_meta_charset() {
        let page = format!(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">\
             <title>ニュース</title></head><body><article><p>{0}</p><p>{0}</p></article></body></html>",
            "東京都は月曜日、新しい防災計画を発表した。計画では、大規模な地震に備えて避難所の数を増やし、\
             食料や水の備蓄を拡充することが盛り込まれている。"
        );
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&page);
        let a = extract(&bytes, None).unwrap();
        assert!(a.text.contains("新しい防災計画を発表した"), "{}", a.text);
        assert_eq!(a.language.as_deref(), Some("ja"));
    }

    #[test]
    fn http_charset_wins_over_the_page() {
        let page = format!(
            "<meta charset=\"utf-8\"><article><p>{0}</p><p>{0}</p></article>",
            "Größere Städte melden für März höhere Übernachtungszahlen als im Vorjahr, teilte das Amt mit."
        );
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&page);
        let a = extract_with_charset(&bytes, None, Some("iso-8859-1")).unwrap();
        assert!(a.text.contains("Größere Städte melden für März"), "{}", a.text);
    }

    #[test]
    fn binary_and_empty_input_are_refused_clearly() {
        let err = extract(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", None).unwrap_err();
        assert_eq!(err.to_string(), "not HTML: looks like PNG image data");
        assert!(matches!(extract(b"", None), Err(Error::Empty)));
        assert!(matches!(
            extract(b"\xff\xd8\xff\xe0\0\x10JFIF", None),
            Err(Error::Binary(_))
        ));
        assert!(matches!(
            extract(
                b"<html><head><title>T</title></head><body><script>var a;</script></body></html>",
                Some("https://x.example/")
            ),
            Err(Error::NoContent(_))
        ));
    }

    #[test]
    fn date_from_url_and_visible_text() {
        let page = format!("<html><body><article><h1>Headline here today</h1><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></article></body></html>");
        let a = extract(page.as_bytes(), Some("https://x.example/2021/10/18/headline")).unwrap();
        assert_eq!(a.published, Some("2021-10-18".parse().unwrap()));

        let page = format!("<html><body><article><h1>Headline here today</h1><div class=\"article-date\">Published 3 March 2020</div><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></article></body></html>");
        let a = extract(page.as_bytes(), Some("https://x.example/story")).unwrap();
        assert_eq!(a.published, Some("2020-03-03".parse().unwrap()));
    }

    #[test]
    fn truncated_markup_and_junk_do_not_panic() {
        let html = news_page();
        // Cuts may split a UTF-8 sequence too: that is bad input worth trying.
        for cut in [10, 100, 500, 1000, 2001, html.len() - 50] {
            let _ = extract(&html.as_bytes()[..cut], Some("https://x.example/"));
        }
        let junk: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 1)
            .collect();
        let _ = extract(&junk, None);
        let _ = extract(b"<<<>>><a href=\"\0\"><p>&#xFFFFFF; &amp", Some("not a url"));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 100_000;
        let mut page = String::with_capacity(depth * 11 + 1000);
        page.push_str("<html><body>");
        page.push_str(&"<div>".repeat(depth));
        page.push_str(&format!("<p>{PARAGRAPH}</p>"));
        page.push_str(&"</div>".repeat(depth));
        page.push_str("</body></html>");
        let a = extract(page.as_bytes(), None).unwrap();
        assert!(a.text.contains("permanent mission to NATO"));
    }

    #[test]
    fn huge_page_is_bounded() {
        let mut page = news_page().replace("</body></html>", "");
        let filler = "<div class=\"x\"><span>filler text for size</span></div>\n";
        while page.len() < 50 * 1024 * 1024 {
            page.push_str(filler);
        }
        let start = std::time::Instant::now();
        let a = extract(page.as_bytes(), Some("https://tribune.example/a")).unwrap();
        assert!(a.text.contains("In the wake"));
        assert!(start.elapsed() < std::time::Duration::from_secs(120));
    }
}
