-- Entities: the people, organisations and places named in articles, found
-- by the story stage's entity rules (`stories::entities`).
--
-- `key` is the entity's canonical key, the same whatever the article's
-- language (`place:germany` for "Deutschland" and "Allemagne"); `name` is
-- the name shown, as first seen. `article_entities` says how many times an
-- article names each entity.
--
-- `entity_scans` records which articles have been scanned, and by which
-- version of the rules: an article with no row (stored before this
-- migration, or by a run that stopped between storing and scanning it) or
-- with an older version is scanned again by the pipeline when it opens.
-- An article that names nothing has a scan row and no entity rows.

CREATE TABLE entities (
    id    INTEGER PRIMARY KEY,
    key   TEXT NOT NULL UNIQUE,
    name  TEXT NOT NULL,
    kind  TEXT NOT NULL CHECK (kind IN ('person', 'organisation', 'place'))
);

CREATE TABLE article_entities (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    entity_id  INTEGER NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    mentions   INTEGER NOT NULL CHECK (mentions > 0),
    PRIMARY KEY (article_id, entity_id)
);

CREATE INDEX article_entities_by_entity ON article_entities (entity_id, article_id);

CREATE TABLE entity_scans (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL
);
