-- Photos of surveys, named by the SHA-256 of their bytes (so one photo is stored once however
-- many tablets send it), and the uploads under way. Photos live in the database, not in files,
-- so that every server process sharing one database serves every photo.

CREATE TABLE photos (
    -- 64 lowercase hex digits.
    hash        TEXT PRIMARY KEY NOT NULL,
    -- image/jpeg, image/png or image/webp, from the photo's first bytes.
    mime        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    data        BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);

-- One row per upload under way; its row is also what concurrent chunks of one photo queue on.
CREATE TABLE photo_uploads (
    hash        TEXT PRIMARY KEY NOT NULL,
    -- The size the first chunk declared; every later chunk must declare the same.
    total       BIGINT NOT NULL,
    -- Bytes held so far: the next chunk starts here.
    received    BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    -- The last chunk's time: uploads untouched for 7 days are dropped.
    updated_at  BIGINT NOT NULL
);
CREATE INDEX photo_uploads_updated ON photo_uploads (updated_at);

CREATE TABLE photo_chunks (
    hash        TEXT NOT NULL REFERENCES photo_uploads (hash) ON DELETE CASCADE,
    byte_offset BIGINT NOT NULL,
    data        BYTEA NOT NULL,
    PRIMARY KEY (hash, byte_offset)
);

-- JPEG, PNG and WebP are compressed already: store them out of line without trying again.
ALTER TABLE photos ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE photo_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
