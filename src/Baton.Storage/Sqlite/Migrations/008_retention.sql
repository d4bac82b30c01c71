-- Retention (SqliteRetentionStore): every table that grows with use is pruned by age, in batches that
-- find their rows through these indexes instead of scanning the table.
CREATE INDEX ix_job_events_at ON job_events (at);
CREATE INDEX ix_job_logs_at ON job_logs (at);
CREATE INDEX ix_events_created ON events (created_at);
-- Only settled deliveries are pruned; pending ones are still being attempted.
CREATE INDEX ix_webhook_deliveries_settled ON webhook_deliveries (created_at) WHERE state <> 'pending';
