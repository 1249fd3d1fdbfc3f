//! Turning stored values into what pages show: dates, safe HTML, safe links.

use std::collections::HashSet;

use ammonia::{Builder, Url, UrlRelative};
use chrono::{DateTime, Utc};
use model::Timestamp;
use serde::Serialize;

/// A time for a `<time>` element: the machine-readable form and the one
/// people read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct When {
    pub iso: String,
    pub readable: String,
}

impl When {
    pub(crate) fn of(timestamp: &Timestamp) -> Self {
        let readable = match timestamp {
            Timestamp::Instant(t) => {
                let zone = if t.offset().local_minus_utc() == 0 {
                    "UTC".to_string()
                } else {
                    t.format("UTC%:z").to_string()
                };
                format!("{} {zone}", t.format("%-d %b %Y, %H:%M"))
            }
            Timestamp::Day(d) => d.format("%-d %b %Y").to_string(),
        };
        When {
            iso: timestamp.to_string(),
            readable,
        }
    }

    pub(crate) fn utc(t: &DateTime<Utc>) -> Self {
        Self::of(&Timestamp::from(*t))
    }

    /// From Unix seconds, as the index stores them.
    pub(crate) fn unix(seconds: i64) -> Option<Self> {
        DateTime::<Utc>::from_timestamp(seconds, 0).map(|t| Self::utc(&t))
    }
}

/// Cleans an article body for the reader view. The store's copy was
/// sanitised when it was extracted, but the store is not trusted.
///
/// Relative links are resolved against the article's own address when it is
/// known; otherwise they are dropped, since they would point into this site.
///
/// Images keep their `alt` text; their source must be a web address (a
/// relative one is resolved like a link), never `data:` or any other scheme.
pub(crate) fn clean_body(html: &str, base_url: Option<&str>) -> String {
    let mut builder = Builder::default();
    builder.url_schemes(HashSet::from(["http", "https", "mailto"]));
    builder.attribute_filter(|element, attribute, value| match (element, attribute) {
        ("img", "src") if !is_web_or_relative(value) => None,
        _ => Some(value.into()),
    });
    match base_url.and_then(|u| Url::parse(u).ok()).filter(is_web_url) {
        Some(base) => builder.url_relative(UrlRelative::RewriteWithBase(base)),
        None => builder.url_relative(UrlRelative::Deny),
    };
    builder.clean(html).to_string()
}

/// Cleans a search snippet: text with `<b>` around matches and nothing else.
pub(crate) fn clean_snippet(html: &str) -> String {
    Builder::empty().add_tags(["b"]).clean(html).to_string()
}

/// An http(s) address, or a relative one (which has no scheme).
fn is_web_or_relative(value: &str) -> bool {
    match Url::parse(value.trim()) {
        Ok(url) => is_web_url(&url),
        Err(url::ParseError::RelativeUrlWithoutBase) => true,
        Err(_) => false,
    }
}

fn is_web_url(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// The URL if it is safe to put in an `href` (http or https); a stored
/// `javascript:` address must never become a link.
pub(crate) fn web_link(url: Option<&str>) -> Option<String> {
    let url = Url::parse(url?.trim()).ok()?;
    is_web_url(&url).then(|| url.to_string())
}

/// A language code fit for a `lang` attribute, or `None`.
pub(crate) fn lang_attr(code: Option<&str>) -> Option<String> {
    let code = code?.trim();
    let well_formed = !code.is_empty()
        && code.len() <= 35
        && code
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
    well_formed.then(|| code.to_ascii_lowercase())
}

/// "1 article", "3 articles".
pub(crate) fn count_label(count: u32, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_show_their_own_offset() {
        let when = When::of(&"2024-03-01T08:05:00+02:00".parse().unwrap());
        assert_eq!(when.iso, "2024-03-01T08:05:00+02:00");
        assert_eq!(when.readable, "1 Mar 2024, 08:05 UTC+02:00");
        let when = When::of(&"2024-03-01T08:05:00Z".parse().unwrap());
        assert_eq!(when.readable, "1 Mar 2024, 08:05 UTC");
    }

    #[test]
    fn bare_days_stay_days() {
        let when = When::of(&"2021-10-18".parse().unwrap());
        assert_eq!(when.iso, "2021-10-18");
        assert_eq!(when.readable, "18 Oct 2021");
    }

    #[test]
    fn unix_seconds_become_utc_times() {
        assert_eq!(When::unix(0).unwrap().iso, "1970-01-01T00:00:00+00:00");
        assert_eq!(When::unix(i64::MAX), None);
    }

    #[test]
    fn body_loses_scripts_and_handlers_but_keeps_text() {
        let html = r#"<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:alert(2)">x</a></p>"#;
        let clean = clean_body(html, None);
        assert!(clean.contains("Hello"));
        assert!(!clean.contains("script"), "{clean}");
        assert!(!clean.contains("onclick"), "{clean}");
        assert!(!clean.contains("javascript"), "{clean}");
    }

    #[test]
    fn relative_links_resolve_against_the_article() {
        let html = r#"<a href="/more">more</a>"#;
        let clean = clean_body(html, Some("https://news.example/a/1"));
        assert!(clean.contains(r#"href="https://news.example/more""#), "{clean}");
        assert!(clean.contains("noopener noreferrer"), "{clean}");
        assert!(!clean_body(html, None).contains("href"));
    }

    #[test]
    fn images_keep_their_alt_text_and_only_web_sources() {
        let html = r#"<figure><img src="/img/ferry.jpg" alt="The ferry at dawn" onerror="x()"><figcaption>Saltmere</figcaption></figure>\
            <img src="data:image/png;base64,AAAA" alt="inline"><img src="javascript:alert(1)" alt="script">\
            <img src="mailto:a@b.example" alt="mail"><img src="https://cdn.example/b.jpg" alt="">"#;
        let clean = clean_body(html, Some("https://news.example/a/1"));
        assert!(
            clean.contains(r#"<img src="https://news.example/img/ferry.jpg" alt="The ferry at dawn">"#),
            "{clean}"
        );
        assert!(clean.contains("<figcaption>Saltmere</figcaption>"), "{clean}");
        assert!(
            clean.contains(r#"<img src="https://cdn.example/b.jpg" alt="">"#),
            "{clean}"
        );
        for gone in ["data:", "javascript", "mailto", "onerror"] {
            assert!(!clean.contains(gone), "{gone}: {clean}");
        }
        // The alt text of an image whose source went stays.
        assert!(clean.contains(r#"<img alt="inline">"#), "{clean}");
        // Without a base, a relative source goes like a relative link.
        assert!(!clean_body(r#"<img src="/i.jpg" alt="a">"#, None).contains("src"));
    }

    #[test]
    fn snippets_keep_only_bold() {
        let clean = clean_snippet(r#"a <b>storm</b> <i>hit</i> &lt;x&gt; <img src=x onerror=y>"#);
        assert_eq!(clean, "a <b>storm</b> hit &lt;x&gt; ");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(
            web_link(Some("https://news.example/a")).as_deref(),
            Some("https://news.example/a")
        );
        assert_eq!(web_link(Some("javascript:alert(1)")), None);
        assert_eq!(web_link(Some("not a url")), None);
        assert_eq!(web_link(None), None);
    }

    #[test]
    fn language_codes_are_checked() {
        assert_eq!(lang_attr(Some("en")).as_deref(), Some("en"));
        assert_eq!(lang_attr(Some("pt-BR")).as_deref(), Some("pt-br"));
        assert_eq!(lang_attr(Some("en\" onload=\"x")), None);
        assert_eq!(lang_attr(Some("")), None);
    }
}
