-- Baton schema, version 1 (PostgreSQL). Same semantics as the SQLite schema, with native types:
-- timestamptz for times, jsonb for JSON, boolean flags, identity columns for sequences.
-- job_events and job_logs carry tenant_id (SQLite reaches it through jobs) so Row-Level Security
-- can filter them without a join. The runtime reaches partitions only through their parent
-- (it has no privileges on the partitions), so the parent's policies always apply.

-- The runtime role: owns nothing, does not bypass RLS. Deployments give a LOGIN role membership in it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'baton_app') THEN
        CREATE ROLE baton_app NOLOGIN;
    END IF;
EXCEPTION
    -- Another database of the same cluster created it at the same moment (roles are cluster-wide).
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

CREATE TABLE tenants (
    id          text        NOT NULL PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    tier        text        NOT NULL,
    overrides   jsonb       NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id               text        NOT NULL PRIMARY KEY,
    tenant_id        text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             text        NOT NULL,
    role             text        NOT NULL,
    is_system_admin  boolean     NOT NULL DEFAULT false,
    secret_hash      text        NOT NULL,
    created_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    last_used_at     timestamptz
);
CREATE INDEX ix_api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE enrollment_tokens (
    id           text        NOT NULL PRIMARY KEY,
    tenant_id    text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    secret_hash  text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX ix_enrollment_tokens_tenant ON enrollment_tokens (tenant_id, created_at);

CREATE TABLE agents (
    id                 text        NOT NULL PRIMARY KEY,
    tenant_id          text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               text        NOT NULL,
    credential_hash    text        NOT NULL,
    state              text        NOT NULL,
    capabilities       jsonb       NOT NULL,
    resources          jsonb       NOT NULL,
    slots              integer     NOT NULL,
    version            text        NOT NULL,
    registered_at      timestamptz NOT NULL,
    last_heartbeat_at  timestamptz
);
CREATE INDEX ix_agents_tenant_state ON agents (tenant_id, state);
-- The janitor's silent-agent scan.
CREATE INDEX ix_agents_online_heartbeat ON agents (last_heartbeat_at) WHERE state = 'online';

CREATE TABLE package_versions (
    tenant_id   text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text        NOT NULL,
    version     text        NOT NULL,
    sha256      text        NOT NULL,
    size_bytes  bigint      NOT NULL,
    manifest    jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, name, version)
);
CREATE INDEX ix_package_versions_sha256 ON package_versions (sha256, tenant_id);

CREATE TABLE jobs (
    id                text        NOT NULL PRIMARY KEY,
    tenant_id         text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    package_name      text        NOT NULL,
    package_version   text        NOT NULL,
    package_sha256    text        NOT NULL,
    state             text        NOT NULL,
    attempt           integer     NOT NULL DEFAULT 0,
    max_attempts      integer     NOT NULL,
    priority          integer     NOT NULL,
    timeout_seconds   integer     NOT NULL,
    requirements      jsonb       NOT NULL,
    inputs            jsonb       NOT NULL,
    idempotency_key   text,
    agent_id          text,
    submitted_at      timestamptz NOT NULL,
    assigned_at       timestamptz,
    started_at        timestamptz,
    finished_at       timestamptz,
    not_before        timestamptz,
    lease_expires_at  timestamptz,
    result            jsonb,
    error             text,
    exit_code         integer,
    cancel_requested  boolean     NOT NULL DEFAULT false,
    progress          jsonb
);
-- The claim's ready scan: a tenant's pending jobs in claim order, and nothing else.
CREATE INDEX ix_jobs_ready ON jobs (tenant_id, priority DESC, submitted_at, id) WHERE state = 'pending';
-- The janitor's lease expiry scan and the per-tenant / per-agent active counts.
CREATE INDEX ix_jobs_lease_expiry ON jobs (lease_expires_at) WHERE state IN ('assigned', 'running');
CREATE INDEX ix_jobs_tenant_active ON jobs (tenant_id) WHERE state IN ('assigned', 'running');
CREATE INDEX ix_jobs_agent_active ON jobs (agent_id) WHERE state IN ('assigned', 'running');
CREATE UNIQUE INDEX ux_jobs_idempotency ON jobs (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Listing newest first with keyset pagination.
CREATE INDEX ix_jobs_tenant_submitted ON jobs (tenant_id, submitted_at DESC, id DESC);
CREATE INDEX ix_jobs_package ON jobs (tenant_id, package_name, package_version, state);

-- The high-volume tables are partitioned by month on their time (declarative RANGE partitioning):
-- retention drops whole partitions instead of deleting rows. PostgresPartitionMaintenance creates
-- the monthly partitions ahead of time (job_events_pYYYYMM, job_logs_pYYYYMM); the DEFAULT
-- partition catches any row outside them (e.g. a skewed agent clock), so an insert never fails.
-- Primary keys must include the partition key; ids come from plain sequences shared by all partitions.
CREATE SEQUENCE job_events_id_seq AS bigint;
CREATE TABLE job_events (
    id         bigint      NOT NULL DEFAULT nextval('job_events_id_seq'),
    tenant_id  text        NOT NULL,
    job_id     text        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    type       text        NOT NULL,
    attempt    integer     NOT NULL,
    agent_id   text,
    message    text,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE job_events_id_seq OWNED BY job_events.id;
CREATE INDEX ix_job_events_job ON job_events (job_id, id);
CREATE TABLE job_events_default PARTITION OF job_events DEFAULT;

CREATE SEQUENCE job_logs_seq_seq AS bigint;
CREATE TABLE job_logs (
    seq        bigint      NOT NULL DEFAULT nextval('job_logs_seq_seq'),
    tenant_id  text        NOT NULL,
    job_id     text        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt    integer     NOT NULL,
    line       bigint      NOT NULL,
    at         timestamptz NOT NULL,
    stream     text        NOT NULL,
    text       text        NOT NULL,
    PRIMARY KEY (seq, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE job_logs_seq_seq OWNED BY job_logs.seq;
CREATE INDEX ix_job_logs_job_seq ON job_logs (job_id, seq);
-- A batch the agent resends after a lost response is stored once. A unique constraint would have
-- to include the partition key, so the store checks this index under the job's row lock instead.
CREATE INDEX ix_job_logs_job_line ON job_logs (job_id, attempt, line);
CREATE TABLE job_logs_default PARTITION OF job_logs DEFAULT;

CREATE TABLE api_usage (
    tenant_id  text    NOT NULL,
    day        text    NOT NULL,
    calls      integer NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

-- Installation-wide values (not tenant data): no RLS.
CREATE TABLE settings (
    key    text NOT NULL PRIMARY KEY,
    value  text NOT NULL
);

-- Row-Level Security: a row is visible and writable only when the transaction named its tenant
-- (set_config('baton.tenant_id', …, true)) or declared itself a cross-tenant system operation
-- (set_config('baton.system', 'on', true)). FORCE makes it bind the table owner too, so a later
-- migration that touches rows must set baton.system itself.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

DO $$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['api_keys', 'enrollment_tokens', 'agents', 'package_versions', 'jobs', 'job_events', 'job_logs', 'api_usage']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format(
            $policy$CREATE POLICY tenant_isolation ON %I
                USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
                WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')$policy$,
            tenant_table);
    END LOOP;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO baton_app', current_schema());
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE
    ON tenants, api_keys, enrollment_tokens, agents, package_versions, jobs, job_events, job_logs, api_usage, settings
    TO baton_app;
GRANT USAGE ON SEQUENCE job_events_id_seq, job_logs_seq_seq TO baton_app;
