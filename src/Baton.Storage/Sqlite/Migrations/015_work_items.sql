-- Work-item queues (transaction queues): tenant-owned items consumed by jobs one lease at a time. A queue is a
-- name that exists while it holds items. The addition is the item's own created_at; later steps are events.
CREATE TABLE work_items (
    id                TEXT    NOT NULL PRIMARY KEY,
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    queue             TEXT    NOT NULL,
    reference         TEXT,
    state             TEXT    NOT NULL,
    priority          INTEGER NOT NULL,
    payload           TEXT    NOT NULL,
    deadline_at       INTEGER,
    attempts          INTEGER NOT NULL DEFAULT 0,
    max_attempts      INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    added_by_job      TEXT,
    started_at        INTEGER,
    finished_at       INTEGER,
    output            TEXT,
    error             TEXT,
    failure_kind      TEXT,
    job_id            TEXT,
    job_attempt       INTEGER,
    lease_token       TEXT,
    lease_expires_at  INTEGER
) STRICT;
-- A reference is unique in its queue: adding it again is refused.
CREATE UNIQUE INDEX ux_work_items_reference ON work_items (tenant_id, queue, reference) WHERE reference IS NOT NULL;
-- The claim's order among waiting items.
CREATE INDEX ix_work_items_ready ON work_items (tenant_id, queue, priority DESC, id) WHERE state = 'pending';
-- Lease expiry (the janitor, and each claim for its queue) and the renewals and releases of one job.
CREATE INDEX ix_work_items_leased ON work_items (lease_expires_at) WHERE state = 'in_progress';
CREATE INDEX ix_work_items_holder ON work_items (tenant_id, job_id) WHERE state = 'in_progress';
-- A queue's pages and counts.
CREATE INDEX ix_work_items_queue ON work_items (tenant_id, queue, id);

CREATE TABLE work_item_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    item_id    TEXT    NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    type       TEXT    NOT NULL,
    attempt    INTEGER NOT NULL,
    job_id     TEXT,
    detail     TEXT
) STRICT;
CREATE INDEX ix_work_item_events_item ON work_item_events (item_id, id);

-- Child jobs: which running job submitted which, and how deep the chain is (for the depth limit).
CREATE TABLE job_lineage (
    child_id    TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    parent_id   TEXT    NOT NULL,
    depth       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX ix_job_lineage_parent ON job_lineage (tenant_id, parent_id);
