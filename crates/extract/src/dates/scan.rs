//! The last resorts: numeric days written anywhere in the markup, scripts
//! and image paths included, and days written in the page's visible text.

use chrono::NaiveDate;
use regex::Regex;
use std::sync::LazyLock;

use super::parse;

/// Markup past this is footers and scripts of other stories.
pub(super) const MAX_HTML_SCAN_BYTES: usize = 1024 * 1024;
/// Enough numeric dates to see which day the page is about.
const MAX_HTML_DAYS: usize = 100;

/// The first `max` bytes of `text`, cut at a character boundary.
pub(super) fn opening(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

static HTML_DAY: LazyLock<Regex> = LazyLock::new(|| {
    // ASCII classes: Unicode `\d` makes the automaton many times slower.
    Regex::new(r"(?:^|[^0-9])((?:19|20)[0-9]{2})[-/.](0[1-9]|1[0-2])[-/.](0[1-9]|[12][0-9]|3[01])(?:[^0-9]|$)")
        .expect("valid regex")
});

/// The numeric `YYYY-MM-DD` day written most often anywhere in the markup
/// (scripts and image paths included), first seen on a tie: the last resort
/// for pages that date themselves only in code.
pub(super) fn most_frequent_html_day(html: &str) -> Option<NaiveDate> {
    let mut counts: Vec<(NaiveDate, usize)> = Vec::new();
    for c in HTML_DAY
        .captures_iter(opening(html, MAX_HTML_SCAN_BYTES))
        .take(MAX_HTML_DAYS)
    {
        let n = |i: usize| c[i].parse::<u32>().ok();
        let Some(day) = n(1)
            .zip(n(2))
            .zip(n(3))
            .and_then(|((y, m), d)| parse::plausible_day(y as i32, m, d))
        else {
            continue;
        };
        match counts.iter_mut().find(|(d, _)| *d == day) {
            Some((_, count)) => *count += 1,
            None => counts.push((day, 1)),
        }
    }
    // `max_by_key` keeps the last of equals; reversing keeps the first seen.
    counts
        .into_iter()
        .rev()
        .max_by_key(|(_, count)| *count)
        .map(|(day, _)| day)
}

/// Visible text of the page read for a date: the header, headline and
/// byline come early, so the opening is enough.
const MAX_VISIBLE_TEXT_BYTES: usize = 64 * 1024;

/// The page's visible text, roughly: tags, scripts, styles, comments and
/// the title (which repeats the headline ahead of the page) dropped, entities left as written, whitespace collapsed. It is only read
/// for dates, on pages that give no other evidence.
pub(super) fn visible_text(html: &str) -> String {
    let html = opening(html, MAX_HTML_SCAN_BYTES);
    let lower = html.to_ascii_lowercase();
    let mut out = String::new();
    let mut at = 0;
    while at < html.len() && out.len() < MAX_VISIBLE_TEXT_BYTES {
        let Some(lt) = lower[at..].find('<').map(|i| at + i) else {
            push_words(&mut out, &html[at..]);
            break;
        };
        push_words(&mut out, &html[at..lt]);
        let rest = &lower[lt..];
        // Elements whose content is never shown end at their own end tag.
        let closer = [
            ("<script", "</script"),
            ("<style", "</style"),
            ("<title", "</title"),
            ("<!--", "--"),
        ]
        .into_iter()
        .find(|(open, _)| rest.starts_with(open))
        .map_or(0, |(open, close)| {
            rest[open.len()..].find(close).map_or(rest.len(), |i| open.len() + i)
        });
        // Then past the end of the (closing) tag.
        at = rest[closer..].find('>').map_or(html.len(), |i| lt + closer + i + 1);
        // `find` works on bytes of ASCII markers, so `at` stays on a
        // character boundary of the (same-length) lower-cased copy.
    }
    out
}

fn push_words(out: &mut String, text: &str) {
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push(' ');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_most_frequent_markup_day_wins() {
        let html = r#"<img src="/up/2020/03/04/a.jpg"><script>showDate("2020/03/04 16:52:59")</script>
                      <a href="/2019/12/01/other">x</a> v=12020-01-01"#;
        assert_eq!(most_frequent_html_day(html), Some(day("2020-03-04")));
        // Ties go to the first day written.
        assert_eq!(
            most_frequent_html_day("a 2020-04-17 b 2020-04-18"),
            Some(day("2020-04-17"))
        );
        assert_eq!(most_frequent_html_day("build 20200417 v1.2.3"), None);
    }

    #[test]
    fn visible_text_drops_tags_scripts_and_comments() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body><p>Hello <b>there</b>\n\
                    <script>var d='2020-01-01';</script><!-- 2019-01-01 -->world</p><SCRIPT>x</SCRIPT>end";
        assert_eq!(
            visible_text(html).split_whitespace().collect::<Vec<_>>(),
            ["Hello", "there", "world", "end"]
        );
        assert_eq!(visible_text("a <b").trim(), "a");
        assert_eq!(visible_text("ü <script>ß").trim(), "ü");
    }
}
