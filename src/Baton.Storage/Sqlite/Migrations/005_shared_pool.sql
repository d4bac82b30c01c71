-- The shared agent pool. Shared agents and shared enrollment tokens belong to a reserved tenant row
-- ('t_shared_pool'); it owns no jobs and no queues, and its own shared-pool weight is 0.
INSERT OR IGNORE INTO tenants (id, name, tier, overrides, created_at)
VALUES ('t_shared_pool', 'shared-pool', 'enterprise', '{"sharedPoolWeight":0}', 0);

-- Agent-milliseconds each tenant used on shared agents, per minute (unix minutes UTC): the fair-share
-- window and "today" are sums over a few hundred rows. Running jobs are added from the jobs table.
CREATE TABLE shared_pool_usage (
    minute     INTEGER NOT NULL,
    tenant_id  TEXT    NOT NULL,
    agent_ms   INTEGER NOT NULL,
    PRIMARY KEY (minute, tenant_id)
) STRICT;
