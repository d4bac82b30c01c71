-- Dashboard sessions ended before their expiry (sign-out). A session is a signed cookie every replica honours
-- by itself; this list is what makes a signed-out cookie useless on every replica too. A row is needed only
-- until the session would have expired anyway, so rows past expires_at are dropped as new ones are written.
CREATE TABLE revoked_sessions (
    session_id  text        NOT NULL PRIMARY KEY,
    tenant_id   text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz NOT NULL
);
CREATE INDEX ix_revoked_sessions_expiry ON revoked_sessions (expires_at);

ALTER TABLE revoked_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE revoked_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON revoked_sessions
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, DELETE ON revoked_sessions TO baton_app;
