using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

/// <summary>
/// Retention on PostgreSQL. The partitioned tables (job events and logs, tenant events, the audit log) lose
/// whole months past their cutoff, as the owner (<see cref="PostgresPartitionMaintenance"/>): no row-by-row
/// deletes, no bloat. Settled webhook deliveries, not partitioned, are deleted in batches by the runtime role.
/// </summary>
internal sealed class PostgresRetentionStore(PostgresDatabase database, PostgresPartitionMaintenance partitions) : IRetentionStore
{
    private const int MonthsAhead = 2;
    private const int BatchSize = 5_000;

    public Task<IReadOnlyList<string>> PrepareAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        partitions.EnsurePartitionsAsync(now, MonthsAhead, cancellationToken);

    public async Task<RetentionReport> PruneAsync(RetentionCutoffs cutoffs, CancellationToken cancellationToken)
    {
        var partitioned = await partitions.PruneAsync(table => table switch
        {
            "job_events" or "job_logs" => cutoffs.JobHistory,
            "events" => cutoffs.TenantEvents,
            "audit_log" => cutoffs.AuditLog,
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, "Not a pruned table."),
        }, cancellationToken);

        long deliveries = 0;
        int batch;
        var cutoff = PgTime.ToDb(cutoffs.WebhookDeliveries);
        do
        {
            // Across tenants by nature: retention is one policy for the installation.
            batch = await database.InSystemAsync((connection, transaction) => connection.ExecuteAsync(PgSql.Command(
                $"""
                DELETE FROM webhook_deliveries WHERE id IN (
                    SELECT id FROM webhook_deliveries WHERE created_at < @cutoff AND state <> 'pending' LIMIT {BatchSize});
                """,
                new { cutoff }, transaction, cancellationToken)), cancellationToken);
            deliveries += batch;
        }
        while (batch == BatchSize);

        var rows = new Dictionary<string, long>(partitioned.RowsDeleted, StringComparer.Ordinal) { ["webhook_deliveries"] = deliveries };
        return new RetentionReport(rows, partitioned.PartitionsDropped);
    }
}
