using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

/// <summary>SQLite's heartbeat batch (one per dispatcher tick): row by row in one write transaction under the single writer.</summary>
internal sealed class SqliteHeartbeatWriter(SqliteDatabase database, TimeProvider time) : Relational.IHeartbeatWriter
{
    private const string ActiveStates = "('assigned', 'running')";

    public Task<IReadOnlyList<string>> RecordAsync(IReadOnlyList<AgentHeartbeat> heartbeats, TimeSpan leaseTtl, CancellationToken cancellationToken)
    {
        if (heartbeats.Count == 0) return Task.FromResult<IReadOnlyList<string>>([]);
        return database.WriteAsync<IReadOnlyList<string>>(async (connection, transaction) =>
        {
            var backOnline = new List<string>();
            foreach (var heartbeat in heartbeats)
            {
                var found = await connection.QuerySingleOrDefaultAsync<AgentStateRow>(Sql.Command(
                    "SELECT state AS State, tenant_id AS TenantId, name AS Name FROM agents WHERE id = @AgentId;", new { heartbeat.AgentId }, transaction, cancellationToken));
                if (found is null) continue;
                if (found.State == Relational.AgentRow.Offline && !backOnline.Contains(heartbeat.AgentId))
                {
                    backOnline.Add(heartbeat.AgentId);
                    await Relational.TenantEvents.QueueAsync(SqliteDatabase.Session(connection, transaction, cancellationToken),
                        [TenantEventPayloads.ForAgent(found.TenantId, heartbeat.AgentId, found.Name, online: true, heartbeat.At)], time.GetUtcNow());
                }

                var at = StoredTime.ToMs(heartbeat.At);
                await connection.ExecuteAsync(Sql.Command(
                    """
                    UPDATE agents
                    SET state = 'online',
                        last_heartbeat_at = CASE WHEN last_heartbeat_at IS NULL OR last_heartbeat_at < @at THEN @at ELSE last_heartbeat_at END,
                        capabilities = COALESCE(@capabilities, capabilities),
                        resources = COALESCE(@resources, resources)
                    WHERE id = @AgentId;
                    """,
                    new
                    {
                        heartbeat.AgentId,
                        at,
                        capabilities = heartbeat.Capabilities is null ? null : StoredJson.Serialize(heartbeat.Capabilities),
                        resources = heartbeat.Resources is null ? null : StoredJson.Serialize(heartbeat.Resources),
                    },
                    transaction, cancellationToken));

                var leaseExpiresAt = at + (long)leaseTtl.TotalMilliseconds;
                foreach (var report in heartbeat.Running)
                {
                    // Fenced: only the agent holding this attempt of an active job renews it.
                    await connection.ExecuteAsync(Sql.Command(
                        $"""
                        UPDATE jobs SET lease_expires_at = @leaseExpiresAt, progress = COALESCE(@progress, progress)
                        WHERE id = @JobId AND agent_id = @AgentId AND attempt = @Attempt AND state IN {ActiveStates};
                        """,
                        new
                        {
                            report.JobId,
                            heartbeat.AgentId,
                            report.Attempt,
                            leaseExpiresAt,
                            progress = report.Progress is null ? null : StoredJson.Serialize(report.Progress),
                        },
                        transaction, cancellationToken));
                }
            }
            return backOnline;
        }, cancellationToken);
    }

    private sealed class AgentStateRow
    {
        public string State { get; set; } = "";
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
    }
}
