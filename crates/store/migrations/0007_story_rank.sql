-- The front page's ranking key and its tie-break, kept with each story like
-- `updated_unix`, so that the front page stays one indexed scan.
--
-- `rank_unix` is the latest credible report's Unix second plus one day per
-- doubling of the story's independent outlets (see the store's `ranking`
-- module); `first_unix` is its first credible report (or `updated_unix`
-- when nothing is dated). Both need the outlet names that the store derives
-- from site names and URLs, which SQL cannot do, so they are NULL here and
-- the store fills them when it opens the database; every later placement
-- keeps them up to date.

ALTER TABLE stories ADD COLUMN rank_unix INTEGER;
ALTER TABLE stories ADD COLUMN first_unix INTEGER;

CREATE INDEX stories_by_rank ON stories (rank_unix, first_unix, id);
