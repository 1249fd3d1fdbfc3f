//! OPML subscription lists: reading the feeds a document lists, and writing
//! a list back. Text in, text out; fetching and subscribing are the
//! callers' business (`gather` for the binary, `web` for the sources page).

use std::collections::HashSet;

/// A document that is not OPML, named by where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: malformed OPML: {reason}")]
pub struct OpmlError {
    /// A file path, a URL, or what the caller calls the text.
    pub origin: String,
    pub reason: String,
}

/// One feed of a subscription list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The feed's address (`xmlUrl`).
    pub url: String,
    /// `title`, or `text` when there is no title.
    pub title: Option<String>,
    /// The site the feed belongs to (`htmlUrl`).
    pub site_url: Option<String>,
    /// The outlet's country: an ISO 3166-1 alpha-2 code in upper case, from
    /// a `country:XX` tag in the outline's `category` (OPML 2.0 categories
    /// are comma-separated; a tag is one without slashes).
    pub country: Option<String>,
}

/// The feeds an OPML document lists, folders flattened, in document order,
/// each URL once. Outlines without an http(s) `xmlUrl` (folders, notes)
/// are skipped. A document that is not OPML is an [`OpmlError`] naming
/// `origin` (a file path or URL).
pub fn parse_opml(text: &str, origin: &str) -> Result<Vec<Outline>, OpmlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let document = ::opml::OPML::from_str(text).map_err(|error| OpmlError {
        origin: origin.to_string(),
        reason: with_causes(&error),
    })?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut pending: Vec<&::opml::Outline> = document.body.outlines.iter().rev().collect();
    while let Some(outline) = pending.pop() {
        pending.extend(outline.outlines.iter().rev());
        let Some(url) = outline.xml_url.as_deref().and_then(http_url) else {
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        // A text that only repeats the URL (as written for untitled feeds)
        // is no title.
        let title = non_empty(outline.title.as_deref())
            .or_else(|| non_empty(Some(&outline.text)))
            .filter(|t| Some(t.as_str()) != outline.xml_url.as_deref().map(str::trim) && *t != url);
        out.push(Outline {
            url,
            title,
            site_url: outline.html_url.as_deref().and_then(http_url),
            country: outline.category.as_deref().and_then(country_of),
        });
    }
    Ok(out)
}

/// An OPML 2.0 document listing `outlines` as RSS subscriptions, titled
/// `title`; [`parse_opml`] reads it back to the same outlines.
pub fn write_opml(title: &str, outlines: &[Outline]) -> String {
    let mut document = ::opml::OPML {
        version: "2.0".to_string(),
        head: Some(::opml::Head {
            title: Some(title.to_string()),
            ..::opml::Head::default()
        }),
        ..::opml::OPML::default()
    };
    document.body.outlines = outlines
        .iter()
        .map(|o| ::opml::Outline {
            text: o.title.clone().unwrap_or_else(|| o.url.clone()),
            title: o.title.clone(),
            r#type: Some("rss".to_string()),
            xml_url: Some(o.url.clone()),
            html_url: o.site_url.clone(),
            category: o.country.as_ref().map(|c| format!("{COUNTRY_TAG}{c}")),
            ..::opml::Outline::default()
        })
        .collect();
    // Writing into a String cannot fail for want of room; an error here
    // could only be a bug in the writer, and an empty list says so safely.
    let body = document
        .to_string()
        .unwrap_or_else(|_| "<opml version=\"2.0\"><head/><body/></opml>".to_string());
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}\n")
}

/// How a country is written among an outline's categories: `country:GB`.
const COUNTRY_TAG: &str = "country:";

/// The country a `category` attribute names, if one of its comma-separated
/// entries is `country:XX` with two letters (any case); anything else in
/// the list is left alone.
fn country_of(category: &str) -> Option<String> {
    category.split(',').find_map(|entry| {
        let entry = entry.trim();
        let tag = entry.get(..COUNTRY_TAG.len())?;
        let code = entry[COUNTRY_TAG.len()..].trim();
        (tag.eq_ignore_ascii_case(COUNTRY_TAG) && code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()))
            .then(|| code.to_ascii_uppercase())
    })
}

