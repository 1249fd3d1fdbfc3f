//! Any bytes as a story-engine snapshot: loading must give an engine or an
//! error naming the reason, never panic or allocate without bound.
//!
//! Raw input rarely passes the header's checks, so half the inputs keep a
//! real header (tag, version, configuration fingerprint) and have only
//! their payload fuzzed, with its length and checksum made to match: that
//! reaches the payload decoder itself.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stories::{Config, StoryEngine};

/// Where the payload length and its CRC-32 sit in the header (see the
/// layout in `crates/stories/src/engine/snapshot.rs`), and the header size.
const LENGTH_AT: usize = 28;
const CRC_AT: usize = 36;
const HEADER_LEN: usize = 40;

/// The header of a real snapshot of an empty engine.
fn real_header() -> &'static [u8] {
    static HEADER: OnceLock<Vec<u8>> = OnceLock::new();
    HEADER.get_or_init(|| {
        let mut bytes = Vec::new();
        StoryEngine::new(Config::default())
            .save_snapshot(7, &mut bytes)
            .expect("an empty engine saves");
        bytes.truncate(HEADER_LEN);
        bytes
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else { return };
    let input = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        let mut input = real_header().to_vec();
        input[LENGTH_AT..LENGTH_AT + 8].copy_from_slice(&(rest.len() as u64).to_le_bytes());
        input[CRC_AT..CRC_AT + 4].copy_from_slice(&crc32fast::hash(rest).to_le_bytes());
        input.extend_from_slice(rest);
        input
    };
    let _ = StoryEngine::load_snapshot(&mut input.as_slice(), Config::default());
});
