using Baton.Core.AgentProtocol;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>Agents on SQLite; the heartbeat batch lives in <c>SqliteAgentStore.Heartbeats.cs</c>.</summary>
internal sealed partial class SqliteAgentStore(SqliteDatabase database, TimeProvider time) : IAgentStore
{
    private const string ActiveStates = "('assigned', 'running')";

    public Task<AgentRegistrationResult> RegisterAsync(NewAgent agent, int maxOnlineAgents, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            // Kept by triggers as agents come and go (migration 007): no count of the tenant's agents per registration.
            var online = await connection.ExecuteScalarAsync<long>(Sql.Command(
                "SELECT COALESCE((SELECT online FROM agent_counts WHERE tenant_id = @TenantId), 0);", new { agent.TenantId }, transaction, cancellationToken));
            if (online >= maxOnlineAgents) return AgentRegistrationResult.QuotaExceeded;

            var now = StoredTime.ToMs(time.GetUtcNow());
            await connection.ExecuteAsync(Sql.Command(
                """
                INSERT INTO agents (id, tenant_id, name, credential_hash, state, capabilities, resources, slots, version, registered_at, last_heartbeat_at)
                VALUES (@Id, @TenantId, @Name, @CredentialHash, 'online', @Capabilities, @Resources, @Slots, @Version, @now, @now);
                """,
                new
                {
                    agent.Id,
                    agent.TenantId,
                    agent.Name,
                    agent.CredentialHash,
                    Capabilities = StoredJson.Serialize(agent.Capabilities),
                    Resources = StoredJson.Serialize(agent.Resources),
                    agent.Slots,
                    agent.Version,
                    now,
                },
                transaction, cancellationToken));
            return AgentRegistrationResult.Registered;
        }, cancellationToken);

    public async Task<IReadOnlyList<AgentRecord>> FindForAuthenticationAsync(IReadOnlyCollection<string> agentIds, CancellationToken cancellationToken)
    {
        if (agentIds.Count == 0) return [];
        return await database.ReadAsync<IReadOnlyList<AgentRecord>>(async connection =>
        {
            // One JSON array parameter, whatever the number of ids (SQLite caps the number of parameters).
            var rows = await connection.QueryAsync<SqliteAgentRow>(Sql.Command(
                $"SELECT {SqliteAgentRow.Columns} FROM agents WHERE id IN (SELECT value FROM json_each(@agentIds));",
                new { agentIds = System.Text.Json.JsonSerializer.Serialize(agentIds) }, cancellationToken));
            return [.. rows.Select(row => row.ToRecord())];
        }, cancellationToken);
    }

    public Task<AgentRecord?> GetAsync(string tenantId, string agentId, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<SqliteAgentRow>(Sql.Command(
                $"SELECT {SqliteAgentRow.Columns} FROM agents WHERE id = @agentId AND tenant_id = @tenantId;", new { tenantId, agentId }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<AgentRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<AgentRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<SqliteAgentRow>(Sql.Command(
                $"SELECT {SqliteAgentRow.Columns} FROM agents WHERE tenant_id = @tenantId ORDER BY registered_at, id;", new { tenantId }, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<int> CountOnlineAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => CountOnlineAsync(connection, null, tenantId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<AgentRecord>> MarkSilentAgentsOfflineAsync(DateTimeOffset silentSince, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<AgentRecord>>(async (connection, transaction) =>
        {
            var rows = (await connection.QueryAsync<SqliteAgentRow>(Sql.Command(
                $"""
                SELECT {SqliteAgentRow.Columns} FROM agents
                WHERE state = 'online' AND COALESCE(last_heartbeat_at, registered_at) < @silentSince;
                """,
                new { silentSince = StoredTime.ToMs(silentSince) }, transaction, cancellationToken))).ToList();

            var wentOffline = new List<AgentRecord>(rows.Count);
            foreach (var row in rows)
            {
                var updated = await connection.ExecuteAsync(Sql.Command(
                    "UPDATE agents SET state = 'offline' WHERE id = @Id AND state = 'online';", new { row.Id }, transaction, cancellationToken));
                if (updated != 1) continue;
                row.State = SqliteAgentRow.Offline;
                var agent = row.ToRecord();
                wentOffline.Add(agent);
                await SqliteTenantEvents.AppendAsync(connection, transaction,
                    TenantEventPayloads.ForAgent(agent.TenantId, agent.Id, agent.Name, online: false, agent.LastHeartbeatAt),
                    StoredTime.ToMs(time.GetUtcNow()), cancellationToken);
            }
            return wentOffline;
        }, cancellationToken);

    public Task<AgentDirectives> GetDirectivesAsync(string agentId, IReadOnlyList<JobRef> running, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var held = await connection.QueryAsync<SharedHeldJobRow>(Sql.Command(
                $"SELECT {SqliteSharedPoolStore.HeldColumns} FROM jobs WHERE agent_id = @agentId AND state IN {ActiveStates};",
                new { agentId }, cancellationToken));
            return AgentDirectives.From(held.Select(row => row.ToRecord()), running);
        }, cancellationToken);

    public Task<IReadOnlyDictionary<string, int>> CountActiveJobsByAgentAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyDictionary<string, int>>(async connection =>
        {
            // Every agent of the tenant, holding zero jobs or more.
            var rows = await connection.QueryAsync<AgentJobCountRow>(Sql.Command(
                $"""
                SELECT a.id AS AgentId, COUNT(j.id) AS Jobs
                FROM agents a LEFT JOIN jobs j ON j.agent_id = a.id AND j.tenant_id = a.tenant_id AND j.state IN {ActiveStates}
                WHERE a.tenant_id = @tenantId
                GROUP BY a.id;
                """,
                new { tenantId }, cancellationToken));
            return rows.ToDictionary(row => row.AgentId, row => (int)row.Jobs);
        }, cancellationToken);

    public Task<IReadOnlyDictionary<string, AgentLoad>> GetActiveLoadsAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyDictionary<string, AgentLoad>>(async connection =>
        {
            var rows = await connection.QueryAsync<AgentLoadByIdRow>(Sql.Command(
                $"""
                SELECT a.id AS AgentId, COUNT(j.id) AS Jobs, COALESCE(SUM(j.cpu_millicores), 0) AS CpuMillicores, COALESCE(SUM(j.memory_mb), 0) AS MemoryMb
                FROM agents a LEFT JOIN jobs j ON j.agent_id = a.id AND j.tenant_id = a.tenant_id AND j.state IN {ActiveStates}
                WHERE a.tenant_id = @tenantId
                GROUP BY a.id;
                """,
                new { tenantId }, cancellationToken));
            return rows.ToDictionary(row => row.AgentId, row => new AgentLoad((int)row.Jobs, (int)row.CpuMillicores, row.MemoryMb));
        }, cancellationToken);

    private static Task<int> CountOnlineAsync(SqliteConnection connection, SqliteTransaction? transaction, string tenantId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(Sql.Command(
            "SELECT COUNT(*) FROM agents WHERE tenant_id = @tenantId AND state = 'online';", new { tenantId }, transaction, cancellationToken));

    private sealed class AgentJobCountRow
    {
        public string AgentId { get; set; } = "";
        public long Jobs { get; set; }
    }
}
