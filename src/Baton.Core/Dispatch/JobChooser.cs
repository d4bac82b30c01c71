namespace Baton.Core.Dispatch;

/// <summary>
/// Chooses which ready jobs one agent takes in one claim — the same code on every storage backend.
/// Candidates go in claim order (effective priority, then age); a candidate is claimable when the
/// agent can run it (capabilities), its queue is open, serves the agent's group and has room, the
/// tenant has a free slot (and, for a job below its queue's reservation, more free slots than the
/// reservation), and it fits the agent's free CPU and memory. Every job taken spends the budgets
/// before the next is chosen, so a claim never overshoots a cap or over-commits the agent.
/// <para>Locality: when the best claimable job's package is not in the agent's cache, a claimable job
/// of the <em>same</em> effective priority within the next <see cref="ClaimLimits.LocalityWindow"/>
/// ranks whose package is cached goes first — unless the best job has already waited
/// <see cref="ClaimLimits.LocalityMaxWait"/>. So locality never jumps a priority, looks only a few
/// ranks ahead, and can delay a job by at most that wait.</para>
/// </summary>
public static class JobChooser
{
    public const int DefaultLocalityWindow = 8;
    public static readonly TimeSpan DefaultLocalityMaxWait = TimeSpan.FromSeconds(5);

    public static IReadOnlyList<T> Choose<T>(
        IReadOnlyList<T> jobs, Func<T, DispatchCandidate> describe, Func<T, bool> canRun, ClaimLimits limits)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(describe);
        ArgumentNullException.ThrowIfNull(canRun);
        ArgumentNullException.ThrowIfNull(limits);
        if (jobs.Count == 0 || limits.Agent.Slots <= 0 || limits.TenantFreeSlots <= 0) return [];

