-- The reindex queue becomes an ordered change log that any number of
-- search indexes follow, each by the highest `seq` it has applied (kept in
-- its own commit). Entries are no longer deleted once one index took them:
-- the leader prunes those older than a retention period
-- (`store::CHANGE_LOG_RETENTION_DAYS`), and `change_log_pruned` keeps the
-- highest seq ever pruned, so that an index that had not applied it knows
-- to rebuild from the store.
--
-- AUTOINCREMENT: a seq is never handed out twice, even after the newest
-- entries were pruned. `at_ms` is when the move was written, in whole
-- milliseconds since the Unix epoch (set by default, so the writers of
-- moves need not name it).

CREATE TABLE change_log_new (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    at_ms      INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER))
);

INSERT INTO change_log_new (seq, article_id) SELECT seq, article_id FROM reindex_queue ORDER BY seq;

DROP TABLE reindex_queue;

ALTER TABLE change_log_new RENAME TO reindex_queue;

CREATE INDEX reindex_queue_by_at ON reindex_queue (at_ms);

CREATE TABLE change_log_pruned (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    through INTEGER NOT NULL
);

INSERT INTO change_log_pruned (id, through) VALUES (1, 0);
