//! Sitemaps: `<urlset>` (Google News sitemaps included), `<sitemapindex>`,
//! gzipped or not, and the `Sitemap:` lines of robots.txt.
//!
//! Element names are matched by their local part and their parent, so the
//! namespace prefix a site picks does not matter, and an image sitemap's
//! `<image:loc>` is never taken for a page.

use std::collections::HashSet;
use std::io::Read;

use flate2::read::MultiGzDecoder;
use model::Timestamp;
use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::{Error, Result};

/// Largest sitemap read, after decompression: the protocol's own limit is
/// 50 MB uncompressed, and the cap is what stops a gzip bomb.
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

/// What one sitemap lists: pages (a `<urlset>`) or further sitemaps (a
/// `<sitemapindex>`). One of the two is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sitemap {
    pub urls: Vec<SitemapUrl>,
    /// Child sitemaps named by a sitemap index, absolute.
    pub sitemaps: Vec<String>,
}

/// One page of a `<urlset>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapUrl {
    /// `<loc>`, absolute, http or https.
    pub url: String,
    pub lastmod: Option<Timestamp>,
    /// Google News `<news:title>`.
    pub news_title: Option<String>,
    /// Google News `<news:publication_date>`.
    pub news_published: Option<Timestamp>,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `bytes` (gzipped or not) start like a sitemap: the root element
/// is `<urlset>` or `<sitemapindex>`. Only the start is looked at.
pub fn looks_like_sitemap(bytes: &[u8]) -> bool {
    const HEAD: u64 = 64 * 1024;
    let mut head = Vec::new();
    let bytes = if bytes.starts_with(&GZIP_MAGIC) {
        // A broken or short gzip stream still gives what it decoded so far.
        let _ = MultiGzDecoder::new(bytes).take(HEAD).read_to_end(&mut head);
        &head[..]
    } else {
        &bytes[..bytes.len().min(HEAD as usize)]
    };
    matches!(root_name(bytes).as_deref(), Some("urlset" | "sitemapindex"))
}

/// The local name of the first element, if one is found.
fn root_name(bytes: &[u8]) -> Option<String> {
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return Some(String::from_utf8_lossy(e.local_name().as_ref()).into_owned())
            }
            Event::Eof => return None,
            _ => buf.clear(),
        }
    }
}

/// Parses a sitemap fetched from `url` (relative `<loc>`s resolve against
/// it; entries that are not http(s) are dropped, repeats kept once).
/// Gzipped bytes are recognised by their magic number and decompressed up
/// to [`MAX_SITEMAP_BYTES`]; more than that is [`Error::TooLarge`].
pub fn parse_sitemap(bytes: &[u8], url: &str) -> Result<Sitemap> {
    let decompressed;
    let xml = if bytes.starts_with(&GZIP_MAGIC) {
        decompressed = gunzip_capped(bytes, url)?;
        &decompressed[..]
    } else if bytes.len() as u64 > MAX_SITEMAP_BYTES {
        return Err(Error::TooLarge {
            origin: url.to_string(),
            limit: MAX_SITEMAP_BYTES,
        });
    } else {
        bytes
    };
    SitemapParser::new(url).parse(xml)
}

fn gunzip_capped(bytes: &[u8], url: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes)
        .take(MAX_SITEMAP_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|source| Error::CorruptGzip {
            origin: url.to_string(),
            source,
        })?;
    if out.len() as u64 > MAX_SITEMAP_BYTES {
        return Err(Error::TooLarge {
            origin: url.to_string(),
            limit: MAX_SITEMAP_BYTES,
        });
    }
    Ok(out)
}

#[derive(Default)]
struct Entry {
    loc: Option<String>,
    lastmod: Option<Timestamp>,
    news_title: Option<String>,
    news_published: Option<Timestamp>,
}

struct SitemapParser<'a> {
    url: &'a str,
    base: Option<url::Url>,
    seen: HashSet<String>,
    out: Sitemap,
}

impl<'a> SitemapParser<'a> {
    fn new(url: &'a str) -> Self {
        SitemapParser {
            url,
            base: url::Url::parse(url).ok(),
            seen: HashSet::new(),
            out: Sitemap::default(),
        }
    }

    fn error(&self, reason: impl Into<String>) -> Error {
        Error::Sitemap {
            url: self.url.to_string(),
            reason: reason.into(),
        }
    }

