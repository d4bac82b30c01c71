-- Per-job log limit: the bytes (UTF-8) of a job's stored lines, and the last attempt whose output was cut
-- at the limit (the cut is said once per attempt, as a line of the log). Neither column is indexed, so the
-- append's update of the job row stays a HOT update.
ALTER TABLE jobs ADD COLUMN log_bytes bigint NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN log_cut_attempt integer NOT NULL DEFAULT 0;

-- Log bytes stored per tenant and UTC day, over 16 rows per day so that concurrent log batches of one tenant
-- rarely wait on the same row lock; a tenant's storage use sums the days still within retention.
CREATE TABLE log_usage (
    tenant_id text     NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    day       date     NOT NULL,
    shard     smallint NOT NULL,
    bytes     bigint   NOT NULL,
    PRIMARY KEY (tenant_id, day, shard)
);

ALTER TABLE log_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE log_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON log_usage
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON log_usage TO baton_app;
