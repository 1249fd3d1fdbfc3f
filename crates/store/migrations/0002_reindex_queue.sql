-- Articles whose story changed after they were first placed (a review
-- split, a reunion, a provenance revision): the search index files each
-- article under its story, so these wait here until an index commit has
-- taken their new story. Written in the same transaction as the move, so
-- a crash between the move and the index commit loses nothing.

CREATE TABLE reindex_queue (
    seq        INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE
);
