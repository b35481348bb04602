-- The library of typical models and replication (issue 13). Each typical model has one entry
-- every signed-in device pulls, whatever its unit; the server writes it from the model, its
-- surveys' photos and the models adopted from it. A model adopted from another names it, so
-- the source's adoptions are found through an index.
CREATE TABLE library (
    id             TEXT PRIMARY KEY NOT NULL,
    data           TEXT NOT NULL,
    version        BIGINT NOT NULL,
    field_versions TEXT NOT NULL DEFAULT '{}',
    field_writers  TEXT NOT NULL DEFAULT '{}',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX library_version ON library (version);

ALTER TABLE models ADD COLUMN adopted_from TEXT;
CREATE INDEX models_adopted_from ON models (adopted_from);
