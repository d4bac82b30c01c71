-- The audit log: who created, changed or revoked keys, tenants, quotas, enrollment tokens, webhooks,
-- schedules, calendars and queues. Append-only for the runtime: baton_app may SELECT and INSERT,
-- never UPDATE or DELETE. Row-Level Security per tenant like every tenant table (the system scope
-- reads across tenants for system admins). Partitioned by month like job_events: retention drops
-- whole months as the owner (PostgresPartitionMaintenance). No foreign key to tenants: an entry
-- outlives what it describes.
CREATE SEQUENCE audit_log_id_seq AS bigint;
CREATE TABLE audit_log (
    id                  bigint      NOT NULL DEFAULT nextval('audit_log_id_seq'),
    tenant_id           text        NOT NULL,
    at                  timestamptz NOT NULL,
    actor_type          text        NOT NULL,
    actor_key_id        text,
    actor_tenant_id     text,
    actor_role          text,
    actor_system_admin  boolean     NOT NULL DEFAULT false,
    action              text        NOT NULL,
    target_type         text        NOT NULL,
    target_id           text        NOT NULL,
    source_address      text,
    summary             jsonb       NOT NULL,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
CREATE INDEX ix_audit_log_tenant ON audit_log (tenant_id, id);
CREATE INDEX ix_audit_log_id ON audit_log (id);
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT ON audit_log TO baton_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO baton_app;
