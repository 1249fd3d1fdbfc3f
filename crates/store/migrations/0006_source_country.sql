-- An outlet's country, as a source setting: the ISO 3166-1 alpha-2 code in
-- upper case ("GB", "NG"), or NULL when nobody said. Story pages count the
-- countries that cover a story from it, falling back to the outlet's domain.
--
-- PostgreSQL reads this as written.

ALTER TABLE sources ADD COLUMN country TEXT CHECK (country IS NULL OR length(country) = 2);
