-- Secrets at rest: each tenant's data keys, wrapped (AES-GCM) under a master key that never enters the
-- database. Versions count from 1 per tenant; a secret names the version that sealed it.
CREATE TABLE tenant_data_keys (
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    master_key_id  TEXT    NOT NULL,
    wrapped_key    TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, version)
) STRICT;
CREATE INDEX ix_tenant_data_keys_master ON tenant_data_keys (master_key_id);
