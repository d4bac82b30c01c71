-- Business calendars: working weekdays ("mon,tue,…"), holiday dates (JSON array of yyyy-MM-dd), own zone.
CREATE TABLE calendars (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    working_days TEXT    NOT NULL,
    holidays     TEXT    NOT NULL,
    time_zone    TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
) STRICT;

-- Schedules. next_fire_at is advanced by compare-and-set; claimed_until keeps two schedulers from
-- working one schedule at once (correctness comes from the jobs' idempotency keys and the CAS).
CREATE TABLE schedules (
    tenant_id            TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                   TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    cron                 TEXT    NOT NULL,
    time_zone            TEXT    NOT NULL,
    package_name         TEXT    NOT NULL,
    package_version      TEXT,
    inputs               TEXT    NOT NULL,
    queue                TEXT    NOT NULL,
    priority             INTEGER NOT NULL,
    calendar_name        TEXT,
    calendar_mode        TEXT    NOT NULL,
    concurrency_policy   TEXT    NOT NULL,
    misfire_policy       TEXT    NOT NULL,
    catch_up_window_ms   INTEGER NOT NULL,
    paused               INTEGER NOT NULL DEFAULT 0,
    pause_reason         TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    auto_pause_after     INTEGER NOT NULL,
    next_fire_at         INTEGER,
    last_fire_at         INTEGER,
    last_job_id          TEXT,
    last_job_counted     INTEGER NOT NULL DEFAULT 1,
    queued_fire_at       INTEGER,
    claimed_until        INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE UNIQUE INDEX ux_schedules_name ON schedules (tenant_id, name);
-- The scheduler's due scan across tenants.
CREATE INDEX ix_schedules_due ON schedules (next_fire_at) WHERE paused = 0;
