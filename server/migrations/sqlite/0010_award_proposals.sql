-- Commendation through sync (issue 13): an award is a proposal (đề nghị) that was decided, one
-- synced record from proposal to decision. The table becomes a record table like surveys:
-- per-field versions and writers for merging, and the proposal's status. Existing awards keep
-- their data: `stage` becomes `status`, the one `model_id` becomes the list `model_ids`.
CREATE TABLE awards_new (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    recipient_type TEXT NOT NULL,
    -- The unit receiving it, or the person's unit: whose people see it.
    unit_id        TEXT NOT NULL,
    year           INTEGER NOT NULL,
    status         TEXT NOT NULL,
    data           TEXT NOT NULL,
    version        BIGINT NOT NULL,
    field_versions TEXT NOT NULL DEFAULT '{}',
    field_writers  TEXT NOT NULL DEFAULT '{}',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO awards_new (id, kind, recipient_type, unit_id, year, status, data, version, created_at, updated_at, deleted)
SELECT id, kind, recipient_type, unit_id, year, stage,
       json_set(json_remove(data, '$.stage', '$.model_id'),
                '$.status', stage,
                '$.model_ids', CASE WHEN model_id IS NULL THEN json('[]') ELSE json_array(model_id) END),
       version, updated_at, updated_at, deleted
FROM awards;
DROP TABLE awards;
ALTER TABLE awards_new RENAME TO awards;
CREATE INDEX awards_unit ON awards (unit_id);
CREATE INDEX awards_version ON awards (version);
-- The duplicate guard reads the decided awards of a kind (and year).
CREATE INDEX awards_kind ON awards (kind, status, year);
