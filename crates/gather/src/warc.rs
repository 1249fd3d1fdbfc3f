//! A streaming WARC reader (WARC/1.0 and 1.1) and the step that turns its
//! records into pages.
//!
//! The reader holds one record at a time, so an archive of any size reads in
//! bounded memory. Records nobody wants (requests, metadata, ...) are skipped
//! without being buffered.

use std::io::{self, BufRead, Read};

use chrono::{DateTime, Utc};
use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use crate::error::{Error, Result};
use crate::input::{capped_read_error, read_error};
use crate::limits::{is_html_media_type, parse_content_type, read_capped, MAX_PAGE_BYTES};
use crate::Page;

/// Room for the HTTP header block that precedes a page in a response record.
const HTTP_HEADER_ALLOWANCE: u64 = 1024 * 1024;
/// Longest WARC header line accepted; real ones are a few hundred bytes, and
/// without a bound a file of garbage without newlines would be read whole.
const MAX_HEADER_LINE: u64 = 64 * 1024;
const MAX_HEADER_LINES: usize = 1024;

/// One WARC record: its named headers in file order and its content block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcRecord {
    /// `path#record-N`, counting every record in the file from 1.
    pub origin: String,
    pub headers: Vec<(String, String)>,
    pub block: Vec<u8>,
}

