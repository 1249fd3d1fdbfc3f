//! How an article's outlet is named.

/// The name an article's outlet is shown under: its declared site name, else
/// the host of its canonical URL, else the URL itself when it has no host.
///
/// Public so that other stages (the story engine's documents, for one) name
/// outlets exactly as stored summaries do.
pub fn outlet_name(site_name: Option<&str>, canonical_url: &str) -> String {
    if let Some(name) = site_name.map(str::trim).filter(|name| !name.is_empty()) {
        return name.to_string();
    }
    match url::Url::parse(canonical_url) {
        Ok(parsed) => match parsed.host_str() {
            Some(host) => host.to_string(),
            None => canonical_url.to_string(),
        },
        Err(_) => canonical_url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_the_declared_site_name() {
        assert_eq!(
            outlet_name(Some(" The Daily Planet "), "https://planet.example/a"),
            "The Daily Planet"
        );
    }

    #[test]
    fn falls_back_to_the_host_when_the_name_is_missing_or_blank() {
        assert_eq!(outlet_name(None, "https://news.example.org/x?y=1"), "news.example.org");
        assert_eq!(outlet_name(Some("  "), "http://a.example:8080/"), "a.example");
    }

    #[test]
    fn keeps_a_url_without_a_host_as_it_is() {
        assert_eq!(outlet_name(None, "not a url"), "not a url");
        assert_eq!(outlet_name(None, "urn:isbn:123"), "urn:isbn:123");
    }
}
