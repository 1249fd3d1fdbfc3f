-- Login and API tokens. Nothing here can log anyone in if the database
-- leaks: the admin password is an argon2 hash (a PHC string), and sessions
-- and API tokens are kept only as the SHA-256 of the random token the
-- browser or client holds. Instants are RFC 3339 text in UTC, as elsewhere.

-- The one admin: at most one row.
CREATE TABLE admin (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    password_hash TEXT NOT NULL,
    set_at        TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
