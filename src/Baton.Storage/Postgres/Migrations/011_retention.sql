-- Retention (PostgresRetentionStore): settled webhook deliveries are deleted by age (the table is not
-- partitioned: deliveries are few next to log lines); this index finds them without a scan.
CREATE INDEX ix_webhook_deliveries_settled ON webhook_deliveries (created_at) WHERE state <> 'pending';
