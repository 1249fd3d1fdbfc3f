-- The work queue (see `store::queue` and the SQLite migration 0009_jobs.sql,
-- which this mirrors). Times are milliseconds since the Unix epoch.

CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('page', 'fetch')),
    key          TEXT NOT NULL UNIQUE,
    origin       TEXT NOT NULL,
    url          TEXT,
    body         BYTEA,
    charset      TEXT,
    source_id    BIGINT REFERENCES sources (id) ON DELETE SET NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    run_after    BIGINT NOT NULL,
    lease_until  BIGINT,
    worker       TEXT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);

CREATE INDEX jobs_claimable ON jobs (state, run_after, id);
