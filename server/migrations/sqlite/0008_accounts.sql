-- Accounts run from the app (issue 12): an account can be deactivated (it cannot sign in and
-- its sessions end) and reactivated; an administrator can give its person a one-time code,
-- which is the password until `code_expires_at` and must be replaced at the next sign-in; the
-- administrators' list shows the last sign-in and each device's last sync.
ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN code_expires_at BIGINT;
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
CREATE INDEX devices_user ON devices (user_id);