fn http_url(text: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

fn non_empty(text: Option<&str>) -> Option<String> {
    let text = text?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// An error and what caused it, as one line.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        cause = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    const NESTED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Reading list</title></head>
  <body>
    <outline text="Coastal">
      <outline text="Harbour Gazette" type="rss" category="/Coastal/Ports, Country:nz" xmlUrl="https://gazette.example/rss.xml" htmlUrl="https://gazette.example/"/>
      <outline text="Deeper">
        <outline text="ignored text" title="Valley Courier" type="rss" xmlUrl=" https://courier.example/feed.atom "/>
      </outline>
    </outline>
    <outline text="A note without a feed"/>
    <outline text="Plains Post" category="country:NZL" xmlUrl="https://post.example/feed.json" htmlUrl="not a url"/>
    <outline text="Twice" xmlUrl="https://gazette.example/rss.xml"/>
    <outline text="Local file" xmlUrl="file:///etc/passwd"/>
    <outline text="" xmlUrl="https://untitled.example/rss"/>
  </body>
</opml>"#;

    #[test]
    fn nested_outlines_are_flattened_in_order_each_feed_once() {
        let outlines = parse_opml(NESTED, "reading.opml").unwrap();
        assert_eq!(
            outlines,
            [
                Outline {
                    url: "https://gazette.example/rss.xml".into(),
                    title: Some("Harbour Gazette".into()),
                    site_url: Some("https://gazette.example/".into()),
                    country: Some("NZ".into()),
                },
                Outline {
                    url: "https://courier.example/feed.atom".into(),
                    title: Some("Valley Courier".into()),
                    site_url: None,
                    country: None,
                },
                Outline {
                    url: "https://post.example/feed.json".into(),
                    title: Some("Plains Post".into()),
                    site_url: None,
                    country: None,
                },
                Outline {
                    url: "https://untitled.example/rss".into(),
                    title: None,
                    site_url: None,
                    country: None,
                },
            ]
        );
    }

    #[test]
    fn written_opml_reads_back_the_same() {
        let outlines = vec![
            Outline {
                url: "https://gazette.example/rss.xml?lang=en&full=1".into(),
                title: Some("Harbour <Gazette> & \"Friends\"".into()),
                site_url: Some("https://gazette.example/".into()),
                country: Some("NZ".into()),
            },
            Outline {
                url: "https://post.example/feed.json".into(),
                title: None,
                site_url: None,
                country: None,
            },
            Outline {
                url: "https://altiplano.example/rss".into(),
                title: Some("Crónica del Altiplano".into()),
                site_url: None,
                country: None,
            },
        ];
        let text = write_opml("ravenwire sources", &outlines);
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"));
        assert!(text.contains("<title>ravenwire sources</title>"), "{text}");
        assert!(text.contains("category=\"country:NZ\""), "{text}");
        assert_eq!(parse_opml(&text, "export").unwrap(), outlines);
        // An empty list is still a document, with nothing to read back.
        let empty = write_opml("nothing", &[]);
        assert!(empty.contains("<opml version=\"2.0\">"), "{empty}");
    }

    #[test]
    fn a_country_is_read_only_from_a_well_formed_tag() {
        assert_eq!(country_of("country:gb").as_deref(), Some("GB"));
        assert_eq!(country_of("/World/Europe, COUNTRY: de ").as_deref(), Some("DE"));
        for none in [
            "",
            "gb",
            "/country/GB",
            "country:",
            "country:G",
            "country:GBR",
            "country:g1",
            "countries:GB",
        ] {
            assert_eq!(country_of(none), None, "{none}");
        }
    }

    #[test]
    fn what_is_not_opml_is_an_error_naming_the_origin() {
        for bad in [
            "",
            "<html><body>hello</body></html>",
            "<opml version=\"2.0\"><head/><body><outline text=\"a\"",
            "<opml version=\"9.9\"><head/><body><outline text=\"a\"/></body></opml>",
        ] {
            let message = parse_opml(bad, "/home/reader/subs.opml").unwrap_err().to_string();
            assert!(
                message.starts_with("/home/reader/subs.opml: malformed OPML: "),
                "{message}"
            );
        }
    }
}
