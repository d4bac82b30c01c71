-- The shared agent pool. Shared agents and shared enrollment tokens belong to a reserved tenant row
-- ('t_shared_pool'); it owns no jobs and no queues, and its own shared-pool weight is 0.
-- tenants has forced Row-Level Security: the owner writes it only in the system scope.
SELECT set_config('baton.system', 'on', true);
INSERT INTO tenants (id, name, tier, overrides, created_at)
VALUES ('t_shared_pool', 'shared-pool', 'enterprise', '{"sharedPoolWeight":0}'::jsonb, to_timestamp(0))
ON CONFLICT DO NOTHING;
SELECT set_config('baton.system', 'off', true);

-- Agent-milliseconds each tenant used on shared agents, per minute (unix minutes UTC): the fair-share
-- window and "today" are sums over a few hundred rows. Running jobs are added from the jobs table.
CREATE TABLE shared_pool_usage (
    minute     bigint NOT NULL,
    tenant_id  text   NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    agent_ms   bigint NOT NULL,
    PRIMARY KEY (minute, tenant_id)
);

ALTER TABLE shared_pool_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE shared_pool_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shared_pool_usage
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON shared_pool_usage TO baton_app;
