using Baton.Core.Dispatch;

namespace Baton.Storage.Model;

/// <summary>
/// Inside a claim transaction: the tenant's queues as <see cref="QueueLimits"/> for the chooser, and
/// which queues the candidate scan can leave out for the claiming agents (paused, at their cap, or served
/// by none of their groups). A queue without a row is treated as open.
/// </summary>
internal sealed class QueueCapacity
{
    private readonly Dictionary<string, QueueLimits> _limits = new(StringComparer.Ordinal);

    public QueueCapacity(IEnumerable<QueueCapacityRow> rows, IReadOnlyCollection<string> agentGroups)
    {
        var blocked = new List<string>();
        foreach (var row in rows)
        {
            if (row.Priority != 0) HasQueuePriorities = true;
            long? room = row.MaxConcurrency is { } max ? Math.Max(0, max - row.Active) : null;
            var limits = new QueueLimits(
                row.Name, row.Priority, row.Paused, room, row.AgentGroups.Items ?? [], row.ReservedSlots, row.ReservedMinPriority);
            _limits[row.Name] = limits;
            if (limits.Paused || room == 0 || !agentGroups.Any(limits.IsServedBy)) blocked.Add(row.Name);
        }
        Blocked = [.. blocked];
    }

    public IReadOnlyDictionary<string, QueueLimits> Limits => _limits;

    /// <summary>
    /// Whether any queue has a non-zero priority. When none has, the claim orders by the job's own
    /// priority alone, which the ready index serves; otherwise by job plus queue priority (a sort).
    /// </summary>
    public bool HasQueuePriorities { get; }

    /// <summary>The claim's ORDER BY over <c>jobs</c>: effective priority, then age.</summary>
    public string OrderBy => HasQueuePriorities
        ? "priority + COALESCE((SELECT q.priority FROM queues q WHERE q.tenant_id = jobs.tenant_id AND q.name = jobs.queue), 0) DESC, submitted_at, id"
        : "priority DESC, submitted_at, id";

    /// <summary>Queues that can give the claiming agents nothing now: paused, at their cap, or served by none of their groups.</summary>
    public string[] Blocked { get; }

    /// <summary>The job as the chooser sees it, with its queue's priority added.</summary>
    public DispatchCandidate Describe(JobRecord job)
    {
        var queuePriority = _limits.TryGetValue(job.Queue, out var queue) ? queue.Priority : 0;
        return new DispatchCandidate(
            job.Id, job.Queue, job.Priority, job.Priority + queuePriority, job.SubmittedAt, job.CpuMillicores, job.MemoryMb, job.PackageSha256);
    }
}

/// <summary>One queue's state as a claim reads it.</summary>
internal sealed class QueueCapacityRow
{
    public string Name { get; set; } = "";
    public int Priority { get; set; }
    public int? MaxConcurrency { get; set; }
    public bool Paused { get; set; }
    public long Active { get; set; }
    public Relational.TextList AgentGroups { get; set; }
    public int ReservedSlots { get; set; }
    public int ReservedMinPriority { get; set; }
}

/// <summary>The requests of the jobs an agent holds, as a claim and the agents' load reads read them.</summary>
internal sealed class AgentLoadRow
{
    public string AgentId { get; set; } = "";
    public long Jobs { get; set; }
    public long CpuMillicores { get; set; }
    public long MemoryMb { get; set; }

    public AgentLoad ToLoad() => new(checked((int)Jobs), checked((int)CpuMillicores), MemoryMb);
}
