-- The yearly survey (issue 6): the Board's campaigns and the field staff's visits. Both sync like
-- models: the whole record as JSON in `data`, the change counter's `version`, per-field versions
-- and writers for merging.

CREATE TABLE campaigns (
    id             TEXT PRIMARY KEY NOT NULL,
    year           INTEGER NOT NULL,
    data           TEXT NOT NULL,
    version        BIGINT NOT NULL,
    field_versions TEXT NOT NULL DEFAULT '{}',
    field_writers  TEXT NOT NULL DEFAULT '{}',
    updated_at     BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX campaigns_version ON campaigns (version);

CREATE TABLE surveys (
    id             TEXT PRIMARY KEY NOT NULL,
    campaign_id    TEXT NOT NULL REFERENCES campaigns (id),
    model_id       TEXT NOT NULL,
    -- The model's unit when the survey was made: who may see the survey.
    unit_id        TEXT NOT NULL,
    surveyor_id    TEXT NOT NULL,
    status         TEXT NOT NULL,
    data           TEXT NOT NULL,
    version        BIGINT NOT NULL,
    field_versions TEXT NOT NULL DEFAULT '{}',
    field_writers  TEXT NOT NULL DEFAULT '{}',
    updated_at     BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX surveys_version ON surveys (version);
CREATE INDEX surveys_model ON surveys (model_id);
