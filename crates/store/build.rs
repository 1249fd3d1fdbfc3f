//! Rebuilds the crate when a migration changes, since sqlx embeds them.

// `sqlx::migrate!` embeds the SQL files at compile time; without this, an
// edited or added migration would not rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
