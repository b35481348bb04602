-- A province's or a country's million models answered at once (issue 15). The same tables as
-- PostgreSQL's, kept by triggers: see migrations/postgres/0015_scale.sql. A town's SQLite
-- searches by reading its models (no trigram index here).
CREATE TABLE model_tally (
    unit_id TEXT NOT NULL,
    field   TEXT NOT NULL,
    status  TEXT NOT NULL,
    year    INTEGER NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (unit_id, field, status, year)
);
CREATE INDEX model_tally_year ON model_tally (year);

CREATE TABLE model_tally_unit (
    unit_id TEXT NOT NULL,
    field   TEXT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (unit_id, field)
);

CREATE TABLE model_tally_kind (
    field  TEXT NOT NULL,
    status TEXT NOT NULL,
    year   INTEGER NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (field, status, year)
);

INSERT INTO model_tally (unit_id, field, status, year, n)
SELECT unit_id, field, status, year, COUNT(*) FROM models WHERE deleted = FALSE
GROUP BY unit_id, field, status, year;
INSERT INTO model_tally_unit (unit_id, field, n)
SELECT unit_id, field, SUM(n) FROM model_tally WHERE status <> 'draft' GROUP BY unit_id, field;
INSERT INTO model_tally_kind (field, status, year, n)
SELECT field, status, year, SUM(n) FROM model_tally GROUP BY field, status, year;

CREATE TRIGGER model_tally_insert AFTER INSERT ON models WHEN NOT NEW.deleted
BEGIN
    INSERT INTO model_tally (unit_id, field, status, year, n)
    VALUES (NEW.unit_id, NEW.field, NEW.status, NEW.year, +1)
    ON CONFLICT (unit_id, field, status, year) DO UPDATE SET n = n + 1;
    INSERT INTO model_tally_unit (unit_id, field, n)
    SELECT NEW.unit_id, NEW.field, +1 WHERE NEW.status <> 'draft'
    ON CONFLICT (unit_id, field) DO UPDATE SET n = n + 1;
    INSERT INTO model_tally_kind (field, status, year, n)
    VALUES (NEW.field, NEW.status, NEW.year, +1)
    ON CONFLICT (field, status, year) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER model_tally_delete AFTER DELETE ON models WHEN NOT OLD.deleted
BEGIN
    INSERT INTO model_tally (unit_id, field, status, year, n)
    VALUES (OLD.unit_id, OLD.field, OLD.status, OLD.year, -1)
    ON CONFLICT (unit_id, field, status, year) DO UPDATE SET n = n - 1;
    INSERT INTO model_tally_unit (unit_id, field, n)
    SELECT OLD.unit_id, OLD.field, -1 WHERE OLD.status <> 'draft'
    ON CONFLICT (unit_id, field) DO UPDATE SET n = n - 1;
    INSERT INTO model_tally_kind (field, status, year, n)
    VALUES (OLD.field, OLD.status, OLD.year, -1)
    ON CONFLICT (field, status, year) DO UPDATE SET n = n - 1;
END;

-- An update is the old row taken out and the new one counted, each only if not deleted, and
-- only when it changes what is counted (most edits change none of it).
CREATE TRIGGER model_tally_update_old AFTER UPDATE OF unit_id, field, status, year, deleted ON models
WHEN NOT OLD.deleted AND (OLD.unit_id IS NOT NEW.unit_id OR OLD.field IS NOT NEW.field
    OR OLD.status IS NOT NEW.status OR OLD.year IS NOT NEW.year OR OLD.deleted IS NOT NEW.deleted)
BEGIN
    INSERT INTO model_tally (unit_id, field, status, year, n)
    VALUES (OLD.unit_id, OLD.field, OLD.status, OLD.year, -1)
    ON CONFLICT (unit_id, field, status, year) DO UPDATE SET n = n - 1;
    INSERT INTO model_tally_unit (unit_id, field, n)
    SELECT OLD.unit_id, OLD.field, -1 WHERE OLD.status <> 'draft'
    ON CONFLICT (unit_id, field) DO UPDATE SET n = n - 1;
    INSERT INTO model_tally_kind (field, status, year, n)
    VALUES (OLD.field, OLD.status, OLD.year, -1)
    ON CONFLICT (field, status, year) DO UPDATE SET n = n - 1;
END;

CREATE TRIGGER model_tally_update_new AFTER UPDATE OF unit_id, field, status, year, deleted ON models
WHEN NOT NEW.deleted AND (OLD.unit_id IS NOT NEW.unit_id OR OLD.field IS NOT NEW.field
    OR OLD.status IS NOT NEW.status OR OLD.year IS NOT NEW.year OR OLD.deleted IS NOT NEW.deleted)
BEGIN
    INSERT INTO model_tally (unit_id, field, status, year, n)
    VALUES (NEW.unit_id, NEW.field, NEW.status, NEW.year, +1)
    ON CONFLICT (unit_id, field, status, year) DO UPDATE SET n = n + 1;
    INSERT INTO model_tally_unit (unit_id, field, n)
    SELECT NEW.unit_id, NEW.field, +1 WHERE NEW.status <> 'draft'
    ON CONFLICT (unit_id, field) DO UPDATE SET n = n + 1;
    INSERT INTO model_tally_kind (field, status, year, n)
    VALUES (NEW.field, NEW.status, NEW.year, +1)
    ON CONFLICT (field, status, year) DO UPDATE SET n = n + 1;
END;

-- PostgreSQL's indexes for the typical models in order and a unit's models of one year serve
-- a province; a town's few thousand models need them not, and its writes go faster without.
