-- The work queue: pages for `ravenwire worker` processes to read (see
-- `store::queue`). One row a job; `key` keeps a page from being queued twice.
--
-- Times are whole milliseconds since the Unix epoch (BIGINT in PostgreSQL),
-- so that comparisons in the claim are exact. A job is claimable when it is
-- queued and its `run_after` has come, or running with a lease that ran out.
-- The body of a finished job is dropped; the row stays as the record that
-- the page was read.

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('page', 'fetch')),
    key          TEXT NOT NULL UNIQUE,
    origin       TEXT NOT NULL,
    url          TEXT,
    body         BLOB,
    charset      TEXT,
    source_id    INTEGER REFERENCES sources (id) ON DELETE SET NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    run_after    INTEGER NOT NULL,
    lease_until  INTEGER,
    worker       TEXT,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);

CREATE INDEX jobs_claimable ON jobs (state, run_after, id);
