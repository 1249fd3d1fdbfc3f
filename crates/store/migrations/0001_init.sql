-- ravenwire's first schema.
--
-- Kept to SQL that PostgreSQL also reads, apart from the id columns: here
-- `INTEGER PRIMARY KEY` is SQLite's rowid alias; PostgreSQL would use
-- `BIGINT GENERATED ALWAYS AS IDENTITY`. Our own instants (`*_at`) are RFC 3339
-- text here and would be TIMESTAMPTZ there; `redated` is 0/1 here, BOOLEAN there.

CREATE TABLE sources (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('feed', 'site')),
    url       TEXT NOT NULL UNIQUE,
    title     TEXT,
    added_at  TEXT NOT NULL,
    polled_at TEXT
);

CREATE TABLE fetches (
    id           INTEGER PRIMARY KEY,
    url          TEXT NOT NULL,
    final_url    TEXT,
    status       INTEGER,
    content_hash TEXT,
    fetched_at   TEXT NOT NULL,
    error        TEXT
);

CREATE INDEX fetches_by_url ON fetches (url);

CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    canonical_url  TEXT NOT NULL UNIQUE,
    url            TEXT,
    title          TEXT,
    -- The publication time as the source wrote it (a day stays a day), and
    -- its earliest UTC second so that rows can be ordered without parsing.
    published      TEXT,
    published_unix INTEGER,
    modified       TEXT,
    -- A JSON array of names.
    authors        TEXT NOT NULL DEFAULT '[]',
    language       TEXT,
    site_name      TEXT,
    description    TEXT,
    image          TEXT,
    content_hash   TEXT NOT NULL,
    source_id      INTEGER REFERENCES sources (id) ON DELETE SET NULL,
    fetch_id       INTEGER REFERENCES fetches (id) ON DELETE SET NULL,
    added_at       TEXT NOT NULL,
    -- The bodies come last: SQLite reads a row's columns in order, and
    -- listings that need only the metadata then stop before the long text.
    text           TEXT NOT NULL,
    html           TEXT NOT NULL
);

CREATE INDEX articles_by_content_hash ON articles (content_hash);
CREATE INDEX articles_by_published ON articles (published_unix);

CREATE TABLE stories (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    -- Kept up to date by every placement so that the front page is one
    -- indexed scan rather than an aggregate over all members.
    updated_unix INTEGER NOT NULL
);

CREATE INDEX stories_by_updated ON stories (updated_unix, id);

CREATE TABLE story_members (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    copy_of    INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    redated    INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX story_members_by_story ON story_members (story_id);

CREATE TABLE related_stories (
    story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    related_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    rank       INTEGER NOT NULL,
    PRIMARY KEY (story_id, related_id)
);
