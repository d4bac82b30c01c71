-- The audit log: who created, changed or revoked keys, tenants, quotas, enrollment tokens, webhooks,
-- schedules, calendars and queues. Append-only: nothing in Baton updates or deletes an entry except
-- retention (SqliteRetentionStore), and the trigger refuses any UPDATE. No foreign key to tenants:
-- an entry outlives what it describes.
CREATE TABLE audit_log (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id           TEXT    NOT NULL,
    at                  INTEGER NOT NULL,
    actor_type          TEXT    NOT NULL,
    actor_key_id        TEXT,
    actor_tenant_id     TEXT,
    actor_role          TEXT,
    actor_system_admin  INTEGER NOT NULL DEFAULT 0,
    action              TEXT    NOT NULL,
    target_type         TEXT    NOT NULL,
    target_id           TEXT    NOT NULL,
    source_address      TEXT,
    summary             TEXT    NOT NULL
) STRICT;
-- A tenant's entries newest first (cursor paging), and the system view across tenants by id.
CREATE INDEX ix_audit_log_tenant ON audit_log (tenant_id, id);
CREATE INDEX ix_audit_log_at ON audit_log (at);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
