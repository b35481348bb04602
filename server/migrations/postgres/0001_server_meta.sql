-- Facts about this database itself, such as the sync epoch (SYNC.md): a key-value table so that
-- new facts need no migration.
CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
