using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// Retention, written once: rows older than their cutoff are deleted in batches, each batch its own short write
/// (a large backlog never holds SQLite's write gate or PostgreSQL's row locks for long), exact to the millisecond.
/// A backend that keeps some tables in partitions (<see cref="IPartitionedRetention"/>: PostgreSQL's monthly ones)
/// removes those tables itself, whole partitions at a time; the rest go row by row here.
/// </summary>
internal sealed class RetentionStore(IStoreDatabase database, IPartitionedRetention? partitions) : IRetentionStore
{
    private const int BatchSize = 5_000;

    /// <summary>Each pruned table: its key (its columns), its time column, and which rows may go at all.</summary>
    private static readonly (string Table, string Key, string TimeColumn, string Condition)[] Tables =
    [
        ("job_events", "id", "at", ""),
        ("job_logs", "seq", "at", ""),
        ("events", "tenant_id, id", "created_at", ""),
        ("webhook_deliveries", "id", "created_at", "AND state <> 'pending'"),
        ("audit_log", "id", "at", ""),
        // Finished items only: one waiting or leased is work still to do, however old. Their history goes with them (cascade).
        ("work_items", "id", "finished_at", "AND state IN ('done', 'failed')"),
    ];

    public Task<IReadOnlyList<string>> PrepareAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        partitions?.PrepareAsync(now, cancellationToken) ?? Task.FromResult<IReadOnlyList<string>>([]);

    public async Task<RetentionReport> PruneAsync(RetentionCutoffs cutoffs, CancellationToken cancellationToken)
    {
        var partitioned = partitions is null
            ? new RetentionReport(new Dictionary<string, long>(), [])
            : await partitions.PruneAsync(table => CutoffOf(table, cutoffs), cancellationToken);
        var deleted = new Dictionary<string, long>(partitioned.RowsDeleted, StringComparer.Ordinal);
        foreach (var (table, key, timeColumn, condition) in Tables)
        {
            if (partitions is not null && partitions.Tables.Contains(table)) continue;
            var cutoff = CutoffOf(table, cutoffs);
            long total = 0;
            int batch;
            do
            {
                // Across tenants by nature: retention is one policy for the installation.
                batch = await database.SystemWriteAsync(session => session.ExecuteAsync(
                    $"DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {table} WHERE {timeColumn} < @cutoff {condition} LIMIT {BatchSize});",
                    new { cutoff }), cancellationToken);
                total += batch;
            }
            while (batch == BatchSize);
            deleted[table] = total;
        }
        return new RetentionReport(deleted, partitioned.PartitionsDropped);
    }

    private static DateTimeOffset CutoffOf(string table, RetentionCutoffs cutoffs) => table switch
    {
        "job_events" or "job_logs" => cutoffs.JobHistory,
        "events" => cutoffs.TenantEvents,
        "webhook_deliveries" => cutoffs.WebhookDeliveries,
        "audit_log" => cutoffs.AuditLog,
        "work_items" => cutoffs.FinishedWorkItems ?? cutoffs.JobHistory,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "Not a pruned table."),
    };
}

/// <summary>
/// A backend's partitioned tables, which retention removes a partition at a time rather than row by row
/// (PostgreSQL's monthly partitions; SQLite has none).
/// </summary>
internal interface IPartitionedRetention
{
    /// <summary>The tables kept in partitions.</summary>
    IReadOnlySet<string> Tables { get; }

    /// <summary>Creates the partitions the coming writes need; returns what it created.</summary>
    Task<IReadOnlyList<string>> PrepareAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Removes what is older than each table's cutoff: whole partitions, and rows a catch-all partition holds.</summary>
    Task<RetentionReport> PruneAsync(Func<string, DateTimeOffset> cutoffOf, CancellationToken cancellationToken);
}
