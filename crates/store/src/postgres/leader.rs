//! The leader's lock on PostgreSQL: a session-level advisory lock, held on
//! a connection of its own for as long as the leader lives.
//!
//! Workers on many machines share one database; the one that holds this
//! lock places articles in stories. When its process dies, however it dies,
//! its connection closes and PostgreSQL releases the lock, so another
//! worker can take over.

use sqlx::{Connection, PgConnection};

use super::PgStore;
use crate::Result;

/// The advisory lock key of leadership ("rw-leadr" in ASCII), distinct from
/// the key story writes take.
const LEADER_LOCK: i64 = 0x7277_2d6c_6561_6472;

/// Leadership, while this value lives. Dropping it closes its connection,
/// which releases the lock.
#[derive(Debug)]
pub struct LeaderLock {
    _conn: PgConnection,
}

impl PgStore {
    /// Takes leadership if no other process holds it; `None` when one does.
    pub async fn try_lead(&self) -> Result<Option<LeaderLock>> {
        let mut conn = self.pool.acquire().await?.detach();
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LEADER_LOCK)
            .fetch_one(&mut conn)
            .await?;
        if got {
            Ok(Some(LeaderLock { _conn: conn }))
        } else {
            conn.close().await?;
            Ok(None)
        }
    }

    /// Waits for leadership.
    pub async fn lead(&self) -> Result<LeaderLock> {
        let mut conn = self.pool.acquire().await?.detach();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(LEADER_LOCK)
            .execute(&mut conn)
            .await?;
        Ok(LeaderLock { _conn: conn })
    }
}
