//! A streaming WARC reader (WARC/1.0 and 1.1) and the step that turns its
//! records into pages.
//!
//! The reader holds one record at a time, so an archive of any size reads in
//! bounded memory: a block larger than the limit is stepped over, never
//! held. A damaged record costs only itself: reading resynchronises at the
//! next record start (see [`WarcReader`]).

use std::io::{self, BufRead, Read};

use chrono::{DateTime, Utc};
use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use crate::error::{Error, Result};
use crate::input::{capped_read_error, read_error};
use crate::limits::{is_html_media_type, parse_content_type, read_capped, MAX_PAGE_BYTES};
use crate::resync::{record_start_in, starts_version_line, Pushback, VERSION_LINE_MAX};
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
/// hand it a [`GzMembers`](crate::GzMembers) in a `BufReader`, which goes on
/// past a damaged gzip member.
///
/// A damaged record (a bad version or header line, a missing or wrong
/// Content-Length, a record cut short, a broken gzip member) yields one error
/// item naming the record and where it starts; reading then goes on at the
/// next line that starts a record (`WARC/1.0` or `WARC/1.1`), looking inside
/// the damaged record's block too, so one bad record never costs the ones
/// after it.
pub struct WarcReader<R> {
    reader: Pushback<R>,
    origin: String,
    gzipped: bool,
    records_seen: usize,
    /// Where the record being read starts (in the decompressed stream for
    /// a gzipped archive).
    record_start: u64,
    finished: bool,
    keep: Option<HeaderFilter>,
    max_block_bytes: u64,
}

/// What a damaged record means for the rest of the archive.
enum RecordError {
    /// The record's extent was known, so the next one can still be read.
    Skippable(Error),
    /// The stream position is lost: reading goes on at the next record start.
    Lost(Error),
}

impl<R: BufRead> WarcReader<R> {
    /// `origin` names the archive in messages; `gzipped` says whether read
    /// failures should be reported as damaged gzip data.
    pub fn new(reader: R, origin: impl Into<String>, gzipped: bool) -> Self {
        WarcReader {
            reader: Pushback::new(reader),
            origin: origin.into(),
            gzipped,
            records_seen: 0,
            record_start: 0,
            finished: false,
            keep: None,
            max_block_bytes: MAX_PAGE_BYTES + HTTP_HEADER_ALLOWANCE,
        }
    }

    /// Yield only records whose headers pass `keep`; the rest are read and
    /// dropped.
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
            self.record_start = self.reader.offset();
            let origin = format!("{}#record-{}", self.origin, self.records_seen);

            let version = self.read_line(&origin)?;
            let version = version.trim_end_matches(['\r', '\n']);
            if version != "WARC/1.0" && version != "WARC/1.1" {
                let shown: String = version.chars().take(40).collect();
                return Err(RecordError::Lost(Error::Warc {
                    origin,
                    reason: format!("expected a WARC/1.0 or WARC/1.1 version line, found {shown:?}"),
                }));
            }
            let headers = self.read_headers(&origin)?;
            let lost = |reason: &str| {
                RecordError::Lost(Error::Warc {
                    origin: origin.clone(),
                    reason: reason.to_string(),
                })
            };
            let length = find_header(&headers, "Content-Length")
                .ok_or_else(|| lost("record has no Content-Length"))?
                .trim()
                .parse::<u64>()
                .map_err(|_| lost("Content-Length is not a number"))?;

