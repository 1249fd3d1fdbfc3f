//! `ravenwire cluster --jsonl`: the story engine on a stream of documents.
//!
//! It runs exactly the engine that `import` and `fetch` use, in its default
//! configuration, so benchmark figures speak for the real system.
//!
//! By default the verdicts are printed once the input ends, one line per
//! input line and in input order, so that revisions by later arrivals (an
//! original that turns up after its copies; a story split in review) are
//! already in them. `--stream` prints each verdict as it is reached instead, and a
//! revised verdict again as a later line with the same id.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use model::{Assignment, Document, Timestamp};
use serde_json::json;
use stories::{Config, StoryEngine};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A file of JSON lines (`id`, `title`?, `text`, `published`?, `source`?,
    /// `url`?, `language`?), or `-` for standard input. `published` may be
    /// RFC 3339, a date, RFC 2822 or Unix seconds or milliseconds.
    #[arg(long, value_name = "FILE")]
    jsonl: PathBuf,
    /// Print each verdict on arrival, and revised verdicts again later,
    /// rather than all final verdicts at the end.
    #[arg(long)]
    stream: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let reader: Box<dyn BufRead> = if args.jsonl.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.jsonl).with_context(|| format!("cannot open {}", args.jsonl.display()))?;
        Box::new(std::io::BufReader::new(file))
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut engine = StoryEngine::new(Config::default());
    let mut order: Vec<String> = Vec::new();
    let mut latest: HashMap<String, Assignment> = HashMap::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read line {} of {}", n + 1, args.jsonl.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("line {} of {} is not JSON", n + 1, args.jsonl.display()))?;
        let doc = document_from_json(&value)
            .with_context(|| format!("line {} of {} is not a document", n + 1, args.jsonl.display()))?;
        let assignment = engine.add(&doc);
        if args.stream {
            write_verdict(&mut out, &assignment)?;
            for revised in engine.revised() {
                write_verdict(&mut out, &revised)?;
            }
            continue;
        }
        order.push(assignment.id.clone());
        latest.insert(assignment.id.clone(), assignment);
        for revised in engine.revised() {
            latest.insert(revised.id.clone(), revised);
        }
    }
    for id in &order {
        write_verdict(&mut out, &latest[id])?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_verdict(out: &mut impl Write, assignment: &Assignment) -> anyhow::Result<()> {
    let line = json!({
        "id": assignment.id,
        "cluster": assignment.story_key,
        "copy_of": assignment.copy_of,
        "redated": assignment.redated,
    });
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Reads a document leniently: ids may be numbers, and a `published` value
/// in a format we do not know is dropped rather than failing the stream
/// (clustering still works without it).
fn document_from_json(value: &serde_json::Value) -> anyhow::Result<Document> {
    let text_field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let id = match value.get("id") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => anyhow::bail!("it has no \"id\""),
    };
    Ok(Document {
        id,
        title: text_field("title"),
        text: text_field("text").unwrap_or_default(),
        published: value.get("published").and_then(published_of),
        source: text_field("source"),
        url: text_field("url"),
        language: text_field("language"),
    })
}

/// A `published` value: a date string, or a number of Unix seconds (or
/// milliseconds, as some news data sets write them).
fn published_of(value: &serde_json::Value) -> Option<Timestamp> {
    match value {
        serde_json::Value::String(s) => parse_published(s),
        serde_json::Value::Number(n) => {
            let n = n.as_f64()?;
            // Seconds since 1970 pass 10^11 only in the year 5138, while
            // milliseconds did so in 1973.
            let seconds = if n.abs() >= 1e11 { n / 1000.0 } else { n };
            chrono::DateTime::from_timestamp(seconds.floor() as i64, 0).map(Timestamp::from)
        }
        _ => None,
    }
}

fn parse_published(s: &str) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    // Common near-RFC-3339 shapes: a space instead of `T`, or no offset
    // (read as UTC).
    let normalised = s.trim().replacen(' ', "T", 1);
    if let Ok(t) = normalised.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(&normalised, "%Y-%m-%dT%H:%M:%S") {
        return Some(Timestamp::from(t.and_utc()));
    }
    // Feeds' RFC 2822 dates ("Mon, 10 Mar 2014 16:52:50 GMT").
    chrono::DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(Timestamp::Instant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numeric_ids_and_odd_dates() {
        let v = serde_json::json!({"id": 7, "text": "x", "published": "2024-03-01 10:00:00"});
        let doc = document_from_json(&v).unwrap();
        assert_eq!(doc.id, "7");
        assert_eq!(doc.published.unwrap().to_string(), "2024-03-01T10:00:00+00:00");
    }

    #[test]
    fn reads_unix_seconds_milliseconds_and_rfc_2822() {
        let at = |published: serde_json::Value| {
            let v = serde_json::json!({"id": "a", "text": "x", "published": published});
            document_from_json(&v).unwrap().published.map(|t| t.to_string())
        };
        let want = Some("2014-03-10T16:52:50+00:00".to_string());
        assert_eq!(at(serde_json::json!(1_394_470_370)), want);
        assert_eq!(at(serde_json::json!(1_394_470_370_698_u64)), want);
        assert_eq!(at(serde_json::json!("Mon, 10 Mar 2014 16:52:50 GMT")), want);
        assert_eq!(at(serde_json::json!(true)), None);
    }

    #[test]
    fn drops_unreadable_dates_but_keeps_the_document() {
        let v = serde_json::json!({"id": "a", "title": "t", "published": "last week"});
        let doc = document_from_json(&v).unwrap();
        assert!(doc.published.is_none());
        assert_eq!(doc.title.as_deref(), Some("t"));
    }

    #[test]
    fn a_line_without_id_is_an_error() {
        assert!(document_from_json(&serde_json::json!({"text": "x"})).is_err());
    }
}
