using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

// The heartbeat batch (one per dispatcher tick): renews the leases of the reported jobs, records the agents' last heartbeat
// and what they report, and answers the agents that were offline and are back (each with its 'online' tenant event).
// System scope: one tick batches the heartbeats of agents of many tenants.
internal sealed partial class AgentStore
{
    /// <summary>
    /// The whole batch in one statement over lists: one row per agent (an <c>UPDATE … FROM</c> touches a row once: the latest
    /// time, the last capabilities and resources given) and one per reported job attempt (the last report wins, its lease
    /// counted from its heartbeat), both in a stable order so two replicas flushing overlapping batches lock rows alike.
    /// </summary>
    public Task<IReadOnlyList<string>> RecordHeartbeatsAsync(IReadOnlyList<AgentHeartbeat> heartbeats, TimeSpan leaseTtl, CancellationToken cancellationToken)
    {
        if (heartbeats.Count == 0) return Task.FromResult<IReadOnlyList<string>>([]);
        // In the order the agents first appear.
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
        var reports = heartbeats
            .SelectMany(heartbeat => heartbeat.Running.Select(report => (heartbeat.AgentId, heartbeat.At, Report: report)))
            .GroupBy(item => (item.Report.JobId, item.AgentId, item.Report.Attempt))
            .Select(group => group.Last())
            .OrderBy(item => item.Report.JobId, StringComparer.Ordinal)
            .ToList();
        var agentRows = agents.OrderBy(agent => agent.AgentId, StringComparer.Ordinal).ToList();

        return database.SystemWriteAsync<IReadOnlyList<string>>(async session =>
        {
            var cameBack = (await session.QueryAsync<BackOnlineRow>(session.Dialect.HeartbeatAgentWrite, new
            {
                jobIds = ValueList.Of(reports.Select(item => item.Report.JobId)),
                jobAgentIds = ValueList.Of(reports.Select(item => item.AgentId)),
                attempts = ValueList.Of(reports.Select(item => item.Report.Attempt)),
                leases = ValueList.Of(reports.Select(item => item.At + leaseTtl)),
                progress = ValueList.Of(reports.Select(item => item.Report.Progress is null ? null : StoredJson.Serialize(item.Report.Progress))),
                agentIds = ValueList.Of(agentRows.Select(agent => agent.AgentId)),
                ats = ValueList.Of(agentRows.Select(agent => agent.At)),
                capabilities = ValueList.Of(agentRows.Select(agent => agent.Capabilities is null ? null : StoredJson.Serialize(agent.Capabilities))),
                resources = ValueList.Of(agentRows.Select(agent => agent.Resources is null ? null : StoredJson.Serialize(agent.Resources))),
            })).Where(row => row.Id is not null).ToList();
            var wasOffline = cameBack.Select(row => row.Id!).ToHashSet(StringComparer.Ordinal);
            // Thousands of agents can come back in one batch (after a partition): look their beats up by id, not by scan.
            var beatAt = agents.ToDictionary(agent => agent.AgentId, agent => agent.At, StringComparer.Ordinal);
            await TenantEvents.QueueAsync(session,
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
