-- Tenant-owned named queues. Every tenant has 'default' (created with the tenant; rows for
-- existing tenants here). A queue's priority is added to its jobs' when claims are ordered.
CREATE TABLE queues (
    tenant_id       text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    priority        integer     NOT NULL DEFAULT 0,
    max_concurrency integer,
    paused          boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- tenants has forced Row-Level Security: the owner sees its rows only in the system scope.
SELECT set_config('baton.system', 'on', true);
INSERT INTO queues (tenant_id, name, created_at) SELECT id, 'default', created_at FROM tenants;
SELECT set_config('baton.system', 'off', true);

ALTER TABLE jobs ADD COLUMN queue text NOT NULL DEFAULT 'default';
-- The claim's per-queue active counts.
CREATE INDEX ix_jobs_queue_active ON jobs (tenant_id, queue) WHERE state IN ('assigned', 'running');

ALTER TABLE queues ENABLE ROW LEVEL SECURITY;
ALTER TABLE queues FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON queues
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON queues TO baton_app;
