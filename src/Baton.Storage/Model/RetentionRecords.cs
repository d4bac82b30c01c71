namespace Baton.Storage.Model;

/// <summary>What is older than these instants is removed (see <see cref="IRetentionStore"/>).</summary>
/// <param name="FinishedWorkItems">Work items done or failed for good, by when they finished (null: <paramref name="JobHistory"/>).</param>
public sealed record RetentionCutoffs(
    DateTimeOffset JobHistory,
    DateTimeOffset TenantEvents,
    DateTimeOffset WebhookDeliveries,
    DateTimeOffset AuditLog,
    DateTimeOffset? FinishedWorkItems = null);

/// <summary>
/// What a prune removed: rows deleted one by one, per table, and whole partitions dropped (whose rows
/// are not counted: dropping a partition does not read it).
/// </summary>
public sealed record RetentionReport(IReadOnlyDictionary<string, long> RowsDeleted, IReadOnlyList<string> PartitionsDropped)
{
    public bool RemovedAnything => RowsDeleted.Values.Any(n => n > 0) || PartitionsDropped.Count > 0;

    public override string ToString()
    {
        var parts = RowsDeleted.Where(r => r.Value > 0).Select(r => $"{r.Key}: {r.Value} rows").Concat(PartitionsDropped.Select(p => $"partition {p}")).ToList();
        return parts.Count == 0 ? "nothing" : string.Join(", ", parts);
    }
}
