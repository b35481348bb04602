-- Sync (SYNC.md): devices with the last seq applied for each, and per-field versions of models
-- so edits of different fields merge and edits of the same field are recognised as conflicts.

CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    last_seq   BIGINT NOT NULL,
    -- What the user saw at the last pull; when it changes the device rebuilds its replica.
    scope_key  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);

-- JSON object: field name -> the version at which it last changed.
ALTER TABLE models ADD COLUMN field_versions TEXT NOT NULL DEFAULT '{}';

-- Where a synced change came from: no (device, seq) may appear twice.
ALTER TABLE audit_log ADD COLUMN device_id TEXT;
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
CREATE UNIQUE INDEX audit_log_device_seq ON audit_log (device_id, seq);
