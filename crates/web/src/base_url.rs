//! The public base URL that every absolute link the server writes starts
//! with. It is configured, or else the address the server listens on; the
//! request's `Host` header is never used, so a client cannot put another
//! site into the links a feed reader will follow.

use std::fmt;
use std::net::SocketAddr;

use crate::Error;

/// `scheme://host[:port][/path]`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    prefix: String,
}

impl BaseUrl {
    /// Checks a configured base URL: absolute, `http` or `https`, with a
    /// host, and no user name, password, query or fragment. A path is kept,
    /// for a server reached under a prefix of another site.
    pub fn parse(value: &str) -> Result<BaseUrl, Error> {
        let bad = |reason: String| Error::BadBaseUrl {
            value: value.to_string(),
            reason,
        };
        let url = url::Url::parse(value.trim()).map_err(|err| bad(format!("not an absolute URL ({err})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(format!("the scheme must be http or https, not {:?}", url.scheme())));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it names no host".to_string()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("it must not carry a user name or password".to_string()));
        }
        if url.query().is_some() {
            return Err(bad("it must not have a query (\"?...\")".to_string()));
        }
        if url.fragment().is_some() {
            return Err(bad("it must not have a fragment (\"#...\")".to_string()));
        }
        Ok(BaseUrl {
            prefix: url.as_str().trim_end_matches('/').to_string(),
        })
    }

    /// `http://` and the address the server listens on: right for a server
    /// reached directly, and never taken from a request.
    pub fn of_listen_address(addr: SocketAddr) -> BaseUrl {
        BaseUrl {
            prefix: format!("http://{addr}"),
        }
    }

    /// The absolute URL of `path`, which starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }
}

impl fmt::Display for BaseUrl {
    /// With its trailing slash, as a user would type it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_base_urls_are_kept_without_their_trailing_slash() {
        for (given, feed) in [
            ("https://news.example", "https://news.example/feed.atom"),
            ("https://News.Example:8443/", "https://news.example:8443/feed.atom"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/feed.atom"),
            ("http://[::1]:8080/", "http://[::1]:8080/feed.atom"),
            ("https://example.org/news/", "https://example.org/news/feed.atom"),
        ] {
            let base = BaseUrl::parse(given).unwrap_or_else(|e| panic!("{given}: {e}"));
            assert_eq!(base.join("/feed.atom"), feed, "{given}");
        }
        assert_eq!(
            BaseUrl::parse("https://news.example").unwrap().to_string(),
            "https://news.example/"
        );
    }

    #[test]
    fn bad_base_urls_are_refused_naming_the_value_and_the_fault() {
        for (given, fault) in [
            ("news.example", "not an absolute URL"),
            ("/news", "not an absolute URL"),
            ("ftp://news.example/", "http or https"),
            ("javascript:alert(1)", "http or https"),
            ("https://user:secret@news.example/", "user name or password"),
            ("https://news.example/?a=1", "query"),
            ("https://news.example/?", "query"),
            ("https://news.example/#top", "fragment"),
            ("http://", "not an absolute URL"),
        ] {
            let err = BaseUrl::parse(given).expect_err(given).to_string();
            assert!(err.contains(&format!("{given:?}")), "{err}");
            assert!(err.contains(fault), "{given}: {err}");
        }
    }

    #[test]
    fn the_listen_address_is_the_fallback() {
        let v4: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        assert_eq!(BaseUrl::of_listen_address(v4).join("/"), "http://127.0.0.1:4321/");
        let v6: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(BaseUrl::of_listen_address(v6).join("/x"), "http://[::1]:80/x");
    }
}