    fn parse(mut self, xml: &[u8]) -> Result<Sitemap> {
        let mut reader = Reader::from_reader(xml);
        let mut buf = Vec::new();
        // Local names of the open elements, root first.
        let mut stack: Vec<String> = Vec::new();
        let mut text = String::new();
        let mut entry = Entry::default();
        let mut root_seen = false;
        loop {
            let event = reader
                .read_event_into(&mut buf)
                .map_err(|e| self.error(format!("{e} (near byte {})", reader.error_position())))?;
            match event {
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    if !root_seen {
                        self.check_root(&name)?;
                        root_seen = true;
                    }
                    if matches!(name.as_str(), "url" | "sitemap") {
                        entry = Entry::default();
                    }
                    stack.push(name);
                    text.clear();
                }
                Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    if !root_seen {
                        self.check_root(&name)?;
                        root_seen = true;
                    }
                }
                Event::Text(e) => text.push_str(&e.decode().map_err(|e| self.error(e.to_string()))?),
                Event::CData(e) => text.push_str(&e.decode().map_err(|e| self.error(e.to_string()))?),
                Event::GeneralRef(e) => {
                    let name = e.decode().map_err(|e| self.error(e.to_string()))?;
                    if let Some(c) = e.resolve_char_ref().ok().flatten() {
                        text.push(c);
                    } else if let Some(value) = quick_xml::escape::resolve_predefined_entity(&name) {
                        text.push_str(value);
                    } else {
                        return Err(self.error(format!("unknown entity &{name};")));
                    }
                }
                Event::End(_) => {
                    self.end_element(&stack, &mut entry, text.trim());
                    stack.pop();
                    text.clear();
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        if !root_seen {
            return Err(self.error("no root element"));
        }
        if let Some(open) = stack.last() {
            return Err(self.error(format!("ends inside <{open}>")));
        }
        Ok(self.out)
    }

    fn check_root(&self, name: &str) -> Result<()> {
        match name {
            "urlset" | "sitemapindex" => Ok(()),
            other => Err(self.error(format!("the root element is <{other}>, not <urlset> or <sitemapindex>"))),
        }
    }

    /// Handles the end of the element on top of `stack`, whose text is `text`.
    fn end_element(&mut self, stack: &[String], entry: &mut Entry, text: &str) {
        let at = |back: usize| {
            stack
                .len()
                .checked_sub(back + 1)
                .and_then(|i| stack.get(i))
                .map(String::as_str)
        };
        let root = stack.first().map(String::as_str);
        let value = (!text.is_empty()).then(|| text.to_string());
        match (root, at(2), at(1), at(0)) {
            (Some("urlset"), _, Some("url"), Some("loc")) | (Some("sitemapindex"), _, Some("sitemap"), Some("loc")) => {
                entry.loc = value
            }
            (_, _, Some("url"), Some("lastmod")) => entry.lastmod = parse_time(text),
            (_, Some("url"), Some("news"), Some("title")) => entry.news_title = value,
            (_, Some("url"), Some("news"), Some("publication_date")) => entry.news_published = parse_time(text),
            (Some("urlset"), _, Some("urlset"), Some("url")) => {
                let entry = std::mem::take(entry);
                if let Some(url) = entry.loc.and_then(|loc| self.absolute(&loc)) {
                    self.out.urls.push(SitemapUrl {
                        url,
                        lastmod: entry.lastmod,
                        news_title: entry.news_title,
                        news_published: entry.news_published,
                    });
                }
            }
            (Some("sitemapindex"), _, Some("sitemapindex"), Some("sitemap")) => {
                if let Some(url) = std::mem::take(entry).loc.and_then(|loc| self.absolute(&loc)) {
                    self.out.sitemaps.push(url);
                }
            }
            _ => {}
        }
    }

    /// `loc` made absolute; `None` for other schemes and for a repeat.
    fn absolute(&mut self, loc: &str) -> Option<String> {
        let url = absolute_http(loc, self.base.as_ref())?;
        self.seen.insert(url.clone()).then_some(url)
    }
}

fn absolute_http(href: &str, base: Option<&url::Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let resolved = match url::Url::parse(href) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(href).ok()?,
        Err(_) => return None,
    };
    matches!(resolved.scheme(), "http" | "https").then(|| resolved.to_string())
}

/// A W3C datetime as sitemaps write it: a day, or an instant, with or
/// without seconds. Unreadable times are dropped, not fatal.
fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse() {
        return Some(t);
    }
    // `2024-03-01T10:00+01:00` / `2024-03-01T10:00Z`: no seconds.
    let bytes = text.as_bytes();
    if bytes.len() > 16 && bytes[10] == b'T' && bytes[13] == b':' && matches!(bytes[16], b'Z' | b'+' | b'-') {
        return format!("{}:00{}", &text[..16], &text[16..]).parse().ok();
    }
    None
}

