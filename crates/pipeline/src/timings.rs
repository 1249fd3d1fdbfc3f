//! Where an ingest run spends its time: wall-clock time per stage, summed
//! over the pipeline's life, for benchmarks (`ravenwire import --timings`).
//!
//! Reading the clock a few times per article costs well under a microsecond,
//! so the sums are always kept; only printing them is asked for.

use std::time::{Duration, Instant};

/// Time spent per stage, summed. Stages other than extraction do not
/// overlap; time outside them (reading input, the caller's own work) is in
/// none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageTimes {
    /// Articles stored (new ones only).
    pub articles: u64,
    /// Extracting pages and finding the entities they name, wherever that
    /// ran: the importer does it on its reading thread, beside the other
    /// stages, so this one may overlap them.
    pub extract: Duration,
    /// Looking up known pages, the fetch log, storing the article with
    /// the entities it names (one transaction on SQLite) and reading it
    /// back.
    pub store: Duration,
    /// Finding the entities of an article handed in already extracted
    /// (a feed entry's own content); for pages, extraction finds them.
    pub entities: Duration,
    /// Loading the story engine: its snapshot and the replay of later
    /// articles.
    pub warm: Duration,
    /// The story engine's own verdicts (`add` and its revisions), pure CPU.
    pub engine: Duration,
    /// Writing story placements (and revised ones) to the store.
    pub placement: Duration,
    /// Committing index batches.
    pub index: Duration,
    /// Refreshing related stories after each index batch.
    pub related: Duration,
    /// Saving the story engine's snapshot.
    pub snapshot: Duration,
}

impl StageTimes {
    /// The stages as `(name, seconds)`, in pipeline order.
    pub fn stages(&self) -> [(&'static str, f64); 9] {
        [
            ("extract", self.extract.as_secs_f64()),
            ("store", self.store.as_secs_f64()),
            ("entities", self.entities.as_secs_f64()),
            ("warm", self.warm.as_secs_f64()),
            ("engine", self.engine.as_secs_f64()),
            ("placement", self.placement.as_secs_f64()),
            ("index", self.index.as_secs_f64()),
            ("related", self.related.as_secs_f64()),
            ("snapshot", self.snapshot.as_secs_f64()),
        ]
    }

    /// One line of JSON: `{"articles":N,"extract_s":...,...}`.
    pub fn to_json(&self) -> String {
        let mut line = format!("{{\"articles\":{}", self.articles);
        for (name, seconds) in self.stages() {
            line.push_str(&format!(",\"{name}_s\":{seconds:.6}"));
        }
        line.push('}');
        line
    }
}

/// Adds the time since `start` to `slot`, and returns now for the next
/// stage to start from.
pub(crate) fn lap(slot: &mut Duration, start: Instant) -> Instant {
    let now = Instant::now();
    *slot += now.saturating_duration_since(start);
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_every_stage_with_its_seconds() {
        let times = StageTimes {
            articles: 3,
            engine: Duration::from_millis(1500),
            ..StageTimes::default()
        };
        let line = times.to_json();
        assert!(line.starts_with("{\"articles\":3,\"extract_s\":0.000000,"), "{line}");
        assert!(line.contains("\"engine_s\":1.500000"), "{line}");
        assert!(line.ends_with("\"snapshot_s\":0.000000}"), "{line}");
    }

    #[test]
    fn a_lap_adds_the_elapsed_time_and_moves_on() {
        let mut slot = Duration::from_secs(1);
        let start = Instant::now() - Duration::from_millis(20);
        let next = lap(&mut slot, start);
        assert!(slot >= Duration::from_millis(1020));
        assert!(next >= start);
    }
}
