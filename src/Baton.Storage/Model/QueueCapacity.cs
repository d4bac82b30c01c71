namespace Baton.Storage.Model;

/// <summary>
/// Inside a claim transaction: which of the tenant's queues may hand out jobs (not paused, below
/// their cap) and how many more each may take. A queue without a row is treated as open.
/// </summary>
internal sealed class QueueCapacity
{
    private readonly Dictionary<string, long> _room = new(StringComparer.Ordinal);

    public QueueCapacity(IEnumerable<QueueCapacityRow> rows)
    {
        var blocked = new List<string>();
        foreach (var row in rows)
        {
            if (row.Priority != 0) HasQueuePriorities = true;
            var room = row.Paused != 0 ? 0 : row.MaxConcurrency is { } max ? Math.Max(0, max - row.Active) : long.MaxValue;
            _room[row.Name] = room;
            if (room == 0) blocked.Add(row.Name);
        }
        Blocked = [.. blocked];
    }

    /// <summary>
    /// Whether any queue has a non-zero priority. When none has, the claim orders by the job's own
    /// priority alone, which the ready index serves; otherwise by job plus queue priority (a sort).
    /// </summary>
    public bool HasQueuePriorities { get; }

    /// <summary>The claim's ORDER BY over <c>jobs</c>: effective priority, then age.</summary>
    public string OrderBy => HasQueuePriorities
        ? "priority + COALESCE((SELECT q.priority FROM queues q WHERE q.tenant_id = jobs.tenant_id AND q.name = jobs.queue), 0) DESC, submitted_at, id"
        : "priority DESC, submitted_at, id";

    /// <summary>Queues that can take nothing now: paused, or at their concurrency cap.</summary>
    public string[] Blocked { get; }

    /// <summary>Takes one slot of <paramref name="queue"/> when it has one.</summary>
    public bool TryTake(string queue)
    {
        if (!_room.TryGetValue(queue, out var room)) return true;
        if (room <= 0) return false;
        if (room != long.MaxValue) _room[queue] = room - 1;
        return true;
    }

    /// <summary>Gives back a slot taken for a job that was not claimed after all.</summary>
    public void GiveBack(string queue)
    {
        if (_room.TryGetValue(queue, out var room) && room != long.MaxValue) _room[queue] = room + 1;
    }
}

/// <summary>One queue's state as a claim reads it.</summary>
internal sealed class QueueCapacityRow
{
    public string Name { get; set; } = "";
    public long Priority { get; set; }
    public long? MaxConcurrency { get; set; }
    public long Paused { get; set; }
    public long Active { get; set; }
}
