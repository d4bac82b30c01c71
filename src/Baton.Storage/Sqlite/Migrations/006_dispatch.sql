-- Dispatch decisions: the agent groups that serve a queue (JSON array; empty = every group), the
-- capacity a queue reserves for its high-priority jobs, and the CPU (millicores) and memory (MB) a
-- job requests. An agent's group travels in its capabilities JSON.
ALTER TABLE queues ADD COLUMN agent_groups TEXT NOT NULL DEFAULT '[]';
ALTER TABLE queues ADD COLUMN reserved_slots INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN reserved_min_priority INTEGER NOT NULL DEFAULT 0;

ALTER TABLE jobs ADD COLUMN cpu_millicores INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN memory_mb INTEGER NOT NULL DEFAULT 0;
-- Prefetch: the package versions a tenant published lately.
CREATE INDEX ix_package_versions_created ON package_versions (tenant_id, created_at);
