-- Work-item queues (transaction queues): tenant-owned items consumed by jobs one lease at a time. A queue is a
-- name that exists while it holds items. The addition is the item's own created_at; later steps are events.
CREATE TABLE work_items (
    id                text        NOT NULL PRIMARY KEY,
    tenant_id         text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    queue             text        NOT NULL,
    reference         text,
    state             text        NOT NULL,
    priority          integer     NOT NULL,
    payload           jsonb       NOT NULL,
    deadline_at       timestamptz,
    attempts          integer     NOT NULL DEFAULT 0,
    max_attempts      integer     NOT NULL,
    created_at        timestamptz NOT NULL,
    added_by_job      text,
    started_at        timestamptz,
    finished_at       timestamptz,
    output            jsonb,
    error             text,
    failure_kind      text,
    job_id            text,
    job_attempt       integer,
    lease_token       text,
    lease_expires_at  timestamptz
);
-- A reference is unique in its queue: adding it again is refused.
CREATE UNIQUE INDEX ux_work_items_reference ON work_items (tenant_id, queue, reference) WHERE reference IS NOT NULL;
-- The claim's order among waiting items (claims take it with FOR UPDATE SKIP LOCKED).
CREATE INDEX ix_work_items_ready ON work_items (tenant_id, queue, priority DESC, id) WHERE state = 'pending';
-- Lease expiry (the janitor, and each claim for its queue) and the renewals and releases of one job.
CREATE INDEX ix_work_items_leased ON work_items (lease_expires_at) WHERE state = 'in_progress';
CREATE INDEX ix_work_items_holder ON work_items (tenant_id, job_id) WHERE state = 'in_progress';
-- A queue's pages and counts.
CREATE INDEX ix_work_items_queue ON work_items (tenant_id, queue, id);

CREATE TABLE work_item_events (
    id         bigserial   PRIMARY KEY,
    tenant_id  text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    item_id    text        NOT NULL REFERENCES work_items (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    type       text        NOT NULL,
    attempt    integer     NOT NULL,
    job_id     text,
    detail     text
);
CREATE INDEX ix_work_item_events_item ON work_item_events (item_id, id);

-- Child jobs: which running job submitted which, and how deep the chain is (for the depth limit).
CREATE TABLE job_lineage (
    child_id    text        NOT NULL PRIMARY KEY,
    tenant_id   text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    parent_id   text        NOT NULL,
    depth       integer     NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX ix_job_lineage_parent ON job_lineage (tenant_id, parent_id);

DO $$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['work_items', 'work_item_events', 'job_lineage']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format(
            $policy$CREATE POLICY tenant_isolation ON %I
                USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
                WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')$policy$,
            tenant_table);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON work_items, work_item_events, job_lineage TO baton_app;
GRANT USAGE ON SEQUENCE work_item_events_id_seq TO baton_app;
