-- Each tenant's online agents, counted as agents change (a statement-level trigger over the rows each
-- statement inserted, updated or deleted), so a registration checks the agents quota in O(1): it no
-- longer takes a per-tenant lock for the whole registration and counts the tenant's agents each time,
-- which made 10,000 registrations of one tenant take a minute. A registration inserts its agent (the
-- trigger adds one, holding the tenant's count row until commit), reads the count, and takes the agent
-- out again when the count passed the quota — so the quota holds exactly under concurrent registrations.
CREATE TABLE agent_counts (
    tenant_id  text    NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    online     integer NOT NULL DEFAULT 0
);

INSERT INTO agent_counts (tenant_id, online)
SELECT tenant_id, COUNT(*) FROM agents WHERE state = 'online' GROUP BY tenant_id;

-- Each function adds one statement's changes per tenant (rows grouped per tenant, so the upsert sees each tenant once).
CREATE FUNCTION agent_counts_after_insert() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO agent_counts (tenant_id, online)
    SELECT tenant_id, COUNT(*) FROM new_rows WHERE state = 'online' GROUP BY tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET online = agent_counts.online + EXCLUDED.online;
    RETURN NULL;
END;
$$;

CREATE FUNCTION agent_counts_after_update() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    -- A heartbeat batch changes no state: every delta is zero and nothing is written.
    INSERT INTO agent_counts (tenant_id, online)
    SELECT tenant_id, SUM(delta) FROM (
        SELECT tenant_id, 1 AS delta FROM new_rows WHERE state = 'online'
        UNION ALL
        SELECT tenant_id, -1 FROM old_rows WHERE state = 'online') changes
    GROUP BY tenant_id HAVING SUM(delta) <> 0
    ON CONFLICT (tenant_id) DO UPDATE SET online = agent_counts.online + EXCLUDED.online;
    RETURN NULL;
END;
$$;

CREATE FUNCTION agent_counts_after_delete() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE agent_counts c SET online = c.online - d.n
    FROM (SELECT tenant_id, COUNT(*) AS n FROM old_rows WHERE state = 'online' GROUP BY tenant_id) d
    WHERE c.tenant_id = d.tenant_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER agent_counts_insert AFTER INSERT ON agents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION agent_counts_after_insert();
CREATE TRIGGER agent_counts_update AFTER UPDATE ON agents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION agent_counts_after_update();
CREATE TRIGGER agent_counts_delete AFTER DELETE ON agents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION agent_counts_after_delete();

ALTER TABLE agent_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON agent_counts
    USING (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on')
    WITH CHECK (tenant_id = current_setting('baton.tenant_id', true) OR current_setting('baton.system', true) = 'on');

GRANT SELECT, INSERT, UPDATE ON agent_counts TO baton_app;
