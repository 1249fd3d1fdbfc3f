//! Any bytes as a WARC archive, plain or gzipped: reading must end, with
//! records or errors, never panic, hang or take unbounded memory.
#![no_main]

use std::io::{BufReader, Cursor};

use gather::{pages_from_records, GzMembers, WarcReader};
use libfuzzer_sys::fuzz_target;

/// A reader may keep yielding errors while it looks for the next record;
/// each item consumes input, so this bounds the loop without hiding a hang.
const MAX_ITEMS: usize = 100_000;

fn drain(items: impl Iterator<Item = impl Sized>) {
    for _ in items.take(MAX_ITEMS) {}
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks plain or gzipped input, so the gzip member
    // handling (and its resynchronisation) is fuzzed as well as the record
    // parser.
    let Some((mode, archive)) = data.split_first() else { return };
    // A small block limit keeps each input cheap and exercises the
    // oversized-record path.
    let limit = 64 * 1024;
    if mode % 2 == 0 {
        let reader = WarcReader::new(Cursor::new(archive), "fuzz.warc", false).max_block_bytes(limit);
        drain(pages_from_records(reader));
    } else {
        let gz = BufReader::new(GzMembers::new(Cursor::new(archive)));
        let reader = WarcReader::new(gz, "fuzz.warc.gz", true).max_block_bytes(limit);
        drain(pages_from_records(reader));
    }
});
