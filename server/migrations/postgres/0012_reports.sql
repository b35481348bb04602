-- Period reports (issue 14): the Board's sơ kết and tổng kết of a unit's subtree, run online.
-- The whole report is JSON in `data`; a final one holds the figures frozen when it was
-- finalised. Every change is in audit_log (entity `report`).
CREATE TABLE reports (
    id         TEXT PRIMARY KEY NOT NULL,
    unit_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reports_unit ON reports (unit_id);
