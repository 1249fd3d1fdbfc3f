-- Saved searches: a name, the query as typed, its filters and its order.
-- Each has its own page and Atom feed in the web UI.
--
-- The story filter is a plain number, not a reference: a search for a
-- story that is later removed keeps its filter and simply finds nothing.
-- Days are written as YYYY-MM-DD (PostgreSQL would use DATE), instants as
-- RFC 3339 text like everywhere else in this schema.

CREATE TABLE saved_searches (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    query       TEXT NOT NULL,
    source      TEXT,
    language    TEXT,
    story_id    INTEGER,
    date_from   TEXT,
    date_to     TEXT,
    sort        TEXT NOT NULL CHECK (sort IN ('relevance', 'date')),
    created_at  TEXT NOT NULL
);
