//! A gzip reader that survives a broken member: it decodes a `.warc.gz` one
//! member at a time and, when a member is damaged, reports it once and goes
//! on at the next gzip member instead of stopping, as `MultiGzDecoder` does.
//!
//! The decompressed bytes of consecutive members form one stream, so records
//! that span members (or a whole archive in one member) still read. After a
//! damaged member the stream simply continues with the next good member's
//! bytes; the WARC reader above notices the break from the error and looks
//! for the next record start.

use std::cmp::max;
use std::io::{self, BufRead, Read};

use flate2::bufread::GzDecoder;

use crate::resync::read_through_buffer;

/// The first three bytes of every gzip member we can read: the magic number
/// and the deflate method.
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];
/// How much compressed input is kept behind the read position, so that after
/// a damaged member the search for the next one can start just after the
/// damaged member's first byte even though the decoder read on past it (a
/// member cut short runs into the next member's bytes before it fails).
const REWIND_WINDOW: usize = 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// Compressed input that remembers the last [`REWIND_WINDOW`] bytes it gave
/// out, so a reader can step back within them.
struct Tape<R> {
    inner: R,
    /// Bytes from file offset `base` on; `buf[..pos]` are consumed.
    buf: Vec<u8>,
    base: u64,
    pos: usize,
    eof: bool,
}

impl<R: Read> Tape<R> {
    fn new(inner: R) -> Self {
        Tape {
            inner,
            buf: Vec::new(),
            base: 0,
            pos: 0,
            eof: false,
        }
    }

    /// The file offset of the next byte to be read.
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Steps back to `offset`, or to the oldest byte still kept if that is
    /// later; returns where reading resumes.
    fn rewind_to(&mut self, offset: u64) -> u64 {
        let target = max(offset, self.base).min(self.offset());
        self.pos = (target - self.base) as usize;
        target
    }

    /// Makes at least `wanted` unread bytes available unless the input ends
    /// first; returns how many are available.
    fn fill_at_least(&mut self, wanted: usize) -> io::Result<usize> {
        while self.buf.len() - self.pos < wanted && !self.eof {
            if self.buf.len() >= 2 * REWIND_WINDOW + CHUNK {
                // Keep only the window behind the read position.
                let drop = self.pos.saturating_sub(REWIND_WINDOW);
                self.buf.drain(..drop);
                self.base += drop as u64;
                self.pos -= drop;
            }
            let len = self.buf.len();
            self.buf.resize(len + CHUNK, 0);
            let read = loop {
                match self.inner.read(&mut self.buf[len..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.buf.truncate(len);
                        return Err(e);
                    }
                }
            };
            self.buf.truncate(len + read);
            self.eof = read == 0;
        }
        Ok(self.buf.len() - self.pos)
    }
}

impl<R: Read> Read for Tape<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_through_buffer(self, out)
    }
}

impl<R: Read> BufRead for Tape<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.fill_at_least(1)?;
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.buf.len());
    }
}

enum State<R> {
    /// Between members: the next bytes should start one.
    Between(Tape<R>),
    Decoding(Box<GzDecoder<Tape<R>>>),
    /// Only while switching states.
    Poisoned,
}

/// The decompressed bytes of every readable gzip member in a stream, in
/// order. A damaged member (bad header, bad deflate data, wrong checksum,
/// cut short) or bytes that are not gzip at all make one `InvalidData` error
/// naming the byte offset of the damage; the next read goes on with the next
/// gzip member found after it.
pub struct GzMembers<R> {
    state: State<R>,
    /// Compressed offset where the member being decoded began.
    member_start: u64,
    /// Set once a damage has been reported, until a member yields bytes
    /// again: the search for the next member reports nothing further, so
    /// one damaged stretch makes one error however many false starts it
    /// holds.
    searching: bool,
    /// Compressed bytes read a second time after stepping back, kept below
    /// the furthest offset read so that hostile input (a gzip magic at every
    /// byte, each a long false member) costs at most twice its length.
    reread: u64,
    furthest: u64,
}

impl<R: Read> GzMembers<R> {
    pub fn new(inner: R) -> Self {
        GzMembers {
            state: State::Between(Tape::new(inner)),
            member_start: 0,
            searching: false,
            reread: 0,
            furthest: 0,
        }
    }

    /// Reports a damage unless one is already being stepped over.
    fn damage(&mut self, message: String) -> Option<io::Error> {
        let report = !self.searching;
        self.searching = true;
        report.then(|| io::Error::new(io::ErrorKind::InvalidData, message))
    }
}

