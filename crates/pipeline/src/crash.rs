//! Test-only fault injection: `RAVENWIRE_CRASH_AT=POINT:N` kills the process the Nth time it reaches POINT.
//!
//! **For tests only.** The crash tests (`crates/ravenwire/tests/e2e/crash.rs`)
//! set it on a child `ravenwire import` to stop it dead, as `kill -9` would,
//! at the moments that matter for durability; nothing else should. Unset,
//! it costs one look-up of the environment per process. The points are the
//! names of [`Point`]; N counts from 1 and defaults to 1.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The moments a test may crash the pipeline at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Point {
    /// An article is about to be stored.
    BeforeStoreCommit,
    /// An article is stored but not yet placed in a story.
    AfterStoreCommit,
    /// An article is stored and placed but not yet indexed.
    AfterPlacement,
    /// An index batch is written but not yet committed.
    BeforeIndexCommit,
    /// An index batch is committed; the reindex queue is not yet cleared.
    AfterIndexCommit,
    /// The story engine's snapshot is about to be saved.
    BeforeSnapshotSave,
    /// The story engine's snapshot is saved.
    AfterSnapshotSave,
}

impl Point {
    fn name(self) -> &'static str {
        match self {
            Point::BeforeStoreCommit => "before-store-commit",
            Point::AfterStoreCommit => "after-store-commit",
            Point::AfterPlacement => "after-placement",
            Point::BeforeIndexCommit => "before-index-commit",
            Point::AfterIndexCommit => "after-index-commit",
            Point::BeforeSnapshotSave => "before-snapshot-save",
            Point::AfterSnapshotSave => "after-snapshot-save",
        }
    }
}

/// The variable's value, read once: the point's name and N.
fn armed() -> Option<&'static (String, u64)> {
    static ARMED: OnceLock<Option<(String, u64)>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let value = std::env::var("RAVENWIRE_CRASH_AT").ok()?;
            let (name, n) = value.split_once(':').unwrap_or((&value, "1"));
            Some((name.to_string(), n.parse().unwrap_or(1)))
        })
        .as_ref()
}

/// Aborts the process, with no unwinding and no destructors, if the test
/// variable names `point` and this is the Nth time it is reached.
pub(crate) fn point(point: Point) {
    static REACHED: AtomicU64 = AtomicU64::new(0);
    let Some((name, n)) = armed() else { return };
    if name != point.name() {
        return;
    }
    if REACHED.fetch_add(1, Ordering::SeqCst) + 1 == *n {
        eprintln!("RAVENWIRE_CRASH_AT: crashing at {name}:{n} (test only)");
        kill_self();
    }
}

/// Ends the process with SIGKILL, exactly as an operator's `kill -9` would:
/// no destructor, flush or signal handler runs. Where `kill` cannot be run,
/// `abort` is the next closest thing.
fn kill_self() -> ! {
    let pid = std::process::id().to_string();
    let _ = std::process::Command::new("kill").args(["-KILL", &pid]).status();
    // SIGKILL is delivered asynchronously; give it a moment before the
    // fallback.
    std::thread::sleep(std::time::Duration::from_secs(5));
    std::process::abort()
}
