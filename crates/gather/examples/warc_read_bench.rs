//! Reads a WARC file with gather's own reader, extracting nothing, and
//! prints how fast that went as one JSON line (used by `bench/warc.py`).
//!
//! Usage: `warc_read_bench FILE.warc[.gz]` (gzip recognised by its magic).

use std::fs::File;
use std::io::{BufReader, Read};
use std::process::ExitCode;
use std::time::Instant;

use ravenwire_gather::{GzMembers, WarcReader, WarcRecord};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: warc_read_bench FILE.warc[.gz]");
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str) -> Result<serde_json::Value, String> {
    let open = || File::open(path).map_err(|e| format!("{path}: {e}"));
    let mut magic = [0u8; 2];
    let gzipped = open()?.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];

    let started = Instant::now();
    let file = open()?;
    let records: Box<dyn Iterator<Item = ravenwire_gather::Result<WarcRecord>>> = if gzipped {
        let reader = BufReader::with_capacity(1 << 16, GzMembers::new(file));
        Box::new(WarcReader::new(reader, path, true))
    } else {
        Box::new(WarcReader::new(BufReader::with_capacity(1 << 16, file), path, false))
    };
    let (mut count, mut responses, mut bytes, mut errors) = (0u64, 0u64, 0u64, 0u64);
    for record in records {
        match record {
            Ok(record) => {
                count += 1;
                bytes += record.block.len() as u64;
                if record.record_type().is_some_and(|t| t.eq_ignore_ascii_case("response")) {
                    responses += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    Ok(serde_json::json!({
        "reader": "ravenwire-gather",
        "file": path,
        "gzipped": gzipped,
        "records": count,
        "responses": responses,
        "block_bytes": bytes,
        "errors": errors,
        "seconds": seconds,
        "records_per_s": count as f64 / seconds,
        "mib_per_s": bytes as f64 / seconds / (1024.0 * 1024.0),
    }))
}
