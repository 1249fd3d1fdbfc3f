//! OPML subscription lists in and out, and the bundled starter list. The
//! reader and writer are `model::opml`'s (the web's sources page shares
//! them); here their errors become [`Error::Opml`].

use crate::error::{Error, Result};

pub use model::opml::{write_opml, Outline};

/// About thirty public world-news feeds from every region, in several
/// languages: what `ravenwire opml import --starter` subscribes to.
pub const STARTER_OPML: &str = include_str!("../starter.opml");

/// The feeds an OPML document lists ([`model::opml::parse_opml`]); a
/// document that is not OPML is [`Error::Opml`] naming `origin`.
pub fn parse_opml(text: &str, origin: &str) -> Result<Vec<Outline>> {
    model::opml::parse_opml(text, origin).map_err(|e| Error::Opml {
        origin: e.origin,
        reason: e.reason,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn malformed_opml_is_a_gather_error_naming_the_origin() {
        let err = parse_opml("<html/>", "subs.opml").unwrap_err();
        assert!(
            matches!(err, Error::Opml { ref origin, .. } if origin == "subs.opml"),
            "{err}"
        );
        assert!(err.to_string().starts_with("subs.opml: malformed OPML: "), "{err}");
    }

    #[test]
    fn the_starter_list_is_thirty_odd_distinct_web_feeds() {
        let outlines = parse_opml(STARTER_OPML, "starter.opml").unwrap();
        assert!((25..=40).contains(&outlines.len()), "{} feeds", outlines.len());
        let mut urls = HashSet::new();
        for outline in &outlines {
            assert!(
                outline.url.starts_with("https://") || outline.url.starts_with("http://"),
                "{}",
                outline.url
            );
            assert!(urls.insert(outline.url.as_str()), "{} twice", outline.url);
            assert!(outline.title.is_some(), "{} has no name", outline.url);
        }
        // Every outlet names its country, but one: AllAfrica gathers the
        // press of a whole continent.
        let without: Vec<&str> = outlines
            .iter()
            .filter(|o| o.country.is_none())
            .map(|o| o.url.as_str())
            .collect();
        assert_eq!(
            without,
            ["https://allafrica.com/tools/headlines/rdf/latest/headlines.rdf"]
        );
        let countries: HashSet<&str> = outlines.iter().filter_map(|o| o.country.as_deref()).collect();
        assert!(countries.len() >= 20, "{countries:?}");
        // The raw text has no repeats either (parse_opml would hide them).
        assert_eq!(STARTER_OPML.matches("xmlUrl=").count(), outlines.len());
    }
}
