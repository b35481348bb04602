-- The core records. Each record table keeps the whole record as JSON in `data` (the shared type,
-- so both backends and the app read one shape) plus the columns that queries filter and sort
-- on. `version` is the server's change counter at the record's last change (SYNC.md).

CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('version', 0);

CREATE TABLE units (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    name_sort   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parent_id   TEXT REFERENCES units (id),
    merged_into TEXT REFERENCES units (id),
    data        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    unit_id       TEXT NOT NULL REFERENCES units (id),
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Sessions live here, not in a server's memory, so any server process can answer any request.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, per account (`user:<name>`) and per address (`addr:<ip>`), for throttling.
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

CREATE TABLE models (
    id         TEXT PRIMARY KEY NOT NULL,
    unit_id    TEXT NOT NULL REFERENCES units (id),
    name       TEXT NOT NULL,
    name_sort  TEXT NOT NULL,
    -- name, objectives and content folded (lower case, no diacritics) for search
    search     TEXT NOT NULL,
    field      TEXT NOT NULL,
    year       INTEGER NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX models_unit ON models (unit_id);
CREATE INDEX models_version ON models (version);
CREATE INDEX models_name_sort ON models (name_sort);

CREATE TABLE awards (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    recipient_type TEXT NOT NULL,
    unit_id        TEXT NOT NULL REFERENCES units (id),
    model_id       TEXT REFERENCES models (id),
    year           INTEGER NOT NULL,
    stage          TEXT NOT NULL,
    data           TEXT NOT NULL,
    version        BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX awards_unit ON awards (unit_id);

-- Who changed what and when, with the record before and after (JSON), per record.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    action     TEXT NOT NULL,
    actor_id   TEXT,
    actor_name TEXT NOT NULL,
    at         BIGINT NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);
