-- Work-item queue triggers: while items wait in a queue, the server keeps up to max_jobs jobs of a package running for
-- it. Each started job fills a numbered slot; a slot moves to its next generation (and job) with a compare-and-set,
-- and that generation's job carries an idempotency key made of the trigger, the slot and the generation, so replicas
-- racing on one slot make one job and a trigger never has more than max_jobs jobs active.
CREATE TABLE work_item_triggers (
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    queue            TEXT    NOT NULL,
    id               TEXT    NOT NULL,
    package_name     TEXT    NOT NULL,
    package_version  TEXT,
    max_jobs         INTEGER NOT NULL,
    min_items        INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_started_at  INTEGER,
    last_error       TEXT,
    last_error_at    INTEGER,
    PRIMARY KEY (tenant_id, queue)
) STRICT;

CREATE TABLE work_item_trigger_slots (
    tenant_id   TEXT    NOT NULL,
    queue       TEXT    NOT NULL,
    slot        INTEGER NOT NULL,
    trigger_id  TEXT    NOT NULL,
    generation  INTEGER NOT NULL,
    job_id      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, queue, slot),
    FOREIGN KEY (tenant_id, queue) REFERENCES work_item_triggers (tenant_id, queue) ON DELETE CASCADE
) STRICT;

-- Retention removes finished items (done, or failed for good) by when they finished.
CREATE INDEX ix_work_items_finished ON work_items (finished_at) WHERE state IN ('done', 'failed');
