-- Invitations (issue 12): the Board makes one for a unit, with an expiry and a number of uses;
-- people who open it join that unit as registrars. Only the SHA-256 of a code is kept; each
-- account made through one names it, which is how its uses are counted.
CREATE TABLE invitations (
    id         TEXT PRIMARY KEY NOT NULL,
    code_hash  TEXT NOT NULL UNIQUE,
    unit_id    TEXT NOT NULL REFERENCES units (id),
    note       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    max_uses   BIGINT NOT NULL,
    revoked_at BIGINT
);
ALTER TABLE users ADD COLUMN invitation_id TEXT REFERENCES invitations (id);
CREATE INDEX users_invitation ON users (invitation_id);
