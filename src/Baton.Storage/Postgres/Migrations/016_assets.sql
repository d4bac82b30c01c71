-- Assets (issue 16): tenant-owned named values a job reads by name. An asset may be scoped to one queue
-- and/or one agent group (only jobs of that queue, on agents of that group, can read it). Its values:
-- the default (agent_group '') and per-agent-group overrides. A credential's secret is stored sealed by
-- the server (bsec1:…, the tenant's data key); the store neither seals nor opens it.
CREATE TABLE assets (
    tenant_id    text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    type         text        NOT NULL,
    queue        text,
    agent_group  text,
    description  text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE asset_values (
    tenant_id    text        NOT NULL,
    asset_name   text        NOT NULL,
    agent_group  text        NOT NULL,
    value        text,
    username     text,
    secret       text,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, asset_name, agent_group),
    FOREIGN KEY (tenant_id, asset_name) REFERENCES assets (tenant_id, name) ON DELETE CASCADE
);

-- A job's last checkpoint (JSON text), kept across its attempts so a retry resumes from it.
CREATE TABLE job_checkpoints (
    job_id     text        NOT NULL PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    tenant_id  text        NOT NULL,
    attempt    integer     NOT NULL,
    state      text        NOT NULL,
    saved_at   timestamptz NOT NULL
);

ALTER TABLE assets ENABLE ROW LEVEL SECURITY;
ALTER TABLE assets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON assets
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');
ALTER TABLE asset_values ENABLE ROW LEVEL SECURITY;
ALTER TABLE asset_values FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON asset_values
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');
ALTER TABLE job_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON job_checkpoints
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON assets, asset_values, job_checkpoints TO baton_app;
