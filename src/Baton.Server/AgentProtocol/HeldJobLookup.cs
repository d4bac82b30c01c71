using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// The jobs an agent holds, read for many agents at once (<see cref="BatchedLookup{T}"/>): one read in flight, the
/// agents asked for meanwhile read together by the next. Every asker gets a read that started after it asked, as
/// with one read per agent; a fleet's first polls after a start or a restart (each reads what its agent holds, see
/// <see cref="HeldJobReads"/>) cost a few statements instead of one transaction per agent, which was what made
/// 10,000 agents' first round of polls take seconds on PostgreSQL.
/// </summary>
public sealed class HeldJobLookup
{
    /// <summary>Agents per read.</summary>
    public const int Batch = 500;

    private static readonly IReadOnlyList<HeldJob> None = [];
    private readonly BatchedLookup<IReadOnlyList<HeldJob>> _reads;

    public HeldJobLookup(IBatonStore store) =>
        _reads = new BatchedLookup<IReadOnlyList<HeldJob>>(ids => store.Agents.ListHeldJobsAsync(ids, CancellationToken.None), Batch);

    public async Task<IReadOnlyList<HeldJob>> ListAsync(string agentId, CancellationToken cancellationToken) =>
        await _reads.FindAsync(agentId, cancellationToken) ?? None;

    /// <summary>The cancel and abandon directives for what the agent reports running.</summary>
    public async Task<AgentDirectives> DirectivesAsync(string agentId, IReadOnlyList<Core.AgentProtocol.JobRef> running, CancellationToken cancellationToken) =>
        AgentDirectives.From(await ListAsync(agentId, cancellationToken), running);
}
