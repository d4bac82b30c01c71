using Baton.Core.AgentProtocol;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>Agents; the heartbeat batch is in <c>AgentStore.Heartbeats.cs</c>.</summary>
internal sealed partial class AgentStore(IStoreDatabase database, TimeProvider time) : IAgentStore
{
    // Dapper reads a row straight into an AgentRecord (the state through its stored form).
    private static readonly string[] All =
    [
        "id", "tenant_id", "name", "credential_hash", "state AS StoredState", "capabilities", "resources", "slots", "version", "registered_at",
        "last_heartbeat_at",
    ];

    private static readonly string Select = Columns.Select(All);
    private static readonly string Insert = $"INSERT INTO agents ({Columns.Names(All)}) VALUES ({Columns.Values(All)});";

    /// <summary>
    /// O(1) in the tenant's agents (the <c>agent_counts</c> triggers): a tenant already at its quota is refused after one
    /// read of its online count; otherwise the agent is inserted — the trigger adds it to the count, holding the count's
    /// row until commit on PostgreSQL — and the count read again: past the quota (a concurrent registration on another
    /// replica took the last place), the agent is taken out again and refused.
    /// </summary>
    public Task<AgentRegistrationResult> RegisterAsync(NewAgent agent, int maxOnlineAgents, CancellationToken cancellationToken) =>
        database.WriteAsync(agent.TenantId, async session =>
        {
            const string online = "SELECT COALESCE((SELECT online FROM agent_counts WHERE tenant_id = @TenantId), 0);";
            if (await session.ScalarAsync<int>(online, new { agent.TenantId }) >= maxOnlineAgents) return AgentRegistrationResult.QuotaExceeded;

            var now = time.GetUtcNow();
            await session.ExecuteAsync(Insert, new
            {
                agent.Id, agent.TenantId, agent.Name, agent.CredentialHash, StoredState = AgentState.Online.ToText(), agent.Capabilities,
                agent.Resources, agent.Slots, agent.Version, RegisteredAt = now, LastHeartbeatAt = now,
            });
            if (await session.ScalarAsync<int>(online, new { agent.TenantId }) <= maxOnlineAgents) return AgentRegistrationResult.Registered;

            await session.ExecuteAsync("DELETE FROM agents WHERE id = @Id;", new { agent.Id });
            return AgentRegistrationResult.QuotaExceeded;
        }, cancellationToken);

    // System scope: a presented agent credential names no tenant until the agent is found.
    public async Task<IReadOnlyList<AgentRecord>> FindForAuthenticationAsync(IReadOnlyCollection<string> agentIds, CancellationToken cancellationToken)
    {
        if (agentIds.Count == 0) return [];
        return await database.SystemReadAsync(session => session.ListAsync<AgentRecord>(
            $"SELECT {Select} FROM agents WHERE {session.Dialect.InList("id", "agentIds")};", new { agentIds = new TextList([.. agentIds]) }), cancellationToken);
    }

    public Task<AgentRecord?> GetAsync(string tenantId, string agentId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.QuerySingleOrDefaultAsync<AgentRecord>(
            $"SELECT {Select} FROM agents WHERE id = @agentId AND tenant_id = @tenantId;", new { tenantId, agentId }), cancellationToken);

    public Task<IReadOnlyList<AgentRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ListAsync<AgentRecord>(
            $"SELECT {Select} FROM agents WHERE tenant_id = @tenantId ORDER BY registered_at, id;", new { tenantId }), cancellationToken);

    public Task<int> CountOnlineAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ScalarAsync<int>(
            "SELECT COUNT(*) FROM agents WHERE tenant_id = @tenantId AND state = 'online';", new { tenantId }), cancellationToken);

    // System scope: the janitor sweeps every tenant's agents in one statement.
    public Task<IReadOnlyList<AgentRecord>> MarkSilentAgentsOfflineAsync(DateTimeOffset silentSince, CancellationToken cancellationToken) =>
        database.SystemWriteAsync<IReadOnlyList<AgentRecord>>(async session =>
        {
            var offline = (await session.QueryAsync<AgentRecord>(
                $"""
                UPDATE agents SET state = 'offline'
                WHERE state = 'online' AND COALESCE(last_heartbeat_at, registered_at) < @silentSince
                RETURNING {Select};
                """,
                new { silentSince })).ToList();
            await TenantEvents.QueueAsync(session,
                [.. offline.Select(agent => TenantEventPayloads.ForAgent(agent.TenantId, agent.Id, agent.Name, online: false, agent.LastHeartbeatAt))],
                time.GetUtcNow());
            return offline;
        }, cancellationToken);

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<HeldJob>>> ListHeldJobsAsync(
        IReadOnlyCollection<string> agentIds, CancellationToken cancellationToken)
    {
        if (agentIds.Count == 0) return new Dictionary<string, IReadOnlyList<HeldJob>>(StringComparer.Ordinal);
        // System scope: the poll authenticated the agents by id; their jobs are found by agent id alone.
        var rows = await database.SystemReadAsync(session => session.QueryAsync<HeldJob, string, (HeldJob Job, string AgentId)>(
            $"SELECT {HeldJob.Select}, agent_id AS AgentId FROM jobs WHERE {session.Dialect.InList("agent_id", "agentIds")} AND state IN {JobRow.ActiveStates};",
            (job, agentId) => (job, agentId), splitOn: "AgentId", new { agentIds = new TextList([.. agentIds]) }), cancellationToken);
        return rows.GroupBy(row => row.AgentId, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => (IReadOnlyList<HeldJob>)[.. group.Select(row => row.Job)], StringComparer.Ordinal);
    }

    public async Task<IReadOnlyDictionary<string, int>> CountActiveJobsByAgentAsync(string tenantId, CancellationToken cancellationToken) =>
        (await GetActiveLoadsAsync(tenantId, cancellationToken)).ToDictionary(load => load.Key, load => load.Value.Jobs);

    public Task<IReadOnlyDictionary<string, AgentLoad>> GetActiveLoadsAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyDictionary<string, AgentLoad>>(tenantId, async session => (await session.QueryAsync<AgentLoadRow>(
            // Every agent of the tenant, holding zero jobs or more.
            $"""
            SELECT a.id AS AgentId, COUNT(j.id) AS Jobs, CAST(COALESCE(SUM(j.cpu_millicores), 0) AS bigint) AS CpuMillicores,
                   CAST(COALESCE(SUM(j.memory_mb), 0) AS bigint) AS MemoryMb
            FROM agents a LEFT JOIN jobs j ON j.agent_id = a.id AND j.tenant_id = a.tenant_id AND j.state IN {JobRow.ActiveStates}
            WHERE a.tenant_id = @tenantId
            GROUP BY a.id;
            """,
            new { tenantId })).ToDictionary(row => row.AgentId, row => row.ToLoad()), cancellationToken);
}
