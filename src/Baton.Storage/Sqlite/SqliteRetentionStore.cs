using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

/// <summary>
/// Retention on SQLite: rows older than their cutoff are deleted in batches, each batch its own short
/// write transaction, so a large backlog never holds the write gate for long. Exact to the millisecond.
/// </summary>
internal sealed class SqliteRetentionStore(SqliteDatabase database) : IRetentionStore
{
    private const int BatchSize = 5_000;

    /// <summary>Each pruned table: its key, its time column, and which rows may go at all.</summary>
    private static readonly (string Table, string Key, string TimeColumn, string Condition)[] Tables =
    [
        ("job_events", "id", "at", ""),
        ("job_logs", "seq", "at", ""),
        ("events", "rowid", "created_at", ""),
        ("webhook_deliveries", "rowid", "created_at", "AND state <> 'pending'"),
        ("audit_log", "id", "at", ""),
    ];

    public Task<IReadOnlyList<string>> PrepareAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public async Task<RetentionReport> PruneAsync(RetentionCutoffs cutoffs, CancellationToken cancellationToken)
    {
        var deleted = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (table, key, timeColumn, condition) in Tables)
        {
            var cutoff = StoredTime.ToMs(CutoffOf(table, cutoffs));
            long total = 0;
            int batch;
            do
            {
                batch = await database.WriteAsync((connection, transaction) => connection.ExecuteAsync(Sql.Command(
                    $"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} WHERE {timeColumn} < @cutoff {condition} LIMIT {BatchSize});",
                    new { cutoff }, transaction, cancellationToken)), cancellationToken);
                total += batch;
            }
            while (batch == BatchSize);
            deleted[table] = total;
        }
        return new RetentionReport(deleted, []);
    }

    internal static DateTimeOffset CutoffOf(string table, RetentionCutoffs cutoffs) => table switch
    {
        "job_events" or "job_logs" => cutoffs.JobHistory,
        "events" => cutoffs.TenantEvents,
        "webhook_deliveries" => cutoffs.WebhookDeliveries,
        "audit_log" => cutoffs.AuditLog,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "Not a pruned table."),
    };
}
