-- Tenant events (an outbox read by webhooks and the events stream), webhooks and their deliveries.
-- Event ids count per tenant from event_sequences, allocated inside the transaction that writes the
-- event, so they are gap-free and in commit order: a cursor "after id N" never skips one.
CREATE TABLE event_sequences (
    tenant_id  TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    last_id    INTEGER NOT NULL
) STRICT;

CREATE TABLE events (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    subject_id  TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
-- "One quota.reached per quota per hour": the newest event of a type and subject.
CREATE INDEX ix_events_type_subject ON events (tenant_id, type, subject_id, created_at);

CREATE TABLE webhooks (
    id            TEXT    NOT NULL PRIMARY KEY,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url           TEXT    NOT NULL,
    secret        TEXT    NOT NULL,
    event_types   TEXT    NOT NULL,
    enabled       INTEGER NOT NULL,
    description   TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    event_cursor  INTEGER NOT NULL
) STRICT;
CREATE INDEX ix_webhooks_tenant ON webhooks (tenant_id, created_at);

CREATE TABLE webhook_deliveries (
    id                TEXT    NOT NULL PRIMARY KEY,
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    webhook_id        TEXT    NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id          INTEGER,
    event_type        TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    lease_token       TEXT,
    last_attempt_at   INTEGER,
    last_status_code  INTEGER,
    last_error        TEXT,
    last_duration_ms  INTEGER,
    created_at        INTEGER NOT NULL,
    delivered_at      INTEGER,
    redelivery_of     TEXT
) STRICT;
-- The claim's due scan.
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX ix_webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
-- The fan-out creates one delivery per webhook and event, even if it ran twice.
CREATE UNIQUE INDEX ux_webhook_deliveries_event ON webhook_deliveries (webhook_id, event_id)
    WHERE event_id IS NOT NULL AND redelivery_of IS NULL;