impl<R: Read> Read for GzMembers<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            match std::mem::replace(&mut self.state, State::Poisoned) {
                State::Poisoned => return Ok(0),
                State::Between(mut tape) => {
                    let available = tape.fill_at_least(GZIP_MAGIC.len());
                    let available = match available {
                        Ok(n) => n,
                        Err(e) => {
                            self.state = State::Between(tape);
                            return Err(e);
                        }
                    };
                    if available == 0 {
                        self.state = State::Between(tape);
                        return Ok(0);
                    }
                    let unread = &tape.buf[tape.pos..];
                    if unread.starts_with(&GZIP_MAGIC) {
                        self.member_start = tape.offset();
                        self.state = State::Decoding(Box::new(GzDecoder::new(tape)));
                        continue;
                    }
                    let start = tape.offset();
                    // Step to the next possible member start.
                    let skip = unread[1..]
                        .windows(GZIP_MAGIC.len())
                        .position(|w| w == GZIP_MAGIC)
                        .map_or(unread.len().saturating_sub(GZIP_MAGIC.len() - 1).max(1), |i| i + 1);
                    tape.consume(skip);
                    self.state = State::Between(tape);
                    if let Some(error) = self.damage(format!("byte {start} does not start a gzip member")) {
                        return Err(error);
                    }
                }
                State::Decoding(mut decoder) => match decoder.read(out) {
                    Ok(0) => self.state = State::Between(decoder.into_inner()),
                    Ok(n) => {
                        self.searching = false;
                        self.state = State::Decoding(decoder);
                        return Ok(n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => self.state = State::Decoding(decoder),
                    Err(e) => {
                        let mut tape = decoder.into_inner();
                        let start = self.member_start;
                        // Look for the next member from just after this one's
                        // first byte: the decoder may have read into it.
                        let here = tape.offset();
                        self.furthest = self.furthest.max(here);
                        let back = here.saturating_sub(start + 1);
                        if self.reread + back <= self.furthest {
                            self.reread += back;
                            tape.rewind_to(start + 1);
                        }
                        self.state = State::Between(tape);
                        let reason = if e.kind() == io::ErrorKind::UnexpectedEof {
                            "cut short".to_string()
                        } else {
                            e.to_string()
                        };
                        if let Some(error) = self.damage(format!("gzip member at byte {start} is damaged: {reason}")) {
                            return Err(error);
                        }
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// Reads everything, collecting the output and the error messages.
    fn drain(input: &[u8]) -> (Vec<u8>, Vec<String>) {
        let mut reader = GzMembers::new(input);
        let mut output = Vec::new();
        let mut errors = Vec::new();
        let mut buf = [0u8; 100];
        for _ in 0..10_000 {
            match reader.read(&mut buf) {
                Ok(0) => return (output, errors),
                Ok(n) => output.extend_from_slice(&buf[..n]),
                Err(e) => errors.push(e.to_string()),
            }
        }
        panic!("the reader did not finish");
    }

    #[test]
    fn members_read_as_one_stream() {
        let input = [gzip(b"one "), gzip(b""), gzip(b"two")].concat();
        assert_eq!(drain(&input), (b"one two".to_vec(), vec![]));
    }

    #[test]
    fn a_damaged_member_is_one_error_and_the_next_members_still_read() {
        let first = gzip(b"first ");
        let bad = gzip(&b"damaged member ".repeat(40));
        let last = gzip(b"last");
        let mut flipped = bad.clone();
        let middle = flipped.len() / 2;
        flipped[middle..middle + 8].iter_mut().for_each(|b| *b ^= 0x55);
        let (output, errors) = drain(&[first.clone(), flipped, last.clone()].concat());
        assert!(output.starts_with(b"first ") && output.ends_with(b"last"), "{output:?}");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with(&format!("gzip member at byte {} is damaged", first.len())),
            "{errors:?}"
        );

        // Cut short, so that the decoder runs on into the next member.
        let cut = &bad[..bad.len() / 2];
        let (output, errors) = drain(&[first.clone(), cut.to_vec(), last.clone()].concat());
        assert!(output.starts_with(b"first ") && output.ends_with(b"last"), "{output:?}");
        assert_eq!(errors.len(), 1, "{errors:?}");
    }

    #[test]
    fn garbage_between_members_is_one_error() {
        let input = [gzip(b"a"), b"not gzip at all, not at all".to_vec(), gzip(b"b")].concat();
        let (output, errors) = drain(&input);
        assert_eq!(output, b"ab");
        assert_eq!(
            errors,
            vec![format!("byte {} does not start a gzip member", gzip(b"a").len())]
        );
        // Input that is not gzip at all ends with one error.
        let (output, errors) = drain(&[0x1f; 5000]);
        assert!(output.is_empty());
        assert_eq!(errors.len(), 1);
    }
}
