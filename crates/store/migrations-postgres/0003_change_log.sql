-- The reindex queue becomes an ordered change log that any number of
-- search indexes follow (see the SQLite migration 0010_change_log.sql,
-- which this mirrors). Moves are written under the story-write advisory
-- lock, so seqs commit in order and a reader that has seen seq N has seen
-- every entry below it.

ALTER TABLE reindex_queue
    ADD COLUMN at_ms BIGINT NOT NULL DEFAULT (floor(extract(epoch FROM clock_timestamp()) * 1000))::BIGINT;

CREATE INDEX reindex_queue_by_at ON reindex_queue (at_ms);

CREATE TABLE change_log_pruned (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    through BIGINT NOT NULL
);

INSERT INTO change_log_pruned (id, through) VALUES (1, 0);
