using Baton.Core.Dispatch;

namespace Baton.Storage.Model;

/// <summary>
/// Inside a (batched) claim transaction, after the tenant's counts, queues and the agents' loads were read:
/// the queues as the chooser sees them, how many candidates to read, and the choice for every agent of the
/// batch (<see cref="JobChooser.ChooseForEach{T}"/>) — the same code on every storage backend.
/// </summary>
internal sealed class ClaimPlan
{
    /// <summary>The most candidates one batched claim reads, whatever the agents want.</summary>
    public const int MaxCandidates = 2_000;

    private readonly IReadOnlyList<AgentClaim<JobRecord>> _agents;
    private readonly int _tenantFree;
    private readonly DateTimeOffset _now;

    public ClaimPlan(
        IReadOnlyList<JobClaimRequest> requests, IEnumerable<QueueCapacityRow> queues, IReadOnlyDictionary<string, AgentLoad> loads,
        int tenantFree, DateTimeOffset now)
    {
        _tenantFree = tenantFree;
        _now = now;
        Queues = new QueueCapacity(queues, requests.Select(r => r.AgentGroup).Distinct(StringComparer.Ordinal).ToList());
        _agents = [.. requests.Select(request =>
        {
            var load = loads.GetValueOrDefault(request.AgentId) ?? new AgentLoad(0, 0, 0);
            var budget = new AgentBudget(
                Math.Max(0, request.MaxJobs),
                request.AgentGroup,
                request.AgentCpuMillicores is { } cpu ? cpu - load.CpuMillicores : null,
                request.AgentMemoryMb is { } memory ? memory - load.MemoryMb : null,
                request.CachedPackages);
            return new AgentClaim<JobRecord>(budget, request.CanRun, request.AgentId);
        })];
        SlotsWanted = requests.Sum(r => Math.Max(0, r.MaxJobs));
        CandidateLimit = Math.Min(MaxCandidates, Math.Max(requests.Max(r => Math.Max(r.CandidateLimit, 1)), SlotsWanted * 4));
    }

    public QueueCapacity Queues { get; }

    /// <summary>Free slots the agents of the batch offer together.</summary>
    public int SlotsWanted { get; }

    /// <summary>The most candidates the claim reads (a small window first; this one when that could not fill the agents).</summary>
    public int CandidateLimit { get; }

    /// <summary>Per request, in its order: the jobs its agent takes, in claim order.</summary>
    public IReadOnlyList<IReadOnlyList<JobRecord>> Choose(IReadOnlyList<JobRecord> candidates) =>
        JobChooser.ChooseForEach(candidates, Queues.Describe, _agents, _tenantFree, Queues.Limits, _now);
}
