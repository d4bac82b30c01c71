using Baton.Core.AgentProtocol;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>Agents on PostgreSQL; the heartbeat batch lives in <c>PostgresAgentStore.Heartbeats.cs</c>.</summary>
internal sealed partial class PostgresAgentStore(PostgresDatabase database, TimeProvider time) : IAgentStore
{
    /// <summary>
    /// O(1) in the tenant's agents (migration 010): a tenant already at its quota is refused after one read of its
    /// online count; otherwise the agent is inserted — the trigger adds it to the count, holding the count's row until
    /// commit — and the count read again: past the quota (a concurrent registration took the last place), the agent is
    /// taken out again and refused. Registrations of a tenant wait on each other only for that last read and the commit.
    /// </summary>
    public Task<AgentRegistrationResult> RegisterAsync(NewAgent agent, int maxOnlineAgents, CancellationToken cancellationToken) =>
        database.InTenantAsync(agent.TenantId, async (connection, transaction) =>
        {
            const string online = "SELECT COALESCE((SELECT online FROM agent_counts WHERE tenant_id = @TenantId), 0);";
            if (await connection.ExecuteScalarAsync<int>(PgSql.Command(online, new { agent.TenantId }, transaction, cancellationToken)) >= maxOnlineAgents)
            {
                return AgentRegistrationResult.QuotaExceeded;
            }

            var now = PgTime.ToDb(time.GetUtcNow());
            var counted = await connection.ExecuteScalarAsync<int>(PgSql.Command(
                $"""
                INSERT INTO agents (id, tenant_id, name, credential_hash, state, capabilities, resources, slots, version, registered_at, last_heartbeat_at)
                VALUES (@Id, @TenantId, @Name, @CredentialHash, 'online', CAST(@Capabilities AS jsonb), CAST(@Resources AS jsonb), @Slots, @Version, @now, @now);
                {online}
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
            if (counted <= maxOnlineAgents) return AgentRegistrationResult.Registered;

            await connection.ExecuteAsync(PgSql.Command("DELETE FROM agents WHERE id = @Id;", new { agent.Id }, transaction, cancellationToken));
            return AgentRegistrationResult.QuotaExceeded;
        }, cancellationToken);

    // System scope: a presented agent credential names no tenant until the agent is found.
    public async Task<IReadOnlyList<AgentRecord>> FindForAuthenticationAsync(IReadOnlyCollection<string> agentIds, CancellationToken cancellationToken)
    {
        if (agentIds.Count == 0) return [];
        return await database.InSystemAsync<IReadOnlyList<AgentRecord>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<PostgresAgentRow>(PgSql.Command(
                $"SELECT {PostgresAgentRow.Columns} FROM agents WHERE id = ANY(@agentIds);", new { agentIds = agentIds.ToArray() }, transaction, cancellationToken));
            return [.. rows.Select(row => row.ToRecord())];
        }, cancellationToken);
    }

    public Task<AgentRecord?> GetAsync(string tenantId, string agentId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<PostgresAgentRow>(PgSql.Command(
                $"SELECT {PostgresAgentRow.Columns} FROM agents WHERE id = @agentId AND tenant_id = @tenantId;",
                new { tenantId, agentId }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<AgentRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<AgentRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<PostgresAgentRow>(PgSql.Command(
                $"SELECT {PostgresAgentRow.Columns} FROM agents WHERE tenant_id = @tenantId ORDER BY registered_at, id;",
                new { tenantId }, transaction, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<int> CountOnlineAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => CountOnlineAsync(connection, transaction, tenantId, cancellationToken), cancellationToken);

    // System scope: the janitor sweeps every tenant's agents in one statement.
    public Task<IReadOnlyList<AgentRecord>> MarkSilentAgentsOfflineAsync(DateTimeOffset silentSince, CancellationToken cancellationToken) =>
        database.InSystemAsync<IReadOnlyList<AgentRecord>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<PostgresAgentRow>(PgSql.Command(
                $"""
                UPDATE agents SET state = 'offline'
                WHERE state = 'online' AND COALESCE(last_heartbeat_at, registered_at) < @silentSince
                RETURNING {PostgresAgentRow.Columns};
                """,
                new { silentSince = PgTime.ToDb(silentSince) }, transaction, cancellationToken));
            var offline = rows.Select(row => row.ToRecord()).ToList();
            await PostgresTenantEvents.EnqueueAsync(connection, transaction,
                [.. offline.Select(agent => TenantEventPayloads.ForAgent(agent.TenantId, agent.Id, agent.Name, online: false, agent.LastHeartbeatAt))],
                PgTime.ToDb(time.GetUtcNow()), cancellationToken);
            return offline;
        }, cancellationToken);

    // System scope: the poll authenticates the agent by id; its jobs are looked up by agent id alone.
    public Task<AgentDirectives> GetDirectivesAsync(string agentId, IReadOnlyList<JobRef> running, CancellationToken cancellationToken) =>
        database.InSystemAsync(async (connection, transaction) =>
        {
            var held = await connection.QueryAsync<SharedHeldJobRow>(PgSql.Command(
                $"SELECT {PostgresSharedPoolStore.HeldColumns} FROM jobs WHERE agent_id = @agentId AND state IN {PgSql.ActiveStates};",
                new { agentId }, transaction, cancellationToken));
            return AgentDirectives.From(held.Select(row => row.ToRecord()), running);
        }, cancellationToken);

    public Task<IReadOnlyDictionary<string, int>> CountActiveJobsByAgentAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyDictionary<string, int>>(tenantId, async (connection, transaction) =>
        {
            // Every agent of the tenant, holding zero jobs or more.
            var rows = await connection.QueryAsync<AgentJobCountRow>(PgSql.Command(
                $"""
                SELECT a.id AS AgentId, COUNT(j.id)::integer AS Jobs
                FROM agents a LEFT JOIN jobs j ON j.agent_id = a.id AND j.tenant_id = a.tenant_id AND j.state IN {PgSql.ActiveStates}
                WHERE a.tenant_id = @tenantId
                GROUP BY a.id;
                """,
                new { tenantId }, transaction, cancellationToken));
            return rows.ToDictionary(row => row.AgentId, row => row.Jobs);
        }, cancellationToken);

    public Task<IReadOnlyDictionary<string, AgentLoad>> GetActiveLoadsAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyDictionary<string, AgentLoad>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<AgentLoadByIdRow>(PgSql.Command(
                $"""
                SELECT a.id AS AgentId, COUNT(j.id)::bigint AS Jobs, COALESCE(SUM(j.cpu_millicores), 0)::bigint AS CpuMillicores,
                       COALESCE(SUM(j.memory_mb), 0)::bigint AS MemoryMb
                FROM agents a LEFT JOIN jobs j ON j.agent_id = a.id AND j.tenant_id = a.tenant_id AND j.state IN {PgSql.ActiveStates}
                WHERE a.tenant_id = @tenantId
                GROUP BY a.id;
                """,
                new { tenantId }, transaction, cancellationToken));
            return rows.ToDictionary(row => row.AgentId, row => new AgentLoad((int)row.Jobs, (int)row.CpuMillicores, row.MemoryMb));
        }, cancellationToken);

    private static Task<int> CountOnlineAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(PgSql.Command(
            "SELECT COUNT(*)::integer FROM agents WHERE tenant_id = @tenantId AND state = 'online';", new { tenantId }, transaction, cancellationToken));

    private sealed class AgentJobCountRow
    {
        public string AgentId { get; set; } = "";
        public int Jobs { get; set; }
    }
}
