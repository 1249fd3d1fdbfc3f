//! Any bytes, any URL: extraction must return, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks a declared charset, so the decoding paths are
    // fuzzed as well as the parser.
    let charsets = [None, Some("utf-8"), Some("windows-1251"), Some("shift_jis"), Some("bogus")];
    let (pick, body) = data.split_first().map_or((0, data), |(b, rest)| (*b as usize, rest));
    let charset = charsets[pick % charsets.len()];
    let _ = extract::extract_with_charset(body, Some("https://example.com/a/b.html"), charset);
});
