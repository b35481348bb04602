-- The sync core proven (issue 11): answers kept per device and seq so a resent change is answered
-- as the first time; the epoch each device's numbering belongs to; records that left a unit, so
-- they leave its devices; notices to the person whose value another edit replaced; the photos
-- each survey shows, so a photo is read only by who may see a survey with it; created_at on every
-- synced record, so one path reads them all.

-- Every decided change's answer (PushResult as JSON), until the device shows it learned it (its
-- next request starts after it).
CREATE TABLE sync_results (
    device_id TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    result    TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
);

-- A device's numbering belongs to one epoch: after a restore (a new epoch) the server takes the
-- device's numbering as it stands on its first change. Devices known now belong to this epoch.
ALTER TABLE devices ADD COLUMN epoch TEXT NOT NULL DEFAULT '';
UPDATE devices SET epoch = (SELECT value FROM server_meta WHERE key = 'epoch');
-- The scope a device last saw now travels in its cursor.
ALTER TABLE devices DROP COLUMN scope_key;

-- A record that left a unit at `version` (a model moved to another unit, with its surveys):
-- the devices of that unit drop it.
CREATE TABLE scope_exits (
    version   BIGINT NOT NULL,
    entity    TEXT NOT NULL,
    record_id TEXT NOT NULL,
    unit_id   TEXT NOT NULL
);
CREATE INDEX scope_exits_version ON scope_exits (version);

CREATE TABLE notices (
    id             TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT NOT NULL,
    data           TEXT NOT NULL,
    version        BIGINT NOT NULL,
    field_versions TEXT NOT NULL DEFAULT '{}',
    field_writers  TEXT NOT NULL DEFAULT '{}',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX notices_version ON notices (version);
CREATE INDEX notices_user ON notices (user_id);

-- The values an applied change replaced, and whose they were (JSON list), for the history.
ALTER TABLE audit_log ADD COLUMN overwritten TEXT;

ALTER TABLE campaigns ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
UPDATE campaigns SET created_at = updated_at;
ALTER TABLE surveys ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
UPDATE surveys SET created_at = updated_at;

CREATE TABLE photo_links (
    hash      TEXT NOT NULL,
    survey_id TEXT NOT NULL,
    -- The survey's unit (its model's): who may see the photo.
    unit_id   TEXT NOT NULL,
    PRIMARY KEY (hash, survey_id)
);
CREATE INDEX photo_links_survey ON photo_links (survey_id);
INSERT INTO photo_links (hash, survey_id, unit_id)
    SELECT DISTINCT p ->> 'hash', s.id, s.unit_id
    FROM surveys s, jsonb_array_elements(COALESCE(s.data::jsonb -> 'photos', '[]'::jsonb)) p
    WHERE p ->> 'hash' IS NOT NULL;
CREATE INDEX photos_uploaded ON photos (uploaded_by, uploaded_at);
CREATE INDEX photo_uploads_user ON photo_uploads (uploaded_by);

-- Each sign-in attempt is counted before its password is checked, under an id of its own, so
-- the attempt can be forgotten exactly (a success, or a refusal that checked nothing).
ALTER TABLE login_failures ADD COLUMN attempt TEXT NOT NULL DEFAULT '';
