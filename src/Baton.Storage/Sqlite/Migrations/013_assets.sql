-- Assets (issue 16): tenant-owned named values a job reads by name. An asset may be scoped to one queue
-- and/or one agent group (only jobs of that queue, on agents of that group, can read it). Its values:
-- the default (agent_group '') and per-agent-group overrides. A credential's secret is stored sealed by
-- the server (bsec1:…, the tenant's data key); the store neither seals nor opens it.
CREATE TABLE assets (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    queue        TEXT,
    agent_group  TEXT,
    description  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name)
) STRICT;

CREATE TABLE asset_values (
    tenant_id    TEXT    NOT NULL,
    asset_name   TEXT    NOT NULL,
    agent_group  TEXT    NOT NULL,
    value        TEXT,
    username     TEXT,
    secret       TEXT,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, asset_name, agent_group),
    FOREIGN KEY (tenant_id, asset_name) REFERENCES assets (tenant_id, name) ON DELETE CASCADE
) STRICT;

-- A job's last checkpoint (JSON text), kept across its attempts so a retry resumes from it.
CREATE TABLE job_checkpoints (
    job_id     TEXT    NOT NULL PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    tenant_id  TEXT    NOT NULL,
    attempt    INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    saved_at   INTEGER NOT NULL
) STRICT;
