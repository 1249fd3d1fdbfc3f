-- Which articles name an entity, kept so that storing an article stays an
-- append.
--
-- `article_entities` is keyed by article: an article's links land together
-- at the end of the table. Its second index, by entity, put each of an
-- article's thirty links at a leaf of its own, spread over the whole index.
-- Each article stored dirtied thirty-odd pages of that index, which went to
-- the WAL and then again to the database: at a million articles that was
-- 4.3 GB written for every 10,000 articles stored, two writes in three.
--
-- `entity_postings` holds the same links keyed by entity, for the articles
-- up to `entity_postings_mark.through`. The store folds the links of newer
-- articles in by id range, sorted by entity, once 4,096 articles wait: then
-- an entity's new links share the leaf at the end of its range, and each
-- leaf is written once a fold instead of once an article. A query by entity
-- reads `entity_postings` and the unfolded links above the mark (a range of
-- `article_entities`' key, at most 4,096 articles).
--
-- The triggers keep `entity_postings` true for links that change at or
-- below the mark: an article scanned again, an article or entity deleted
-- (foreign key actions fire triggers), an id used again after the newest
-- article was deleted.

CREATE TABLE entity_postings (
    entity_id  INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    mentions   INTEGER NOT NULL,
    PRIMARY KEY (entity_id, article_id)
) WITHOUT ROWID;

CREATE TABLE entity_postings_mark (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    through INTEGER NOT NULL
);

INSERT INTO entity_postings (entity_id, article_id, mentions)
    SELECT entity_id, article_id, mentions FROM article_entities INDEXED BY article_entities_by_entity
    ORDER BY entity_id, article_id;

INSERT INTO entity_postings_mark (id, through)
    SELECT 1, COALESCE(MAX(article_id), 0) FROM article_entities;

-- Dropped only now: the copy above walks it in order instead of sorting
-- every link (at a million articles, a sort of 34 million rows held 2 GB).
DROP INDEX article_entities_by_entity;

CREATE TRIGGER entity_postings_insert AFTER INSERT ON article_entities
    WHEN NEW.article_id <= (SELECT through FROM entity_postings_mark WHERE id = 1)
BEGIN
    INSERT INTO entity_postings (entity_id, article_id, mentions)
        VALUES (NEW.entity_id, NEW.article_id, NEW.mentions);
END;

CREATE TRIGGER entity_postings_delete AFTER DELETE ON article_entities
    WHEN OLD.article_id <= (SELECT through FROM entity_postings_mark WHERE id = 1)
BEGIN
    DELETE FROM entity_postings WHERE entity_id = OLD.entity_id AND article_id = OLD.article_id;
END;

CREATE TRIGGER entity_postings_update AFTER UPDATE ON article_entities
    WHEN OLD.article_id <= (SELECT through FROM entity_postings_mark WHERE id = 1)
      OR NEW.article_id <= (SELECT through FROM entity_postings_mark WHERE id = 1)
BEGIN
    DELETE FROM entity_postings WHERE entity_id = OLD.entity_id AND article_id = OLD.article_id;
    INSERT INTO entity_postings (entity_id, article_id, mentions)
        SELECT NEW.entity_id, NEW.article_id, NEW.mentions
        WHERE NEW.article_id <= (SELECT through FROM entity_postings_mark WHERE id = 1);
END;
