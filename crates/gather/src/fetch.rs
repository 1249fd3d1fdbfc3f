//! HTTP fetching with timeouts, redirects, decompression and a size cap.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::redirect::Policy;

use crate::error::{Error, Result};
use crate::limits::parse_content_type;
use crate::Page;

/// How the [`Fetcher`] behaves on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    pub user_agent: String,
    /// The whole exchange, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// The most body bytes accepted (after content decoding).
    pub max_bytes: u64,
    pub max_redirects: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: "ravenwire/0.1 (+https://example.com/ravenwire)".to_string(),
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            max_bytes: 16 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// One successful (2xx) HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL asked for.
    pub url: String,
    /// Where the redirects ended.
    pub final_url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub charset: Option<String>,
    pub body: Vec<u8>,
    pub fetched_at: DateTime<Utc>,
}

impl From<Fetched> for Page {
    fn from(fetched: Fetched) -> Self {
        Page {
            origin: fetched.url,
            url: Some(fetched.final_url),
            body: fetched.body,
            charset: fetched.charset,
            status: Some(fetched.status),
            fetched_at: Some(fetched.fetched_at),
        }
    }
}

/// An HTTP client with ravenwire's limits built in. Cheap to clone: clones
/// share one connection pool.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(Policy::limited(config.max_redirects))
            .build()
            .map_err(|source| Error::Http {
                url: "(client setup)".to_string(),
                source,
            })?;
        Ok(Fetcher { client, config })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// GETs `url`, following redirects. A non-2xx answer is an
    /// [`Error::Status`]; a body over `max_bytes` is an [`Error::TooLarge`],
    /// found while streaming so it is never held whole.
    pub async fn get(&self, url: &str) -> Result<Fetched> {
        let parsed = url::Url::parse(url).map_err(|e| Error::InvalidUrl {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::InvalidUrl {
                url: url.to_string(),
                reason: format!("scheme {:?} is not http or https", parsed.scheme()),
            });
        }

        let mut response = self
            .client
            .get(parsed)
            .send()
            .await
            .map_err(|e| self.request_error(url, e))?;
        let fetched_at = Utc::now();
        let status = response.status().as_u16();
        if !response.status().is_success() {
            return Err(Error::Status {
                url: url.to_string(),
                status,
            });
        }
        let final_url = response.url().to_string();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let charset = content_type.as_deref().and_then(|ct| parse_content_type(ct).1);

        let too_large = || Error::TooLarge {
            origin: url.to_string(),
            limit: self.config.max_bytes,
        };
        // An honest Content-Length lets an oversized body be refused before
        // any of it is read. reqwest drops the header when it decodes a
        // compressed body, so a value still here is the size to be read.
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.config.max_bytes) {
            return Err(too_large());
        }

        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.request_error(url, e))? {
            if (body.len() + chunk.len()) as u64 > self.config.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }

        Ok(Fetched {
            url: url.to_string(),
            final_url,
            status,
            content_type,
            charset,
            body,
            fetched_at,
        })
    }

    fn request_error(&self, url: &str, source: reqwest::Error) -> Error {
        let url = url.to_string();
        if source.is_timeout() {
            Error::Timeout { url }
        } else if source.is_redirect() {
            Error::TooManyRedirects {
                url,
                limit: self.config.max_redirects,
            }
        } else {
            Error::Http { url, source }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::SocketAddr;

    use flate2::write::GzEncoder;
    use flate2::Compression;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// A tiny HTTP/1.1 server on 127.0.0.1 answering fixed routes with raw
    /// bytes, so the fetcher is tested against real sockets.
    async fn start_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream));
            }
        });
        addr
    }

    async fn answer(mut stream: TcpStream) {
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let request = String::from_utf8_lossy(&request).to_string();
        let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
        let user_agent = request
            .lines()
            .find_map(|l| l.strip_prefix("user-agent: "))
            .unwrap_or("")
            .to_string();

        let simple = |status: &str, headers: &str, body: &[u8]| {
            let mut out = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
                body.len()
            )
            .into_bytes();
            out.extend_from_slice(body);
            out
        };
        let response = match path.as_str() {
            "/ok" => simple(
                "200 OK",
                "Content-Type: text/html; charset=Shift_JIS\r\n",
                b"<p>hello</p>",
            ),
            "/ua" => simple("200 OK", "Content-Type: text/plain\r\n", user_agent.as_bytes()),
            "/missing" => simple("404 Not Found", "Content-Type: text/html\r\n", b"<p>no</p>"),
            "/moved" => simple("301 Moved Permanently", "Location: /ok\r\n", b""),
            "/loop" => simple("302 Found", "Location: /loop\r\n", b""),
            "/big-declared" => simple("200 OK", "Content-Type: text/html\r\n", &[b'x'; 5000]),
            "/gzip" => {
                let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
                encoder.write_all(&b"<p>squeezed</p>".repeat(20)).unwrap();
                let zipped = encoder.finish().unwrap();
                simple(
                    "200 OK",
                    "Content-Type: text/html\r\nContent-Encoding: gzip\r\n",
                    &zipped,
                )
            }
            "/big-streamed" => {
                // No length: the body runs until the server closes, so only
                // the fetcher's own count can stop it.
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..100 {
                    if stream.write_all(&[b'y'; 500]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                return;
            }
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                simple("200 OK", "Content-Type: text/html\r\n", b"<p>late</p>")
            }
            _ => simple("500 Internal Server Error", "", b""),
        };
        let _ = stream.write_all(&response).await;
        let _ = stream.shutdown().await;
    }

    fn test_fetcher() -> Fetcher {
        Fetcher::new(FetchConfig {
            user_agent: "ravenwire-test/1".to_string(),
            timeout: Duration::from_millis(500),
            connect_timeout: Duration::from_millis(500),
            max_bytes: 1000,
            max_redirects: 3,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn success_returns_body_charset_and_page() {
        let addr = start_server().await;
        let url = format!("http://{addr}/ok");
        let fetched = test_fetcher().get(&url).await.unwrap();
        assert_eq!(fetched.status, 200);
        assert_eq!(fetched.body, b"<p>hello</p>");
        assert_eq!(fetched.charset.as_deref(), Some("shift_jis"));
        assert_eq!(fetched.content_type.as_deref(), Some("text/html; charset=Shift_JIS"));
        let page = Page::from(fetched);
        assert_eq!(page.origin, url);
        assert_eq!(page.url.as_deref(), Some(url.as_str()));
        assert_eq!(page.status, Some(200));

        let ua = test_fetcher().get(&format!("http://{addr}/ua")).await.unwrap();
        assert_eq!(ua.body, b"ravenwire-test/1");
    }

    #[tokio::test]
    async fn not_found_is_an_error_carrying_the_status() {
        let addr = start_server().await;
        let url = format!("http://{addr}/missing");
        let error = test_fetcher().get(&url).await.unwrap_err();
        assert_eq!(error.http_status(), Some(404));
        assert_eq!(error.to_string(), format!("{url}: HTTP status 404"));
    }

    #[tokio::test]
    async fn redirects_are_followed_and_loops_are_cut_off() {
        let addr = start_server().await;
        let fetched = test_fetcher().get(&format!("http://{addr}/moved")).await.unwrap();
        assert_eq!(fetched.url, format!("http://{addr}/moved"));
        assert_eq!(fetched.final_url, format!("http://{addr}/ok"));
        assert_eq!(fetched.body, b"<p>hello</p>");

        let error = test_fetcher().get(&format!("http://{addr}/loop")).await.unwrap_err();
        assert!(matches!(error, Error::TooManyRedirects { limit: 3, .. }), "{error}");
    }

    #[tokio::test]
    async fn bodies_over_max_bytes_are_refused() {
        let addr = start_server().await;
        for path in ["/big-declared", "/big-streamed"] {
            let error = test_fetcher().get(&format!("http://{addr}{path}")).await.unwrap_err();
            assert!(matches!(error, Error::TooLarge { limit: 1000, .. }), "{path}: {error}");
        }
    }

    #[tokio::test]
    async fn gzip_encoded_body_arrives_decoded() {
        let addr = start_server().await;
        let fetched = test_fetcher().get(&format!("http://{addr}/gzip")).await.unwrap();
        assert_eq!(fetched.body, b"<p>squeezed</p>".repeat(20));
    }

    #[tokio::test]
    async fn slow_server_hits_the_timeout() {
        let addr = start_server().await;
        let started = std::time::Instant::now();
        let error = test_fetcher().get(&format!("http://{addr}/slow")).await.unwrap_err();
        assert!(matches!(error, Error::Timeout { .. }), "{error}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn non_http_urls_are_refused_before_any_request() {
        let error = test_fetcher().get("file:///etc/passwd").await.unwrap_err();
        assert!(matches!(error, Error::InvalidUrl { .. }), "{error}");
        let error = test_fetcher().get("not a url").await.unwrap_err();
        assert!(error.to_string().starts_with("not a url: invalid URL"), "{error}");
    }
}
