-- A province's or a country's million models answered at once (issue 15).
--
-- The models counted, kept by triggers in the transaction of every change of a model,
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

-- Statement triggers: a sync batch writes hundreds of models in one statement, and its changes
-- reach each tally as one statement, grouped (an edit that changes none of the counted columns
-- adds nothing). Each trigger hands the rows its statement changed, as columns, to
-- model_tally_apply: +1 for a row as it is now, -1 for a row as it was, deleted ones left out.
CREATE FUNCTION model_tally_apply(
    units TEXT[], fields TEXT[], statuses TEXT[], years INTEGER[], deltas INTEGER[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH delta AS (
        SELECT unit_id, field, status, year, SUM(d) AS d
        FROM unnest(units, fields, statuses, years, deltas) AS c (unit_id, field, status, year, d)
        GROUP BY unit_id, field, status, year HAVING SUM(d) <> 0
    ), by_key AS (
        INSERT INTO model_tally AS t (unit_id, field, status, year, n)
        SELECT unit_id, field, status, year, d FROM delta
        ON CONFLICT (unit_id, field, status, year) DO UPDATE SET n = t.n + excluded.n
        RETURNING 1
    ), by_unit AS (
        INSERT INTO model_tally_unit AS t (unit_id, field, n)
        SELECT unit_id, field, SUM(d) FROM delta WHERE status <> 'draft'
        GROUP BY unit_id, field HAVING SUM(d) <> 0
        ON CONFLICT (unit_id, field) DO UPDATE SET n = t.n + excluded.n
        RETURNING 1
    )
    INSERT INTO model_tally_kind AS t (field, status, year, n)
    SELECT field, status, year, SUM(d) FROM delta
    GROUP BY field, status, year HAVING SUM(d) <> 0
    ON CONFLICT (field, status, year) DO UPDATE SET n = t.n + excluded.n;
END
$$;

CREATE FUNCTION model_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM model_tally_apply(array_agg(unit_id), array_agg(field), array_agg(status),
                              array_agg(year), array_agg(1))
    FROM new_rows WHERE NOT deleted;
    RETURN NULL;
END
$$;

CREATE FUNCTION model_tally_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM model_tally_apply(array_agg(unit_id), array_agg(field), array_agg(status),
                              array_agg(year), array_agg(-1))
    FROM old_rows WHERE NOT deleted;
    RETURN NULL;
END
$$;

CREATE FUNCTION model_tally_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM model_tally_apply(array_agg(unit_id), array_agg(field), array_agg(status),
                              array_agg(year), array_agg(d))
    FROM (SELECT unit_id, field, status, year, -1 AS d FROM old_rows WHERE NOT deleted
          UNION ALL SELECT unit_id, field, status, year, 1 FROM new_rows WHERE NOT deleted) c;
    RETURN NULL;
END
$$;

CREATE TRIGGER model_tally_insert AFTER INSERT ON models REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION model_tally_inserted();
CREATE TRIGGER model_tally_delete AFTER DELETE ON models REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION model_tally_deleted();
CREATE TRIGGER model_tally_update AFTER UPDATE ON models REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION model_tally_updated();

-- Search with or without diacritics: `search` holds the folded text, and a trigram index
-- answers `LIKE '%…%'` on it without reading every model (pg_trgm is a trusted extension: the
-- database's owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX models_search_trgm ON models USING gin (search gin_trgm_ops);

-- The typical models of the overview, in the list's order.
CREATE INDEX models_typical ON models (name_sort, id) WHERE status = 'typical' AND deleted = FALSE;
-- A unit's models of one year (the list narrowed to a province and a year, a year's overview).
CREATE INDEX models_unit_year ON models (unit_id, year);