        var state = new ChoiceState<T>(jobs, describe, canRun, limits);
        var chosen = new List<T>();
        while (chosen.Count < limits.Agent.Slots)
        {
            var best = state.FirstClaimable(0);
            if (best < 0) break;
            var pick = state.PreferCached(best);
            state.Take(pick);
            chosen.Add(state.Job(pick));
        }
        return chosen;
    }

    /// <summary>
    /// One claim for several agents of a tenant at once (a batched claim): each agent in turn, in the
    /// order given (longest waiting first), gets <see cref="Choose{T}"/> over the candidates the agents
    /// before it left, with the tenant's free slots and each queue's room reduced by what they took — so
    /// the batch never takes more than separate claims one after another would.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<T>> ChooseForEach<T>(
        IReadOnlyList<T> jobs, Func<T, DispatchCandidate> describe, IReadOnlyList<AgentClaim<T>> agents,
        int tenantFreeSlots, IReadOnlyDictionary<string, QueueLimits> queues, DateTimeOffset now)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(queues);
        var results = new IReadOnlyList<T>[agents.Count];
        var remaining = jobs.ToList();
        var queueLimits = queues;
        var tenantFree = tenantFreeSlots;
        // Two requests of one agent in a batch (a poll and a completion that claims) share its free CPU and memory.
        var usedByAgent = new Dictionary<string, (int Cpu, long Memory)>(StringComparer.Ordinal);
        for (var i = 0; i < agents.Count; i++)
        {
            var agent = agents[i];
            var budget = agent.Budget;
            if (agent.AgentKey is { } key && usedByAgent.TryGetValue(key, out var used))
            {
                budget = budget with { FreeCpuMillicores = budget.FreeCpuMillicores - used.Cpu, FreeMemoryMb = budget.FreeMemoryMb - used.Memory };
            }
            var chosen = remaining.Count == 0 || tenantFree <= 0
                ? []
                : Choose(remaining, describe, agent.CanRun, new ClaimLimits(tenantFree, budget, queueLimits, now));
            results[i] = chosen;
            if (chosen.Count == 0) continue;
            if (agent.AgentKey is { } taker)
            {
                var before = usedByAgent.GetValueOrDefault(taker);
                usedByAgent[taker] = (
                    before.Cpu + chosen.Sum(job => Math.Max(0, describe(job).CpuMillicores)),
                    before.Memory + chosen.Sum(job => Math.Max(0, describe(job).MemoryMb)));
            }

            tenantFree -= chosen.Count;
            var taken = new HashSet<T>(chosen, ReferenceEqualityComparer.Instance);
            remaining.RemoveAll(taken.Contains);
            var takenByQueue = chosen.GroupBy(job => describe(job).Queue, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            if (takenByQueue.Keys.Any(name => queueLimits.TryGetValue(name, out var q) && q.Room is not null))
            {
                queueLimits = queueLimits.ToDictionary(
                    entry => entry.Key,
                    entry => entry.Value.Room is { } room && takenByQueue.TryGetValue(entry.Key, out var count)
                        ? entry.Value with { Room = Math.Max(0, room - count) }
                        : entry.Value,
                    StringComparer.Ordinal);
            }
        }
        return results;
    }

    private sealed class ChoiceState<T>
    {
        private readonly (T Job, DispatchCandidate Candidate)[] _ranked;
        private readonly bool?[] _runnable;
        private readonly bool[] _taken;
        private readonly Func<T, bool> _canRun;
        private readonly ClaimLimits _limits;
        private readonly Dictionary<string, long> _takenByQueue = new(StringComparer.Ordinal);
        private int _takenCount;
        private int _usedCpu;
        private long _usedMemory;

        public ChoiceState(IReadOnlyList<T> jobs, Func<T, DispatchCandidate> describe, Func<T, bool> canRun, ClaimLimits limits)
        {
            // OrderBy is stable: equal candidates keep the order the store read them in.
            _ranked = [.. jobs
                .Select(job => (Job: job, Candidate: describe(job)))
                .OrderBy(entry => entry.Candidate, Comparer<DispatchCandidate>.Create(DispatchCandidate.CompareClaimOrder))];
            _runnable = new bool?[_ranked.Length];
            _taken = new bool[_ranked.Length];
            _canRun = canRun;
            _limits = limits;
        }

        public T Job(int rank) => _ranked[rank].Job;

        public int FirstClaimable(int from)
        {
            for (var rank = from; rank < _ranked.Length; rank++)
            {
                if (IsClaimable(rank)) return rank;
            }
            return -1;
        }

        public int PreferCached(int best)
        {
            var head = _ranked[best].Candidate;
            var cached = _limits.Agent.CachedPackages;
            if (cached.Count == 0 || cached.Contains(head.PackageSha256)) return best;
            if (_limits.Now - head.SubmittedAt >= _limits.LocalityMaxWait) return best;

            var end = Math.Min(_ranked.Length, best + _limits.LocalityWindow);
            for (var rank = best + 1; rank < end; rank++)
            {
                var candidate = _ranked[rank].Candidate;
                if (candidate.EffectivePriority != head.EffectivePriority) break;
                if (cached.Contains(candidate.PackageSha256) && IsClaimable(rank)) return rank;
            }
            return best;
        }

        public void Take(int rank)
        {
            var candidate = _ranked[rank].Candidate;
            _taken[rank] = true;
            _takenCount++;
            _usedCpu += Math.Max(0, candidate.CpuMillicores);
            _usedMemory += Math.Max(0, candidate.MemoryMb);
            _takenByQueue[candidate.Queue] = _takenByQueue.GetValueOrDefault(candidate.Queue) + 1;
        }

        private bool IsClaimable(int rank)
        {
            if (_taken[rank]) return false;
            var candidate = _ranked[rank].Candidate;
            var tenantFree = _limits.TenantFreeSlots - _takenCount;
            if (tenantFree <= 0) return false;
            if (_limits.Queues.TryGetValue(candidate.Queue, out var queue))
            {
                if (queue.Paused || !queue.IsServedBy(_limits.Agent.Group)) return false;
                if (queue.Room is { } room && _takenByQueue.GetValueOrDefault(candidate.Queue) >= room) return false;
                if (queue.MustLeaveReserve(candidate.Priority) && tenantFree <= queue.ReservedSlots) return false;
            }
            if (!_limits.Agent.Fits(candidate.CpuMillicores, candidate.MemoryMb, _usedCpu, _usedMemory)) return false;
            return _runnable[rank] ??= _canRun(_ranked[rank].Job);
        }
    }
}
