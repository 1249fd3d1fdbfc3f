-- What a placement needs to keep a story's front-page columns
-- (`updated_unix`, `rank_unix`, `first_unix`) up to date without reading
-- every member again. Before, each article placed in a story read all of
-- that story's members, so placing the articles of a story of a thousand
-- cost half a million row reads.
--
-- Both tables are derived from `story_members` and `articles`: the store
-- rebuilds a story's rows whenever a member leaves or changes, and a story
-- without a `story_tallies` row is rebuilt on its next placement. Neither is
-- copied by `ravenwire migrate`.
--
-- `story_tallies`, one row a story:
-- - `latest_credible`, `first_credible`: the latest and earliest
--   publication second of members that are not re-dated (NULL when none);
-- - `latest_arrival`: the latest `added_at` of any member, in Unix seconds;
-- - `outlets`: the number of rows the story has in `story_outlets`.
--
-- `story_outlets`: the distinct outlets of a story's originals (members
-- that copy nothing and are not re-dated), by the store's `outlet_name`.

CREATE TABLE story_tallies (
    story_id        INTEGER PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
    latest_credible INTEGER,
    first_credible  INTEGER,
    latest_arrival  INTEGER,
    outlets         INTEGER NOT NULL
);

CREATE TABLE story_outlets (
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    outlet   TEXT NOT NULL,
    PRIMARY KEY (story_id, outlet)
) WITHOUT ROWID;
