-- Work-item queue triggers: while items wait in a queue, the server keeps up to max_jobs jobs of a package running for
-- it. Each started job fills a numbered slot; a slot moves to its next generation (and job) with a compare-and-set,
-- and that generation's job carries an idempotency key made of the trigger, the slot and the generation, so replicas
-- racing on one slot make one job and a trigger never has more than max_jobs jobs active.
CREATE TABLE work_item_triggers (
    tenant_id        text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    queue            text        NOT NULL,
    id               text        NOT NULL,
    package_name     text        NOT NULL,
    package_version  text,
    max_jobs         integer     NOT NULL,
    min_items        integer     NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    last_started_at  timestamptz,
    last_error       text,
    last_error_at    timestamptz,
    PRIMARY KEY (tenant_id, queue)
);

CREATE TABLE work_item_trigger_slots (
    tenant_id   text    NOT NULL,
    queue       text    NOT NULL,
    slot        integer NOT NULL,
    trigger_id  text    NOT NULL,
    generation  bigint  NOT NULL,
    job_id      text    NOT NULL,
    PRIMARY KEY (tenant_id, queue, slot),
    FOREIGN KEY (tenant_id, queue) REFERENCES work_item_triggers (tenant_id, queue) ON DELETE CASCADE
);

-- Retention removes finished items (done, or failed for good) by when they finished.
CREATE INDEX ix_work_items_finished ON work_items (finished_at) WHERE state IN ('done', 'failed');

-- Row security in the initplan form migration 020 gave every policy: the settings read once per statement.
DO $$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['work_item_triggers', 'work_item_trigger_slots']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format(
            $policy$CREATE POLICY tenant_isolation ON %I
                USING (tenant_id = (SELECT current_setting('baton.tenant_id', true)) OR (SELECT current_setting('baton.system', true)) = 'on')
                WITH CHECK (tenant_id = (SELECT current_setting('baton.tenant_id', true)) OR (SELECT current_setting('baton.system', true)) = 'on')$policy$,
            tenant_table);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON work_item_triggers, work_item_trigger_slots TO baton_app;