impl WarcRecord {
    /// The first header of that name (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    pub fn record_type(&self) -> Option<&str> {
        self.header("WARC-Type")
    }

    /// WARC-Target-URI, without the angle brackets WARC/1.0 drafts put round it.
    pub fn target_uri(&self) -> Option<&str> {
        let uri = self.header("WARC-Target-URI")?.trim();
        let uri = uri.strip_prefix('<').and_then(|u| u.strip_suffix('>')).unwrap_or(uri);
        (!uri.is_empty()).then_some(uri)
    }

    /// WARC-Date; `None` when absent or unreadable, since a bad date should
    /// not cost the page.
    pub fn date(&self) -> Option<DateTime<Utc>> {
        let date = self.header("WARC-Date")?;
        DateTime::parse_from_rfc3339(date.trim())
            .ok()
            .map(|d| d.with_timezone(&Utc))
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Anything that yields WARC records one at a time. Pages are made from this
/// trait, not from [`WarcReader`], so another parser can stand in later.
pub trait RecordReader: Iterator<Item = Result<WarcRecord>> + Send {}

type HeaderFilter = Box<dyn Fn(&[(String, String)]) -> bool + Send>;

/// Our own streaming WARC parser over any buffered reader. For `.warc.gz`
/// hand it a [`MultiGzDecoder`] (each record is usually its own gzip member).
pub struct WarcReader<R> {
    reader: R,
    origin: String,
    gzipped: bool,
    records_seen: usize,
    finished: bool,
    keep: Option<HeaderFilter>,
    max_block_bytes: u64,
}

/// What a damaged record means for the rest of the archive.
enum RecordError {
    /// The record's extent was known, so the next one can still be read.
    Skippable(Error),
    /// The stream position is lost: nothing after this can be trusted.
    Fatal(Error),
}

impl<R: BufRead> WarcReader<R> {
    /// `origin` names the archive in messages; `gzipped` says whether read
    /// failures should be reported as damaged gzip data.
    pub fn new(reader: R, origin: impl Into<String>, gzipped: bool) -> Self {
        WarcReader {
            reader,
            origin: origin.into(),
            gzipped,
            records_seen: 0,
            finished: false,
            keep: None,
            max_block_bytes: MAX_PAGE_BYTES + HTTP_HEADER_ALLOWANCE,
        }
    }

    /// Yield only records whose headers pass `keep`; the rest are skipped
    /// without reading their blocks into memory.
    pub fn keep_only(mut self, keep: impl Fn(&[(String, String)]) -> bool + Send + 'static) -> Self {
        self.keep = Some(Box::new(keep));
        self
    }

    /// Largest content block read into memory; bigger records are skipped
    /// with an error item.
    pub fn max_block_bytes(mut self, limit: u64) -> Self {
        self.max_block_bytes = limit;
        self
    }

    /// Reads the next wanted record; `Ok(None)` at a clean end of file.
    fn read_record(&mut self) -> Result<Option<WarcRecord>, RecordError> {
        loop {
            if !self.skip_blank_lines()? {
                return Ok(None);
            }
            self.records_seen += 1;
            let origin = format!("{}#record-{}", self.origin, self.records_seen);

            let version = self.read_line(&origin)?;
            let version = version.trim_end_matches(['\r', '\n']);
            if version != "WARC/1.0" && version != "WARC/1.1" {
                let shown: String = version.chars().take(40).collect();
                return Err(RecordError::Fatal(Error::Warc {
                    origin,
                    reason: format!("expected a WARC/1.0 or WARC/1.1 version line, found {shown:?}"),
                }));
            }
            let headers = self.read_headers(&origin)?;
            let length = find_header(&headers, "Content-Length")
                .ok_or_else(|| {
                    RecordError::Fatal(Error::Warc {
                        origin: origin.clone(),
                        reason: "record has no Content-Length".to_string(),
                    })
                })?
                .trim()
                .parse::<u64>()
                .map_err(|_| {
                    RecordError::Fatal(Error::Warc {
                        origin: origin.clone(),
                        reason: "Content-Length is not a number".to_string(),
                    })
                })?;

            let wanted = self.keep.as_ref().is_none_or(|keep| keep(&headers));
            if !wanted {
                self.skip_block(length, &origin)?;
                continue;
            }
            if length > self.max_block_bytes {
                self.skip_block(length, &origin)?;
                return Err(RecordError::Skippable(Error::TooLarge {
                    origin,
                    limit: self.max_block_bytes,
                }));
            }
            let block = read_capped((&mut self.reader).take(length), length)
                .map_err(|e| RecordError::Fatal(capped_read_error(e, &origin, self.gzipped)))?;
            if (block.len() as u64) < length {
                return Err(RecordError::Fatal(truncated(origin, length, block.len() as u64)));
            }
            return Ok(Some(WarcRecord { origin, headers, block }));
        }
    }

    /// Steps over the CRLF pairs between records; false at end of file.
    fn skip_blank_lines(&mut self) -> Result<bool, RecordError> {
        loop {
            let buf = self
                .reader
                .fill_buf()
                .map_err(|e| RecordError::Fatal(read_error(e, &self.origin, self.gzipped)))?;
            if buf.is_empty() {
                return Ok(false);
            }
            let blank = buf.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            let more_follows = blank < buf.len();
            self.reader.consume(blank);
            if more_follows {
                return Ok(true);
            }
        }
    }

    fn read_line(&mut self, origin: &str) -> Result<String, RecordError> {
        let mut line = Vec::new();
        (&mut self.reader)
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| RecordError::Fatal(read_error(e, origin, self.gzipped)))?;
        if line.last() != Some(&b'\n') {
            let reason = if line.len() as u64 >= MAX_HEADER_LINE {
                format!("header line longer than {MAX_HEADER_LINE} bytes")
            } else {
                "archive ends inside the record header".to_string()
            };
            return Err(RecordError::Fatal(if line.len() as u64 >= MAX_HEADER_LINE {
                Error::Warc {
                    origin: origin.to_string(),
                    reason,
                }
            } else {
                Error::TruncatedWarc {
                    origin: origin.to_string(),
                    reason,
                }
            }));
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    fn read_headers(&mut self, origin: &str) -> Result<Vec<(String, String)>, RecordError> {
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            let line = self.read_line(origin)?;
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                return Ok(headers);
            }
            if headers.len() >= MAX_HEADER_LINES {
                return Err(RecordError::Fatal(Error::Warc {
                    origin: origin.to_string(),
                    reason: format!("more than {MAX_HEADER_LINES} header lines"),
                }));
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                    continue;
                }
            }
            let Some((name, value)) = line.split_once(':') else {
                let shown: String = line.chars().take(40).collect();
                return Err(RecordError::Fatal(Error::Warc {
                    origin: origin.to_string(),
                    reason: format!("header line without a colon: {shown:?}"),
                }));
            };
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }

    fn skip_block(&mut self, length: u64, origin: &str) -> Result<(), RecordError> {
        let skipped = io::copy(&mut (&mut self.reader).take(length), &mut io::sink())
            .map_err(|e| RecordError::Fatal(read_error(e, origin, self.gzipped)))?;
        if skipped < length {
            return Err(RecordError::Fatal(truncated(origin.to_string(), length, skipped)));
        }
        Ok(())
    }
}

