-- A province's or a country's million models answered at once (issue 15).
--
-- The models counted, kept by a trigger in the transaction of every change of a model,
-- whatever writes it (sync, a restore, a migration): the overview and the list's totals read
-- these few rows instead of counting the models. Deleted models are not counted.
--   model_tally       per unit, field, status and year (drafts included: the list shows them);
--                     what a unit's subtree, or one year, adds up from
--   model_tally_unit  registered models (not drafts) per unit and field: the overview's line of
--                     each unit, every year together
--   model_tally_kind  per field, status and year over every unit: the whole installation's
--                     overview, and the list's totals when it is not narrowed to units
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

-- Counts `m` (a model as it is or was) `delta` times in each tally.
CREATE FUNCTION model_tally_add(m models, delta INTEGER) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO model_tally (unit_id, field, status, year, n)
    VALUES (m.unit_id, m.field, m.status, m.year, delta)
    ON CONFLICT (unit_id, field, status, year) DO UPDATE SET n = model_tally.n + delta;
    IF m.status <> 'draft' THEN
        INSERT INTO model_tally_unit (unit_id, field, n) VALUES (m.unit_id, m.field, delta)
        ON CONFLICT (unit_id, field) DO UPDATE SET n = model_tally_unit.n + delta;
    END IF;
    INSERT INTO model_tally_kind (field, status, year, n)
    VALUES (m.field, m.status, m.year, delta)
    ON CONFLICT (field, status, year) DO UPDATE SET n = model_tally_kind.n + delta;
END
$$;

CREATE FUNCTION model_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.deleted THEN
        PERFORM model_tally_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.deleted THEN
        PERFORM model_tally_add(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER model_tally AFTER INSERT OR DELETE OR UPDATE OF unit_id, field, status, year, deleted
ON models FOR EACH ROW EXECUTE FUNCTION model_tally_change();

-- Search with or without diacritics: `search` holds the folded text, and a trigram index
-- answers `LIKE '%…%'` on it without reading every model (pg_trgm is a trusted extension: the
-- database's owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX models_search_trgm ON models USING gin (search gin_trgm_ops);

-- The typical models of the overview, in the list's order.
CREATE INDEX models_typical ON models (name_sort, id) WHERE status = 'typical' AND deleted = FALSE;
-- A unit's models of one year (the list narrowed to a province and a year, a year's overview).
CREATE INDEX models_unit_year ON models (unit_id, year);