            let wanted = self.keep.as_ref().is_none_or(|keep| keep(&headers));
            if length > self.max_block_bytes {
                self.skip_block(length, &origin)?;
                if !wanted {
                    continue;
                }
                return Err(RecordError::Skippable(Error::TooLarge {
                    origin,
                    limit: self.max_block_bytes,
                }));
            }
            let block = self.read_block(length, &origin)?;
            if wanted {
                return Ok(Some(WarcRecord { origin, headers, block }));
            }
        }
    }

    /// Reads a block into memory and checks that the record ends where its
    /// Content-Length says. When it does not, and another record starts
    /// inside what was read, that part is read again as the next record.
    fn read_block(&mut self, length: u64, origin: &str) -> Result<Vec<u8>, RecordError> {
        let mut block = Vec::new();
        // On an error, read_to_end keeps what it read before it.
        let read = (&mut self.reader).take(length).read_to_end(&mut block);
        let error = match read {
            Err(e) => read_error(e, origin, self.gzipped),
            Ok(_) if (block.len() as u64) < length => truncated(origin.to_string(), length, block.len() as u64),
            Ok(_) if !self.ends_here() => wrong_length(origin, length),
            Ok(_) => return Ok(block),
        };
        if let Some(at) = record_start_in(&block) {
            self.reader.push_back(&block[at..]);
        }
        Err(RecordError::Lost(error))
    }

    /// Steps over a block too large to hold, checking where it ends.
    fn skip_block(&mut self, length: u64, origin: &str) -> Result<(), RecordError> {
        let skipped = io::copy(&mut (&mut self.reader).take(length), &mut io::sink())
            .map_err(|e| RecordError::Lost(read_error(e, origin, self.gzipped)))?;
        if skipped < length {
            return Err(RecordError::Lost(truncated(origin.to_string(), length, skipped)));
        }
        if !self.ends_here() {
            return Err(RecordError::Lost(wrong_length(origin, length)));
        }
        Ok(())
    }

    /// Whether the record ends at the read position: the CRLF CRLF that
    /// closes a record follows (what comes after is the next record's
    /// business), or, from lax writers, other line ends and then the end of
    /// the archive or the next version line.
    fn ends_here(&mut self) -> bool {
        const LOOK_AHEAD: usize = 4 + VERSION_LINE_MAX;
        let ahead = self.reader.peek(LOOK_AHEAD);
        if ahead.starts_with(b"\r\n\r\n") {
            return true;
        }
        let line_ends = ahead.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        let rest = &ahead[line_ends..];
        rest.is_empty() || starts_version_line(rest) != Some(false)
    }

    /// Steps over the CRLF pairs between records; false at end of file.
    fn skip_blank_lines(&mut self) -> Result<bool, RecordError> {
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) => {
                    self.records_seen += 1;
                    self.record_start = self.reader.offset();
                    let origin = format!("{}#record-{}", self.origin, self.records_seen);
                    return Err(RecordError::Lost(read_error(e, &origin, self.gzipped)));
                }
            };
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
            .map_err(|e| RecordError::Lost(read_error(e, origin, self.gzipped)))?;
        if line.last() != Some(&b'\n') {
            return Err(RecordError::Lost(if line.len() as u64 >= MAX_HEADER_LINE {
                Error::Warc {
                    origin: origin.to_string(),
                    reason: format!("header line longer than {MAX_HEADER_LINE} bytes"),
                }
            } else {
                Error::TruncatedWarc {
                    origin: origin.to_string(),
                    reason: "archive ends inside the record header".to_string(),
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
                return Err(RecordError::Lost(Error::Warc {
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
                return Err(RecordError::Lost(Error::Warc {
                    origin: origin.to_string(),
                    reason: format!("header line without a colon: {shown:?}"),
                }));
            };
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }

    /// After a damaged record: steps to the next record start and says in
    /// the error where the damage was and where reading goes on.
    fn resync(&mut self, error: Error) -> Error {
        let of = if self.gzipped {
            " of the decompressed archive"
        } else {
            ""
        };
        let start = self.record_start;
        let after = match self.reader.skip_to_record_start() {
            Ok((_, true)) => format!("reading goes on at byte {}", self.reader.offset()),
            Ok((_, false)) => {
                self.finished = true;
                "no record follows".to_string()
            }
            Err(e) => {
                self.finished = true;
                format!("reading stopped: {e}")
            }
        };
        with_note(error, &format!(" (record at byte {start}{of}; {after})"))
    }
}

fn wrong_length(origin: &str, length: u64) -> Error {
    Error::Warc {
        origin: origin.to_string(),
        reason: format!("the record does not end after the {length} bytes its Content-Length says"),
    }
}

/// Adds `note` to an error's reason.
fn with_note(error: Error, note: &str) -> Error {
    match error {
        Error::Warc { origin, reason } => Error::Warc {
            origin,
            reason: reason + note,
        },
        Error::TruncatedWarc { origin, reason } => Error::TruncatedWarc {
            origin,
            reason: reason + note,
        },
        Error::CorruptGzip { origin, source } => Error::CorruptGzip {
            origin,
            source: io::Error::new(source.kind(), format!("{source}{note}")),
        },
        Error::Io { origin, source } => Error::Io {
            origin,
            source: io::Error::new(source.kind(), format!("{source}{note}")),
        },
        other => other,
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
            Err(RecordError::Lost(error)) => Some(Err(self.resync(error))),
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
#[path = "warc_tests.rs"]
mod tests;
