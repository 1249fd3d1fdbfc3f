//! Canonical URLs: one spelling per page, so that a page fetched through a
//! feed link, an AMP mirror and a shared link with tracking tags is seen as
//! one page.

use url::Url;

/// Query parameters that identify a click or a campaign, never the page.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gclsrc",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "ref",
    "ref_src",
    "ref_url",
    "cmpid",
    "ocid",
    "smid",
    "smtyp",
    "ito",
    "taid",
    "guccounter",
    "guce_referrer",
    "guce_referrer_sig",
    "amp",
    "outputtype",
    "__twitter_impression",
    "s_cid",
    "sr_share",
    "share",
];

/// Host prefixes that serve the same pages as the bare host.
const MIRROR_PREFIXES: &[&str] = &["www.", "m.", "amp.", "mobile."];

fn is_tracking(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || TRACKING_PARAMS.contains(&lower.as_str())
}

/// Canonical form of a URL for exact-duplicate detection: tracking
/// parameters stripped, `http`/`https` and host case folded, `www.`, `m.`
/// and `amp.` hosts, trailing slashes, `/amp` path segments and `?amp`
/// normalised, remaining parameters sorted, fragment dropped. `None` when the
/// input is not an absolute http(s) URL.
pub fn canonical_url(url: &str) -> Option<String> {
    let parsed = Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let mut host = parsed.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    for prefix in MIRROR_PREFIXES {
        if let Some(rest) = host.strip_prefix(prefix) {
            // Keep "m.co" style hosts whole: the prefix must leave a dotted name.
            if rest.contains('.') {
                host = rest.to_string();
                break;
            }
        }
    }
    let mut out = format!("https://{host}");
    if let Some(port) = parsed.port() {
        // `Url` already drops the scheme's default port, but 80 under https
        // canonical form would be wrong; only non-web ports are kept.
        if port != 80 && port != 443 {
            out.push_str(&format!(":{port}"));
        }
    }
    let segments: Vec<&str> = parsed.path().split('/').filter(|s| !s.is_empty()).collect();
    let last = segments.len().saturating_sub(1);
    let kept: Vec<&str> = segments
        .iter()
        .enumerate()
        .filter(|(i, s)| !((*i == 0 || *i == last) && s.eq_ignore_ascii_case("amp")))
        .map(|(_, s)| *s)
        .collect();
    for segment in &kept {
        out.push('/');
        out.push_str(segment);
    }
    let mut params: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.sort();
    if !params.is_empty() {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        out.push('?');
        out.push_str(&query);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(u: &str) -> String {
        canonical_url(u).unwrap_or_else(|| panic!("{u} should parse"))
    }

    #[test]
    fn strips_tracking_and_fragment_and_sorts_params() {
        assert_eq!(
            canon("https://example.com/a/b?utm_source=x&id=7&fbclid=abc&GCLID=1&page=2#top"),
            "https://example.com/a/b?id=7&page=2"
        );
        assert_eq!(
            canon("https://example.com/a?b=2&a=1"),
            canon("https://example.com/a?a=1&b=2")
        );
    }

    #[test]
    fn folds_scheme_host_and_mirrors() {
        let base = "https://example.com/news/story";
        for variant in [
            "http://example.com/news/story",
            "https://WWW.Example.COM/news/story/",
            "https://m.example.com/news/story",
            "https://amp.example.com/news/story",
            "https://example.com/news/story/amp",
            "https://example.com/amp/news/story",
            "https://example.com/news/story?amp",
            "https://example.com/news/story?amp=1&utm_medium=social",
            "https://example.com:443/news/story",
        ] {
            assert_eq!(canon(variant), base, "{variant}");
        }
    }

    #[test]
    fn keeps_what_identifies_the_page() {
        assert_ne!(canon("https://example.com/a?id=1"), canon("https://example.com/a?id=2"));
        assert_ne!(canon("https://example.com/amp-story"), canon("https://example.com/"));
        assert_eq!(canon("https://example.com:8080/x"), "https://example.com:8080/x");
        assert_eq!(canon("https://m.co/x"), "https://m.co/x");
        assert_eq!(canon("https://example.com/"), "https://example.com");
    }

    #[test]
    fn rejects_unparsable_and_non_web() {
        assert_eq!(canonical_url("not a url"), None);
        assert_eq!(canonical_url("/relative/path"), None);
        assert_eq!(canonical_url("mailto:someone@example.com"), None);
        assert_eq!(canonical_url(""), None);
    }
}