fn truncated(origin: String, expected: u64, found: u64) -> Error {
    Error::TruncatedWarc {
        origin,
        reason: format!("Content-Length says {expected} bytes but only {found} follow"),
    }
}

impl<R: BufRead> Iterator for WarcReader<R> {
    type Item = Result<WarcRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.read_record() {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(RecordError::Skippable(error)) => Some(Err(error)),
            Err(RecordError::Fatal(error)) => {
                self.finished = true;
                Some(Err(error))
            }
        }
    }
}

impl<R: BufRead + Send> RecordReader for WarcReader<R> {}

/// The pages in an archive: 2xx HTML `response` records and HTML `resource`
/// records. Everything else (requests, metadata, warcinfo, revisits, images)
/// is passed over.
pub(crate) fn pages_from_warc<R: BufRead + Send>(reader: WarcReader<R>) -> impl Iterator<Item = Result<Page>> + Send {
    let reader = reader.keep_only(|headers| {
        find_header(headers, "WARC-Type")
            .is_some_and(|t| t.eq_ignore_ascii_case("response") || t.eq_ignore_ascii_case("resource"))
    });
    pages_from_records(reader)
}

/// The pages among the records of any [`RecordReader`]: 2xx HTML responses
/// and HTML resources; read errors pass through as items.
pub fn pages_from_records(records: impl RecordReader) -> impl Iterator<Item = Result<Page>> + Send {
    records.filter_map(|record| match record {
        Ok(record) => page_from_record(record).transpose(),
        Err(error) => Some(Err(error)),
    })
}

fn page_from_record(record: WarcRecord) -> Result<Option<Page>> {
    let record_type = record.record_type().unwrap_or("").to_ascii_lowercase();
    let (media_type, charset) = parse_content_type(record.header("Content-Type").unwrap_or(""));
    let looks_like_http =
        media_type == "application/http" || (media_type.is_empty() && record.block.starts_with(b"HTTP/"));
    match record_type.as_str() {
        "response" if looks_like_http => page_from_http_response(record),
        "response" | "resource" if is_html_media_type(&media_type) => Ok(non_empty_page(record, charset, None)),
        _ => Ok(None),
    }
}

fn page_from_http_response(mut record: WarcRecord) -> Result<Option<Page>> {
    let head = parse_http_head(&record.block).map_err(|reason| Error::HttpPayload {
        origin: record.origin.clone(),
        reason,
    })?;
    if !(200..300).contains(&head.status) {
        return Ok(None);
    }
    let content_type = find_header(&head.headers, "Content-Type");
    let (media_type, charset) = parse_content_type(content_type.unwrap_or(""));
    let mut body = record.block.split_off(head.body_start);
    let html = if content_type.is_none() {
        looks_like_html(&body)
    } else {
        is_html_media_type(&media_type)
    };
    if !html {
        return Ok(None);
    }

    let chunked =
        find_header(&head.headers, "Transfer-Encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked {
        // Some crawlers store the body already de-chunked but keep the
        // header, so a body that does not parse as chunks is taken as is.
        if let Some(joined) = dechunk(&body) {
            body = joined;
        }
    }
    if let Some(encoding) = find_header(&head.headers, "Content-Encoding") {
        body = decode_content(body, encoding, &record.origin)?;
    }
    if body.len() as u64 > MAX_PAGE_BYTES {
        return Err(Error::TooLarge {
            origin: record.origin,
            limit: MAX_PAGE_BYTES,
        });
    }
    record.block = body;
    Ok(non_empty_page(record, charset, Some(head.status)))
}

