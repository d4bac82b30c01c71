-- Tenant-owned named queues. Every tenant has 'default' (created with the tenant; rows for
-- existing tenants here). A queue's priority is added to its jobs' when claims are ordered.
CREATE TABLE queues (
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    priority        INTEGER NOT NULL DEFAULT 0,
    max_concurrency INTEGER,
    paused          INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
) STRICT;

INSERT INTO queues (tenant_id, name, created_at) SELECT id, 'default', created_at FROM tenants;

ALTER TABLE jobs ADD COLUMN queue TEXT NOT NULL DEFAULT 'default';
-- The claim's per-queue active counts.
CREATE INDEX ix_jobs_queue_state ON jobs (tenant_id, queue, state);
