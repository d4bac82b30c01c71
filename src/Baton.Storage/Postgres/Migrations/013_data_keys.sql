-- Secrets at rest: each tenant's data keys, wrapped (AES-GCM) under a master key that never enters the
-- database. Versions count from 1 per tenant; a secret names the version that sealed it. The runtime may
-- add and re-wrap keys, never delete one (a deleted key would make its secrets unreadable).
CREATE TABLE tenant_data_keys (
    tenant_id      text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version        integer     NOT NULL,
    master_key_id  text        NOT NULL,
    wrapped_key    text        NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, version)
);
CREATE INDEX ix_tenant_data_keys_master ON tenant_data_keys (master_key_id);

ALTER TABLE tenant_data_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_data_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_data_keys
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, UPDATE ON tenant_data_keys TO baton_app;
