-- Commendation through sync (issue 13): an award is a proposal (đề nghị) that was decided, one
-- synced record from proposal to decision. The table becomes a record table like surveys:
-- per-field versions and writers for merging, and the proposal's status. Existing awards keep
-- their data: `stage` becomes `status`, the one `model_id` becomes the list `model_ids`.
ALTER TABLE awards DROP CONSTRAINT IF EXISTS awards_unit_id_fkey;
ALTER TABLE awards RENAME COLUMN stage TO status;
ALTER TABLE awards ADD COLUMN field_versions TEXT NOT NULL DEFAULT '{}';
ALTER TABLE awards ADD COLUMN field_writers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE awards ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
UPDATE awards SET created_at = updated_at;
UPDATE awards SET data = (
    (data::jsonb - 'stage' - 'model_id')
    || jsonb_build_object(
        'status', status,
        'model_ids', CASE WHEN model_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(model_id) END)
)::text;
ALTER TABLE awards DROP COLUMN model_id;
CREATE INDEX awards_version ON awards (version);
-- The duplicate guard reads the decided awards of a kind (and year).
CREATE INDEX awards_kind ON awards (kind, status, year);
