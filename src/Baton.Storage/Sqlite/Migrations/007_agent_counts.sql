-- Each tenant's online agents, counted by triggers as agents change, so a registration checks the
-- agents quota in O(1) instead of counting the tenant's agents each time.
CREATE TABLE agent_counts (
    tenant_id  TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    online     INTEGER NOT NULL DEFAULT 0
);

INSERT INTO agent_counts (tenant_id, online)
SELECT tenant_id, COUNT(*) FROM agents WHERE state = 'online' GROUP BY tenant_id;

CREATE TRIGGER agent_counts_insert AFTER INSERT ON agents WHEN NEW.state = 'online'
BEGIN
    INSERT INTO agent_counts (tenant_id, online) VALUES (NEW.tenant_id, 1)
    ON CONFLICT (tenant_id) DO UPDATE SET online = online + 1;
END;

CREATE TRIGGER agent_counts_update AFTER UPDATE OF state ON agents
WHEN (NEW.state = 'online') <> (OLD.state = 'online')
BEGIN
    INSERT INTO agent_counts (tenant_id, online) VALUES (NEW.tenant_id, CASE WHEN NEW.state = 'online' THEN 1 ELSE -1 END)
    ON CONFLICT (tenant_id) DO UPDATE SET online = online + excluded.online;
END;

CREATE TRIGGER agent_counts_delete AFTER DELETE ON agents WHEN OLD.state = 'online'
BEGIN
    UPDATE agent_counts SET online = online - 1 WHERE tenant_id = OLD.tenant_id;
END;
