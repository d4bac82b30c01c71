-- Dashboard sessions ended before their expiry (sign-out). A session is a signed cookie every replica honours
-- by itself; this list is what makes a signed-out cookie useless on every replica too. A row is needed only
-- until the session would have expired anyway, so rows past expires_at are dropped as new ones are written.
CREATE TABLE revoked_sessions (
    session_id  TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX ix_revoked_sessions_expiry ON revoked_sessions (expires_at);
