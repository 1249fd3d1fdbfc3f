-- Feed health: each source keeps its polling state (conditional-GET
-- validators, last outcome, back-off, next due time) and its WebSub
-- subscription, and every poll leaves a row in `polls`. A source can now
-- also be a sitemap.
--
-- SQLite cannot change a CHECK constraint in place, so `sources` is rebuilt
-- (SQLite's documented twelve-step procedure). Dropping the old table with
-- foreign keys on would first delete its rows and so run ON DELETE SET NULL
-- on articles.source_id. sqlx wraps every SQLite migration in a transaction,
-- where PRAGMA foreign_keys cannot change, so `SqliteStore::open` runs the
-- migrations on their own connection with foreign keys off; the guards below
-- refuse to run otherwise, and check that every article keeps its source.
--
-- PostgreSQL would do all of this with ALTER TABLE ... ADD COLUMN and a
-- replaced CHECK constraint; the instants would be TIMESTAMPTZ there.

CREATE TEMP TABLE migration_0003_guard (
    ok INTEGER NOT NULL CONSTRAINT migration_0003_needs_foreign_keys_off_and_keeps_article_sources CHECK (ok)
);

INSERT INTO migration_0003_guard SELECT foreign_keys = 0 FROM pragma_foreign_keys;

CREATE TEMP TABLE migration_0003_linked AS
    SELECT COUNT(*) AS n FROM articles WHERE source_id IS NOT NULL;

CREATE TABLE sources_new (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('feed', 'site', 'sitemap')),
    url                TEXT NOT NULL UNIQUE,
    title              TEXT,
    added_at           TEXT NOT NULL,
    polled_at          TEXT,
    -- Polling state (FeedState).
    etag               TEXT,
    last_modified      TEXT,
    last_poll          TEXT,
    last_success       TEXT,
    last_status        INTEGER,
    last_error         TEXT,
    error_count        INTEGER NOT NULL DEFAULT 0,
    interval_secs      INTEGER,
    next_poll          TEXT,
    -- A server asked us to wait (Retry-After), or errors backed us off.
    wait_until         TEXT,
    -- WebSub subscription; all NULL when there is none.
    websub_hub         TEXT,
    websub_topic       TEXT,
    websub_secret      TEXT,
    websub_state       TEXT CHECK (websub_state IN ('requested', 'active', 'denied')),
    websub_lease_until TEXT
);

INSERT INTO sources_new (id, kind, url, title, added_at, polled_at, last_poll)
    SELECT id, kind, url, title, added_at, polled_at, polled_at FROM sources;

DROP TABLE sources;

ALTER TABLE sources_new RENAME TO sources;

CREATE INDEX sources_by_next_poll ON sources (next_poll);

CREATE TABLE polls (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    status       INTEGER,
    error        TEXT,
    bytes        INTEGER NOT NULL DEFAULT 0,
    entries      INTEGER NOT NULL DEFAULT 0,
    new_articles INTEGER NOT NULL DEFAULT 0,
    not_modified INTEGER NOT NULL DEFAULT 0,
    duration_ms  INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX polls_by_source ON polls (source_id, at);

-- Counting a source's articles, and clearing them when it is removed.
CREATE INDEX articles_by_source ON articles (source_id);

-- Every article that had a source still has it, and it exists.
INSERT INTO migration_0003_guard
    SELECT (SELECT n FROM migration_0003_linked) =
           (SELECT COUNT(*) FROM articles a JOIN sources s ON s.id = a.source_id);

DROP TABLE migration_0003_linked;
DROP TABLE migration_0003_guard;
