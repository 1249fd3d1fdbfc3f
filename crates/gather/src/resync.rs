//! Finding the next WARC record after a damaged one: a buffered reader that
//! can look ahead and take bytes back, and the scan for the next line that
//! starts a record (`WARC/1.0` or `WARC/1.1`).

use std::io::{self, BufRead, Read};

/// Longest look-ahead: a version line with its line end.
pub(crate) const VERSION_LINE_MAX: usize = b"WARC/1.0\r\n".len();

/// Whether `bytes` begin with a WARC/1.0 or WARC/1.1 version line.
/// `None` when there are too few bytes to tell.
pub(crate) fn starts_version_line(bytes: &[u8]) -> Option<bool> {
    const PREFIX: &[u8] = b"WARC/1.";
    let n = bytes.len().min(PREFIX.len());
    if bytes[..n] != PREFIX[..n] {
        return Some(false);
    }
    match bytes.get(PREFIX.len()..) {
        None | Some([]) => None,
        Some([b'0' | b'1']) => None,
        Some([b'0' | b'1', b'\n', ..]) => Some(true),
        Some([b'0' | b'1', b'\r']) => None,
        Some([b'0' | b'1', b'\r', b'\n', ..]) => Some(true),
        Some(_) => Some(false),
    }
}

/// Where in `bytes` the first record starts at a line start, `bytes[0]`
/// counting as one. Used on a block that turned out to hold more than its
/// record.
pub(crate) fn record_start_in(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        // A version line cut off by the end of the slice is not a match:
        // the caller scans on in the stream after it.
        if starts_version_line(&bytes[at..]) == Some(true) {
            return Some(at);
        }
        at += bytes[at..].iter().position(|&b| b == b'\n')? + 1;
    }
}

/// A buffered reader with look-ahead and push-back, counting the bytes it
/// hands out so messages can say where in the archive something went wrong.
pub(crate) struct Pushback<R> {
    inner: R,
    /// Bytes to hand out before `inner`'s: pushed back or looked ahead at.
    front: Vec<u8>,
    front_pos: usize,
    /// An error met while looking ahead, handed out at the next read.
    stashed: Option<io::Error>,
    /// Bytes consumed so far, less those pushed back.
    offset: u64,
    /// Whether the last byte consumed ended a line (or nothing was consumed
    /// yet, or the stream broke: a gzip member resumes at a record start).
    at_line_start: bool,
}

impl<R: BufRead> Pushback<R> {
    pub(crate) fn new(inner: R) -> Self {
        Pushback {
            inner,
            front: Vec::new(),
            front_pos: 0,
            stashed: None,
            offset: 0,
            at_line_start: true,
        }
    }

    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Marks the stream as broken: what comes next starts afresh.
    pub(crate) fn mark_break(&mut self) {
        self.at_line_start = true;
    }

    /// Puts `bytes` back in front of the unread input.
    pub(crate) fn push_back(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut front = Vec::with_capacity(bytes.len() + self.front.len() - self.front_pos);
        front.extend_from_slice(bytes);
        front.extend_from_slice(&self.front[self.front_pos..]);
        self.front = front;
        self.front_pos = 0;
        self.offset = self.offset.saturating_sub(bytes.len() as u64);
        self.at_line_start = true;
    }

    /// Up to `n` unread bytes without consuming them; fewer only at the end
    /// of the input or when reading failed, in which case the error comes
    /// with the next read.
    pub(crate) fn peek(&mut self, n: usize) -> &[u8] {
        while self.front.len() - self.front_pos < n && self.stashed.is_none() {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.stashed = Some(e);
                    break;
                }
            };
            if chunk.is_empty() {
                break;
            }
            let take = chunk.len().min(n - (self.front.len() - self.front_pos));
            if self.front_pos > 0 {
                self.front.drain(..self.front_pos);
                self.front_pos = 0;
            }
            self.front.extend_from_slice(&chunk[..take]);
            self.inner.consume(take);
        }
        let end = self.front.len().min(self.front_pos + n);
        &self.front[self.front_pos..end]
    }

    /// Steps to the next record start: a `WARC/1.0` or `WARC/1.1` line at a
    /// line start. Returns how many bytes were passed over, and whether a
    /// record start was found (false at the end of the input). A read error
    /// is stepped over when bytes were read since the last one (a gzip
    /// stream goes on at its next member), else returned.
    pub(crate) fn skip_to_record_start(&mut self) -> io::Result<(u64, bool)> {
        let start = self.offset;
        let mut progress_since_error = true;
        loop {
            if self.at_line_start && starts_version_line(self.peek(VERSION_LINE_MAX)) == Some(true) {
                return Ok((self.offset - start, true));
            }
            let before = self.offset;
            let chunk = match self.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A read error met while looking for the next record belongs
                // to the damage already reported.
                Err(_) if progress_since_error => {
                    progress_since_error = false;
                    self.mark_break();
                    continue;
                }
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok((self.offset - start, false));
            }
            // Not a record start here: on to the next line's.
            let used = chunk.iter().position(|&b| b == b'\n').map_or(chunk.len(), |i| i + 1);
            self.consume(used);
            progress_since_error |= self.offset > before;
        }
    }
}