fn non_empty_page(record: WarcRecord, charset: Option<String>, status: Option<u16>) -> Option<Page> {
    if record.block.is_empty() {
        return None;
    }
    Some(Page {
        url: record.target_uri().map(str::to_string),
        fetched_at: record.date(),
        origin: record.origin,
        body: record.block,
        charset,
        status,
    })
}

struct HttpHead {
    status: u16,
    headers: Vec<(String, String)>,
    body_start: usize,
}

fn parse_http_head(block: &[u8]) -> Result<HttpHead, String> {
    let end = find_subslice(block, b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .into_iter()
        .chain(find_subslice(block, b"\n\n").map(|i| (i, i + 2)))
        .min_by_key(|(i, _)| *i);
    let (head_end, body_start) = match end {
        Some(found) => found,
        // A header block with nothing after it (e.g. a 204) is still valid.
        None if block.ends_with(b"\n") => (block.len(), block.len()),
        None => return Err("no blank line ends the HTTP header block".to_string()),
    };
    let head = String::from_utf8_lossy(&block[..head_end]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or("");
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let status = match status {
        Some(status) if version.starts_with("HTTP/") && (100..600).contains(&status) => status,
        _ => {
            let shown: String = status_line.chars().take(40).collect();
            return Err(format!("bad status line {shown:?}"));
        }
    };
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    Ok(HttpHead {
        status,
        headers,
        body_start,
    })
}

fn find_subslice(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// For payloads without a Content-Type: accept only what plainly starts as HTML.
fn looks_like_html(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let head: Vec<u8> = body[start..].iter().take(14).map(u8::to_ascii_lowercase).collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

/// Joins an HTTP/1.1 chunked body; `None` if it is not well-formed chunks.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut joined = Vec::with_capacity(body.len());
    loop {
        let line_end = find_subslice(body, b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(joined);
        }
        if body.len() < size {
            return None;
        }
        joined.extend_from_slice(&body[..size]);
        body = body[size..].strip_prefix(b"\r\n")?;
    }
}

fn decode_content(body: Vec<u8>, encoding: &str, origin: &str) -> Result<Vec<u8>> {
    let encoding = encoding.trim().to_ascii_lowercase();
    let decoded = match encoding.as_str() {
        "" | "identity" | "none" => return Ok(body),
        // Crawlers that decode before storing often keep the header; only
        // bytes that start like gzip are decoded.
        "gzip" | "x-gzip" if !body.starts_with(&[0x1f, 0x8b]) => return Ok(body),
        "gzip" | "x-gzip" => read_capped(MultiGzDecoder::new(&body[..]), MAX_PAGE_BYTES)
            .map_err(|e| capped_read_error(e, origin, true))?,
        "deflate" => match read_capped(ZlibDecoder::new(&body[..]), MAX_PAGE_BYTES) {
            Ok(decoded) => decoded,
            // Some servers send raw deflate without the zlib wrapper.
            Err(_) => read_capped(DeflateDecoder::new(&body[..]), MAX_PAGE_BYTES)
                .map_err(|e| capped_read_error(e, origin, true))?,
        },
        other => {
            return Err(Error::HttpPayload {
                origin: origin.to_string(),
                reason: format!("unsupported Content-Encoding {other:?}"),
            })
        }
    };
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;
    use crate::input::{read_input, Input, InputKind};

    fn record(kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{kind}-{}>\r\n\
             WARC-Date: 2024-03-05T10:20:30Z\r\nWARC-Target-URI: {uri}\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            uri.len(),
            block.len()
        )
        .into_bytes();
        out.extend_from_slice(block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    fn http(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {status}\r\n{headers}\r\n").into_bytes();
        out.extend_from_slice(body);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    const HTTP_MSG: &str = "application/http; msgtype=response";

    /// An archive as a crawler writes it: warcinfo, then request/response
    /// pairs, with pages, an image, an error page, a revisit and metadata.
    fn sample_records() -> Vec<Vec<u8>> {
        let chunked_gzip_body = {
            let zipped = gzip("<html><p>zipped and chunked</p></html>".as_bytes());
            let (first, second) = zipped.split_at(10);
            let mut body = format!("{:x}\r\n", first.len()).into_bytes();
            body.extend_from_slice(first);
            body.extend_from_slice(format!("\r\n{:x};ext=1\r\n", second.len()).as_bytes());
            body.extend_from_slice(second);
            body.extend_from_slice(b"\r\n0\r\n\r\n");
            body
        };
        vec![
            record("warcinfo", "", "application/warc-fields", b"software: test\r\n"),
            record(
                "request",
                "https://news.example/a",
                "application/http; msgtype=request",
                b"GET /a HTTP/1.1\r\nHost: news.example\r\n\r\n",
            ),
            record(
                "response",
                "https://news.example/a",
                HTTP_MSG,
                &http(
                    "200 OK",
                    "Content-Type: text/html; charset=ISO-8859-1\r\n",
                    b"<html><p>caf\xe9</p></html>",
                ),
            ),
            record(
                "response",
                "https://news.example/logo.png",
                HTTP_MSG,
                &http("200 OK", "Content-Type: image/png\r\n", b"\x89PNG\r\n\x1a\n"),
            ),
            record(
                "response",
                "https://news.example/gone",
                HTTP_MSG,
                &http("404 Not Found", "Content-Type: text/html\r\n", b"<p>gone</p>"),
            ),
            record(
                "revisit",
                "https://news.example/a",
                HTTP_MSG,
                &http("200 OK", "Content-Type: text/html\r\n", b""),
            ),
            record(
                "metadata",
                "https://news.example/a",
                "application/warc-fields",
                b"via: x\r\n",
            ),
            record(
                "resource",
                "<https://news.example/saved>",
                "text/html; charset=utf-8",
                b"<p>saved copy</p>",
            ),
            record(
                "response",
                "https://news.example/b",
                HTTP_MSG,
                &http(
                    "200 OK",
                    "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
                    &chunked_gzip_body,
                ),
            ),
        ]
    }

    fn read_all(path: &std::path::Path, kind: InputKind) -> Vec<Result<Page>> {
        read_input(&Input {
            path: path.to_path_buf(),
            kind,
        })
        .collect()
    }

    /// origin, url, body, charset, status
    type PageSummary<'a> = (&'a str, Option<&'a str>, &'a [u8], Option<&'a str>, Option<u16>);

    fn check_sample_pages(pages: Vec<Result<Page>>, origin: &str) {
        let pages: Vec<Page> = pages.into_iter().map(|p| p.unwrap()).collect();
        let summary: Vec<PageSummary> = pages
            .iter()
            .map(|p| {
                (
                    p.origin.as_str(),
                    p.url.as_deref(),
                    p.body.as_slice(),
                    p.charset.as_deref(),
                    p.status,
                )
            })
            .collect();
        let names: Vec<String> = [3, 8, 9].iter().map(|n| format!("{origin}#record-{n}")).collect();
        assert_eq!(
            summary,
            vec![
                (
                    names[0].as_str(),
                    Some("https://news.example/a"),
                    &b"<html><p>caf\xe9</p></html>"[..],
                    Some("iso-8859-1"),
                    Some(200)
                ),
                (
                    names[1].as_str(),
                    Some("https://news.example/saved"),
                    &b"<p>saved copy</p>"[..],
                    Some("utf-8"),
                    None
                ),
                (
                    names[2].as_str(),
                    Some("https://news.example/b"),
                    &b"<html><p>zipped and chunked</p></html>"[..],
                    None,
                    Some(200)
                ),
            ]
        );
        let date = pages[0].fetched_at.unwrap();
        assert_eq!(date.to_rfc3339(), "2024-03-05T10:20:30+00:00");
    }

    #[test]
    fn plain_warc_yields_exactly_the_html_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crawl.warc");
        fs::write(&path, sample_records().concat()).unwrap();
        check_sample_pages(read_all(&path, InputKind::Warc), &path.display().to_string());
    }

    #[test]
    fn gzipped_warc_with_one_member_per_record_yields_the_same_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crawl.warc.gz");
        let members: Vec<Vec<u8>> = sample_records().iter().map(|r| gzip(r)).collect();
        fs::write(&path, members.concat()).unwrap();
        check_sample_pages(read_all(&path, InputKind::WarcGz), &path.display().to_string());
    }

    #[test]
    fn truncated_warc_yields_the_pages_before_the_damage_then_one_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.warc");
        let records = sample_records();
        let mut bytes = records[..3].concat();
        bytes.extend_from_slice(&records[3][..records[3].len() / 2]);
        fs::write(&path, &bytes).unwrap();
        let items = read_all(&path, InputKind::Warc);
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(
            items[0].as_ref().unwrap().url.as_deref(),
            Some("https://news.example/a")
        );
        let error = items[1].as_ref().unwrap_err();
        assert!(matches!(error, Error::TruncatedWarc { .. }), "{error}");
        assert!(error.to_string().contains("cut.warc#record-4"), "{error}");

        // Cut inside a gzip member: the decoder reports the damage.
        let gz_path = dir.path().join("cut.warc.gz");
        let mut gz_bytes: Vec<u8> = records[..3].iter().flat_map(|r| gzip(r)).collect();
        let next = gzip(&records[3]);
        gz_bytes.extend_from_slice(&next[..next.len() / 2]);
        fs::write(&gz_path, &gz_bytes).unwrap();
        let items = read_all(&gz_path, InputKind::WarcGz);
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(items[0].is_ok());
        assert!(items[1].as_ref().unwrap_err().to_string().contains("cut.warc.gz"));
    }

    #[test]
    fn garbage_instead_of_a_record_is_one_error() {
        let mut bytes = sample_records()[2].clone();
        bytes.extend_from_slice(b"this is not a WARC record\r\n");
        let items: Vec<_> = pages_from_warc(WarcReader::new(&bytes[..], "junk.warc", false)).collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        let message = items[1].as_ref().unwrap_err().to_string();
        assert!(message.starts_with("junk.warc#record-2: malformed WARC"), "{message}");
    }

    #[test]
    fn an_oversized_record_is_skipped_and_reading_goes_on() {
        let big = record("resource", "https://x.example/big", "text/html", &[b'a'; 500]);
        let small = record("resource", "https://x.example/small", "text/html", b"<p>ok</p>");
        let bytes = [big, small].concat();
        let reader = WarcReader::new(&bytes[..], "big.warc", false).max_block_bytes(100);
        let items: Vec<_> = reader.collect();
        assert_eq!(items.len(), 2);
        assert!(matches!(items[0], Err(Error::TooLarge { limit: 100, .. })));
        assert_eq!(items[1].as_ref().unwrap().block, b"<p>ok</p>");
    }

    #[test]
    fn warc_1_0_headers_with_continuation_lines_are_read() {
        let bytes = b"WARC/1.0\r\nWARC-Type: resource\r\nX-Note: first\r\n  second\r\n\
            content-length: 3\r\n\r\nabc\r\n\r\n";
        let records: Vec<_> = WarcReader::new(&bytes[..], "old.warc", false).collect();
        let record = records[0].as_ref().unwrap();
        assert_eq!(record.header("x-note"), Some("first second"));
        assert_eq!(record.block, b"abc");
        assert_eq!(records.len(), 1);
    }
}