/// The sitemap URLs a robots.txt names (`Sitemap:` lines, any case), made
/// absolute against `base` (the robots.txt URL or the site), http(s) only,
/// in file order without repeats.
pub fn robots_sitemaps(robots_txt: &str, base: &str) -> Vec<String> {
    let base = url::Url::parse(base).ok();
    let mut seen = HashSet::new();
    robots_txt
        .lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("").trim();
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case("sitemap").then_some(value.trim())
        })
        .filter_map(|value| absolute_http(value, base.as_ref()))
        .filter(|url| seen.insert(url.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;

    const URLSET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://fenwick-daily.example/2024/03/harbour-crane</loc>
    <lastmod>2024-03-14T09:30:00+01:00</lastmod>
    <image:image><image:loc>https://img.fenwick-daily.example/crane.jpg</image:loc></image:image>
  </url>
  <url>
    <loc> /2024/03/orchard?page=1&amp;lang=en </loc>
    <lastmod>2024-03-13</lastmod>
    <changefreq>daily</changefreq>
  </url>
  <url><loc>https://fenwick-daily.example/2024/03/harbour-crane</loc></url>
  <url><loc>ftp://fenwick-daily.example/archive.zip</loc></url>
  <url><loc>https://fenwick-daily.example/2024/03/tram</loc><lastmod>2024-03-12T18:05Z</lastmod></url>
  <url><lastmod>2024-03-11</lastmod></url>
  <url><loc>https://fenwick-daily.example/x</loc><lastmod>last week</lastmod></url>
</urlset>"#;

    const NEWS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:n="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://brackwater-news.example/politics/mayor-recall</loc>
    <n:news>
      <n:publication>
        <n:name>Brackwater News</n:name>
        <n:language>en</n:language>
      </n:publication>
      <n:publication_date>2024-03-15T07:10:00-05:00</n:publication_date>
      <n:title>Mayor Oduya faces recall vote in Brackwater</n:title>
    </n:news>
  </url>
  <url>
    <loc>https://brackwater-news.example/sport/regatta</loc>
    <n:news>
      <n:publication><n:name>Brackwater News</n:name><n:language>en</n:language></n:publication>
      <n:publication_date>2024-03-14</n:publication_date>
      <n:title><![CDATA[Regatta "Blue Heron" cup goes to Lakeside & Co]]></n:title>
    </n:news>
  </url>
</urlset>"#;

    const INDEX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://fenwick-daily.example/sitemap-2024-03.xml.gz</loc><lastmod>2024-03-15</lastmod></sitemap>
  <sitemap><loc>sitemap-news.xml</loc></sitemap>
  <sitemap><loc>mailto:desk@fenwick-daily.example</loc></sitemap>
</sitemapindex>"#;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn urlset_gives_absolute_http_urls_with_lastmod_each_once() {
        let map = parse_sitemap(URLSET.as_bytes(), "https://fenwick-daily.example/sitemap.xml").unwrap();
        assert!(map.sitemaps.is_empty());
        let urls: Vec<&str> = map.urls.iter().map(|u| u.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://fenwick-daily.example/2024/03/harbour-crane",
                "https://fenwick-daily.example/2024/03/orchard?page=1&lang=en",
                "https://fenwick-daily.example/2024/03/tram",
                "https://fenwick-daily.example/x",
            ]
        );
        let lastmod: Vec<Option<String>> = map.urls.iter().map(|u| u.lastmod.map(|t| t.to_string())).collect();
        assert_eq!(
            lastmod,
            [
                Some("2024-03-14T09:30:00+01:00".to_string()),
                Some("2024-03-13".to_string()),
                Some("2024-03-12T18:05:00+00:00".to_string()),
                None,
            ]
        );
        assert!(map.urls.iter().all(|u| u.news_title.is_none()));
    }

    #[test]
    fn google_news_sitemap_gives_titles_and_publication_dates() {
        let map = parse_sitemap(NEWS.as_bytes(), "https://brackwater-news.example/news-sitemap.xml").unwrap();
        assert_eq!(map.urls.len(), 2);
        let recall = &map.urls[0];
        assert_eq!(recall.url, "https://brackwater-news.example/politics/mayor-recall");
        assert_eq!(
            recall.news_title.as_deref(),
            Some("Mayor Oduya faces recall vote in Brackwater")
        );
        assert_eq!(
            recall.news_published.map(|t| t.to_utc().to_rfc3339()).as_deref(),
            Some("2024-03-15T12:10:00+00:00")
        );
        assert_eq!(recall.lastmod, None);
        let regatta = &map.urls[1];
        assert_eq!(
            regatta.news_title.as_deref(),
            Some("Regatta \"Blue Heron\" cup goes to Lakeside & Co")
        );
        assert_eq!(
            regatta.news_published.map(|t| t.to_string()).as_deref(),
            Some("2024-03-14")
        );
    }

    #[test]
    fn sitemap_index_lists_child_sitemaps() {
        let map = parse_sitemap(INDEX.as_bytes(), "https://fenwick-daily.example/sitemap_index.xml").unwrap();
        assert!(map.urls.is_empty());
        assert_eq!(
            map.sitemaps,
            [
                "https://fenwick-daily.example/sitemap-2024-03.xml.gz",
                "https://fenwick-daily.example/sitemap-news.xml",
            ]
        );
    }

    #[test]
    fn gzipped_sitemaps_read_like_plain_ones() {
        let url = "https://brackwater-news.example/news-sitemap.xml.gz";
        let plain = parse_sitemap(NEWS.as_bytes(), url).unwrap();
        assert_eq!(parse_sitemap(&gzip(NEWS.as_bytes()), url).unwrap(), plain);
        assert!(looks_like_sitemap(&gzip(INDEX.as_bytes())));
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_cap_with_an_error() {
        let mut xml = b"<urlset><url><loc>https://a.example/</loc></url><!--".to_vec();
        xml.resize(MAX_SITEMAP_BYTES as usize + 4096, b' ');
        xml.extend_from_slice(b"--></urlset>");
        let bomb = gzip(&xml);
        drop(xml);
        assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
        let error = parse_sitemap(&bomb, "https://bomb.example/sitemap.xml.gz").unwrap_err();
        assert!(matches!(error, Error::TooLarge { .. }), "{error:?}");
        assert!(
            error.to_string().starts_with("https://bomb.example/sitemap.xml.gz: "),
            "{error}"
        );
    }

    #[test]
    fn broken_gzip_and_bad_xml_are_errors_naming_the_url() {
        let url = "https://broken.example/sitemap.xml";
        let mut cut = gzip(URLSET.as_bytes());
        cut.truncate(cut.len() / 2);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (cut, "corrupt gzip data"),
            (Vec::new(), "malformed sitemap: no root element"),
            (
                b"<!DOCTYPE html><html><body>Not found</body></html>".to_vec(),
                "malformed sitemap: the root element is <html>, not <urlset> or <sitemapindex>",
            ),
            (
                b"<urlset><url><loc>https://a.example/</loc></url>".to_vec(),
                "malformed sitemap: ends inside <urlset>",
            ),
            (
                b"<urlset><url><loc>https://a.example/</url></urlset>".to_vec(),
                "malformed sitemap: ",
            ),
            (
                b"<urlset><url><loc>&bogus;</loc></url></urlset>".to_vec(),
                "malformed sitemap: ",
            ),
        ];
        for (bytes, reason) in cases {
            let message = parse_sitemap(&bytes, url).unwrap_err().to_string();
            assert!(message.starts_with(&format!("{url}: {reason}")), "{message}");
        }
    }

    #[test]
    fn looks_like_sitemap_checks_the_root_element() {
        assert!(looks_like_sitemap(URLSET.as_bytes()));
        assert!(looks_like_sitemap(INDEX.as_bytes()));
        assert!(looks_like_sitemap(b"\xEF\xBB\xBF  <!-- hi --><urlset/>"));
        assert!(!looks_like_sitemap(b"<rss version=\"2.0\"><channel/></rss>"));
        assert!(!looks_like_sitemap(b"<!DOCTYPE html><html></html>"));
        assert!(!looks_like_sitemap(b""));
        assert!(!looks_like_sitemap(b"\x1f\x8b not really gzip"));
    }

    #[test]
    fn robots_txt_sitemap_lines_are_found_in_any_case() {
        let robots = "User-agent: *\nDisallow: /private\n\nSitemap: https://fenwick-daily.example/sitemap.xml\n\
            sitemap:/news-sitemap.xml # the news one\nSITEMAP : https://fenwick-daily.example/sitemap.xml\n\
            Sitemap: ftp://fenwick-daily.example/s.xml\nSitemap:\nNoise without a colon\n";
        assert_eq!(
            robots_sitemaps(robots, "https://fenwick-daily.example/robots.txt"),
            [
                "https://fenwick-daily.example/sitemap.xml",
                "https://fenwick-daily.example/news-sitemap.xml",
            ]
        );
    }
}