impl<R: BufRead> Read for Pushback<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_through_buffer(self, out)
    }
}

impl<R: BufRead> BufRead for Pushback<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.front_pos < self.front.len() {
            return Ok(&self.front[self.front_pos..]);
        }
        if let Some(error) = self.stashed.take() {
            self.mark_break();
            return Err(error);
        }
        if let Err(e) = self.inner.fill_buf() {
            self.mark_break();
            return Err(e);
        }
        // Buffered now: the second call only hands the same bytes out.
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if amount == 0 {
            return;
        }
        let in_front = self.front.len() - self.front_pos;
        let last = if in_front > 0 {
            let n = amount.min(in_front);
            self.front_pos += n;
            let last = self.front[self.front_pos - 1];
            if self.front_pos == self.front.len() {
                self.front.clear();
                self.front_pos = 0;
            }
            debug_assert_eq!(n, amount, "consume never spans the front and the inner reader");
            last
        } else {
            let last = self
                .inner
                .fill_buf()
                .ok()
                .and_then(|chunk| chunk.get(amount - 1).copied());
            self.inner.consume(amount);
            last.unwrap_or(0)
        };
        self.offset += amount as u64;
        self.at_line_start = last == b'\n';
    }
}

/// `Read::read` for a reader whose buffer is the source of truth: copies
/// what [`BufRead::fill_buf`] offers and consumes it. The resync readers
/// implement `Read` this way so that both paths see the same bytes.
pub(crate) fn read_through_buffer(reader: &mut impl BufRead, out: &mut [u8]) -> io::Result<usize> {
    let available = reader.fill_buf()?;
    let n = available.len().min(out.len());
    out[..n].copy_from_slice(&available[..n]);
    reader.consume(n);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_lines_are_recognised_and_near_misses_are_not() {
        assert_eq!(starts_version_line(b"WARC/1.0\r\nWARC-Type"), Some(true));
        assert_eq!(starts_version_line(b"WARC/1.1\n"), Some(true));
        assert_eq!(starts_version_line(b"WARC/1.2\r\n"), Some(false));
        assert_eq!(starts_version_line(b"WARC/1.0 \r\n"), Some(false));
        assert_eq!(starts_version_line(b"WARC/1."), None);
        assert_eq!(starts_version_line(b"<html>"), Some(false));
        assert_eq!(record_start_in(b"junk\nmore WARC/1.0\r\nWARC/1.1\r\nx"), Some(20));
        assert_eq!(record_start_in(b"WARC/1.0\r\n"), Some(0));
        assert_eq!(record_start_in(b"junk\nWARC/1."), None);
    }

    #[test]
    fn the_scan_stops_at_a_record_start_and_counts_what_it_passed() {
        let input = b"garbage WARC/1.0\r\nmore\r\nWARC/1.1\r\nrest";
        let mut reader = Pushback::new(&input[..]);
        assert_eq!(reader.skip_to_record_start().unwrap(), (24, true));
        assert_eq!(reader.peek(8), b"WARC/1.1");
        reader.consume(3);
        assert_eq!(reader.skip_to_record_start().unwrap(), (11, false));
    }

    #[test]
    fn pushed_back_bytes_are_read_again_before_the_rest() {
        let mut reader = Pushback::new(&b"tail"[..]);
        assert_eq!(reader.peek(2), b"ta");
        reader.push_back(b"head ");
        let mut all = String::new();
        reader.read_to_string(&mut all).unwrap();
        assert_eq!(all, "head tail");
    }
}
