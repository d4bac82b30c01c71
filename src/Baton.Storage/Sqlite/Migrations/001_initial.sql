-- Baton schema, version 1 (SQLite).
-- Times are INTEGER unix milliseconds UTC; enums are stable lower-case text; JSON is TEXT.

CREATE TABLE tenants (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    tier        TEXT    NOT NULL,
    overrides   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id               TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    role             TEXT    NOT NULL,
    is_system_admin  INTEGER NOT NULL DEFAULT 0,
    secret_hash      TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    revoked_at       INTEGER,
    last_used_at     INTEGER
) STRICT;
CREATE INDEX ix_api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE enrollment_tokens (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX ix_enrollment_tokens_tenant ON enrollment_tokens (tenant_id, created_at);

CREATE TABLE agents (
    id                 TEXT    NOT NULL PRIMARY KEY,
    tenant_id          TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               TEXT    NOT NULL,
    credential_hash    TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    capabilities       TEXT    NOT NULL,
    resources          TEXT    NOT NULL,
    slots              INTEGER NOT NULL,
    version            TEXT    NOT NULL,
    registered_at      INTEGER NOT NULL,
    last_heartbeat_at  INTEGER
) STRICT;
CREATE INDEX ix_agents_tenant_state ON agents (tenant_id, state);
CREATE INDEX ix_agents_state_heartbeat ON agents (state, last_heartbeat_at);

CREATE TABLE package_versions (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    size_bytes  INTEGER NOT NULL,
    manifest    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name, version)
) STRICT;
CREATE INDEX ix_package_versions_sha256 ON package_versions (sha256, tenant_id);

CREATE TABLE jobs (
    id                TEXT    NOT NULL PRIMARY KEY,
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    package_name      TEXT    NOT NULL,
    package_version   TEXT    NOT NULL,
    package_sha256    TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    attempt           INTEGER NOT NULL DEFAULT 0,
    max_attempts      INTEGER NOT NULL,
    priority          INTEGER NOT NULL,
    timeout_seconds   INTEGER NOT NULL,
    requirements      TEXT    NOT NULL,
    inputs            TEXT    NOT NULL,
    idempotency_key   TEXT,
    agent_id          TEXT,
    submitted_at      INTEGER NOT NULL,
    assigned_at       INTEGER,
    started_at        INTEGER,
    finished_at       INTEGER,
    not_before        INTEGER,
    lease_expires_at  INTEGER,
    result            TEXT,
    error             TEXT,
    exit_code         INTEGER,
    cancel_requested  INTEGER NOT NULL DEFAULT 0,
    progress          TEXT
) STRICT;
-- The dispatcher's ready scan: a tenant's pending jobs, best first.
CREATE INDEX ix_jobs_ready ON jobs (tenant_id, state, priority DESC, submitted_at);
CREATE UNIQUE INDEX ux_jobs_idempotency ON jobs (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The janitor's lease expiry scan.
CREATE INDEX ix_jobs_lease_expiry ON jobs (state, lease_expires_at);
-- Listing newest first with keyset pagination.
CREATE INDEX ix_jobs_tenant_submitted ON jobs (tenant_id, submitted_at DESC, id DESC);
CREATE INDEX ix_jobs_agent ON jobs (agent_id, state);
CREATE INDEX ix_jobs_package ON jobs (tenant_id, package_name, package_version, state);

CREATE TABLE job_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id    TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    type      TEXT    NOT NULL,
    attempt   INTEGER NOT NULL,
    agent_id  TEXT,
    message   TEXT
) STRICT;
CREATE INDEX ix_job_events_job ON job_events (job_id, id);

CREATE TABLE job_logs (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id   TEXT    NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt  INTEGER NOT NULL,
    line     INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    stream   TEXT    NOT NULL,
    text     TEXT    NOT NULL,
    -- A batch the agent resends after a lost response is stored once (INSERT OR IGNORE).
    UNIQUE (job_id, attempt, line)
) STRICT;
CREATE INDEX ix_job_logs_job_seq ON job_logs (job_id, seq);

CREATE TABLE api_usage (
    tenant_id  TEXT    NOT NULL,
    day        TEXT    NOT NULL,
    calls      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day)
) STRICT;

CREATE TABLE settings (
    key    TEXT NOT NULL PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
