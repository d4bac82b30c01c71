using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Postgres;

/// <summary>
/// PostgreSQL's heartbeat batch (one per dispatcher tick), written in ONE statement: arrays of agents and of
/// reported jobs, unnested server-side. System scope: one tick batches the heartbeats of agents of many tenants.
/// </summary>
internal sealed class PostgresHeartbeatWriter(PostgresDatabase database, TimeProvider time) : Relational.IHeartbeatWriter
{
    public Task<IReadOnlyList<string>> RecordAsync(IReadOnlyList<AgentHeartbeat> heartbeats, TimeSpan leaseTtl, CancellationToken cancellationToken)
    {
        if (heartbeats.Count == 0) return Task.FromResult<IReadOnlyList<string>>([]);

        // One row per agent (an UPDATE … FROM touches a row once): the latest time, the last
        // capabilities and resources given, in the order the agents first appear.
        var agents = heartbeats
            .GroupBy(heartbeat => heartbeat.AgentId, StringComparer.Ordinal)
            .Select(group => new
            {
                AgentId = group.Key,
                At = group.Max(heartbeat => heartbeat.At),
                Capabilities = group.LastOrDefault(heartbeat => heartbeat.Capabilities is not null)?.Capabilities,
                Resources = group.LastOrDefault(heartbeat => heartbeat.Resources is not null)?.Resources,
            })
            .ToList();
        // One row per reported job attempt: the last report wins, its lease counted from its heartbeat.
        var reports = heartbeats
            .SelectMany(heartbeat => heartbeat.Running.Select(report => (heartbeat.AgentId, heartbeat.At, Report: report)))
            .GroupBy(item => (item.Report.JobId, item.AgentId, item.Report.Attempt))
            .Select(group => group.Last())
            // Rows in a stable order, so two replicas flushing overlapping batches lock them in the same order.
            .OrderBy(item => item.Report.JobId, StringComparer.Ordinal)
            .ToList();
        var agentRows = agents.OrderBy(agent => agent.AgentId, StringComparer.Ordinal).ToList();

        return database.InSystemAsync<IReadOnlyList<string>>(async (connection, transaction) =>
        {
            var cameBack = (await connection.QueryAsync<BackOnlineRow>(PgSql.Command(
                $"""
                WITH renewed AS (
                    -- Fenced: only the agent holding this attempt of an active job renews it.
                    UPDATE jobs j
                    SET lease_expires_at = r.lease_expires_at, progress = COALESCE(r.progress::jsonb, j.progress)
                    FROM unnest(@jobIds::text[], @jobAgentIds::text[], @attempts::integer[], @leases::timestamptz[], @progress::text[])
                         AS r(job_id, agent_id, attempt, lease_expires_at, progress)
                    WHERE j.id = r.job_id AND j.agent_id = r.agent_id AND j.attempt = r.attempt AND j.state IN {PgSql.ActiveStates}
                    RETURNING j.id
                ),
                beats AS (
                    SELECT * FROM unnest(@agentIds::text[], @ats::timestamptz[], @capabilities::text[], @resources::text[])
                         AS b(agent_id, at, capabilities, resources)
                ),
                before AS (
                    -- The state before this update (RETURNING sees only the new row); locked so it is current.
                    SELECT a.id, a.state FROM agents a JOIN beats b ON b.agent_id = a.id FOR UPDATE OF a
                )
                UPDATE agents a
                SET state = 'online',
                    last_heartbeat_at = GREATEST(a.last_heartbeat_at, b.at),
                    capabilities = COALESCE(b.capabilities::jsonb, a.capabilities),
                    resources = COALESCE(b.resources::jsonb, a.resources)
                FROM beats b, before o
                WHERE a.id = b.agent_id AND o.id = a.id
                RETURNING CASE WHEN o.state = 'offline' THEN a.id END AS Id, a.tenant_id AS TenantId, a.name AS Name;
                """,
                new
                {
                    jobIds = reports.Select(item => item.Report.JobId).ToArray(),
                    jobAgentIds = reports.Select(item => item.AgentId).ToArray(),
                    attempts = reports.Select(item => item.Report.Attempt).ToArray(),
                    leases = reports.Select(item => PgTime.ToDbUtc(item.At + leaseTtl)).ToArray(),
                    progress = reports.Select(item => item.Report.Progress is null ? null : StoredJson.Serialize(item.Report.Progress)).ToArray(),
                    agentIds = agentRows.Select(agent => agent.AgentId).ToArray(),
                    ats = agentRows.Select(agent => PgTime.ToDbUtc(agent.At)).ToArray(),
                    capabilities = agentRows.Select(agent => agent.Capabilities is null ? null : StoredJson.Serialize(agent.Capabilities)).ToArray(),
                    resources = agentRows.Select(agent => agent.Resources is null ? null : StoredJson.Serialize(agent.Resources)).ToArray(),
                },
                transaction, cancellationToken))).Where(row => row.Id is not null).ToList();
            var wasOffline = cameBack.Select(row => row.Id!).ToHashSet(StringComparer.Ordinal);
            // Thousands of agents can come back in one batch (after a partition): look their beats up by id, not by scan.
            var beatAt = agents.ToDictionary(agent => agent.AgentId, agent => agent.At, StringComparer.Ordinal);
            await Relational.TenantEvents.QueueAsync(PostgresDatabase.Session(connection, transaction, cancellationToken),
                [.. cameBack.Select(row => TenantEventPayloads.ForAgent(row.TenantId, row.Id!, row.Name, online: true, beatAt[row.Id!]))],
                time.GetUtcNow());
            return agents.Select(agent => agent.AgentId).Where(wasOffline.Contains).ToList();
        }, cancellationToken);
    }

    private sealed class BackOnlineRow
    {
        public string? Id { get; set; }
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
    }
}
