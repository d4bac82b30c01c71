-- Business calendars: working weekdays ("mon,tue,…"), holiday dates, own zone.
CREATE TABLE calendars (
    tenant_id    text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    working_days text        NOT NULL,
    holidays     jsonb       NOT NULL,
    time_zone    text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

-- Schedules. next_fire_at is advanced by compare-and-set; claimed_until keeps two schedulers from
-- working one schedule at once (correctness comes from the jobs' idempotency keys and the CAS).
CREATE TABLE schedules (
    tenant_id            text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                   text        NOT NULL,
    name                 text        NOT NULL,
    cron                 text        NOT NULL,
    time_zone            text        NOT NULL,
    package_name         text        NOT NULL,
    package_version      text,
    inputs               jsonb       NOT NULL,
    queue                text        NOT NULL,
    priority             integer     NOT NULL,
    calendar_name        text,
    calendar_mode        text        NOT NULL,
    concurrency_policy   text        NOT NULL,
    misfire_policy       text        NOT NULL,
    catch_up_window_ms   bigint      NOT NULL,
    paused               boolean     NOT NULL DEFAULT false,
    pause_reason         text,
    consecutive_failures integer     NOT NULL DEFAULT 0,
    auto_pause_after     integer     NOT NULL,
    next_fire_at         timestamptz,
    last_fire_at         timestamptz,
    last_job_id          text,
    last_job_counted     boolean     NOT NULL DEFAULT true,
    queued_fire_at       timestamptz,
    claimed_until        timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX ux_schedules_name ON schedules (tenant_id, name);
-- The scheduler's due scan across tenants.
CREATE INDEX ix_schedules_due ON schedules (next_fire_at) WHERE NOT paused;

ALTER TABLE calendars ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendars FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calendars
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

ALTER TABLE schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON schedules
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON calendars TO baton_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON schedules TO baton_app;
