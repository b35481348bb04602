-- Urging and supervision (issue 14): the Board's reminders and inspection or supervision notes
-- to a unit, synced records like awards: per-field versions and writers for merging; seen by
-- the unit's people (and those above them), read on their home until acknowledged.
CREATE TABLE oversight (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    unit_id        TEXT NOT NULL,
    status         TEXT NOT NULL,
    data           TEXT NOT NULL,
    version        BIGINT NOT NULL,
    field_versions TEXT NOT NULL DEFAULT '{}',
    field_writers  TEXT NOT NULL DEFAULT '{}',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX oversight_unit ON oversight (unit_id);
CREATE INDEX oversight_version ON oversight (version);
