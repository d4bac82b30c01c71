-- Tenant events (an outbox read by webhooks and the events stream), webhooks and their deliveries.
-- Event ids count per tenant from event_sequences: the row is locked by the transaction that
-- writes an event until it commits, so a tenant's ids are gap-free and in commit order and a
-- cursor "after id N" never skips an event committed later (a global sequence could).
CREATE TABLE event_sequences (
    tenant_id  text   NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    last_id    bigint NOT NULL
);

-- Partitioned by month like job_events (PostgresPartitionMaintenance creates events_pYYYYMM ahead and
-- drops them past retention); the DEFAULT partition catches anything outside them.
CREATE TABLE events (
    tenant_id   text        NOT NULL,
    id          bigint      NOT NULL,
    type        text        NOT NULL,
    subject_id  text        NOT NULL,
    payload     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX ix_events_type_subject ON events (tenant_id, type, subject_id, created_at);
CREATE TABLE events_default PARTITION OF events DEFAULT;

CREATE TABLE webhooks (
    id            text        NOT NULL PRIMARY KEY,
    tenant_id     text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url           text        NOT NULL,
    secret        text        NOT NULL,
    event_types   jsonb       NOT NULL,
    enabled       boolean     NOT NULL,
    description   text,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    event_cursor  bigint      NOT NULL
);
CREATE INDEX ix_webhooks_tenant ON webhooks (tenant_id, created_at);

CREATE TABLE webhook_deliveries (
    id                text        NOT NULL PRIMARY KEY,
    tenant_id         text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    webhook_id        text        NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id          bigint,
    event_type        text        NOT NULL,
    body              text        NOT NULL,
    state             text        NOT NULL,
    attempts          integer     NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,
    lease_token       text,
    last_attempt_at   timestamptz,
    last_status_code  integer,
    last_error        text,
    last_duration_ms  integer,
    created_at        timestamptz NOT NULL,
    delivered_at      timestamptz,
    redelivery_of     text
);
-- The claim's due scan.
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX ix_webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
-- The fan-out creates one delivery per webhook and event, even if it ran twice.
CREATE UNIQUE INDEX ux_webhook_deliveries_event ON webhook_deliveries (webhook_id, event_id)
    WHERE event_id IS NOT NULL AND redelivery_of IS NULL;

DO $$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['event_sequences', 'events', 'webhooks', 'webhook_deliveries']
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

GRANT SELECT, INSERT, UPDATE, DELETE ON event_sequences, events, webhooks, webhook_deliveries TO baton_app;
