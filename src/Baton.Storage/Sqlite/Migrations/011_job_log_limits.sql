-- Per-job log limit: the bytes (UTF-8) of a job's stored lines, and the last attempt whose output was cut
-- at the limit (the cut is said once per attempt, as a line of the log).
ALTER TABLE jobs ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN log_cut_attempt INTEGER NOT NULL DEFAULT 0;

-- Log bytes stored per tenant and UTC day (days since the epoch), over a few rows per day; a tenant's
-- storage use adds the days still within retention.
CREATE TABLE log_usage (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day       INTEGER NOT NULL,
    shard     INTEGER NOT NULL,
    bytes     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day, shard)
) STRICT;
