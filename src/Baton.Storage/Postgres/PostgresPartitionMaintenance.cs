using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using Baton.Storage.Model;
using Baton.Storage.Relational;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// Monthly partitions of the high-volume tables (<c>job_events</c>, <c>job_logs</c>, <c>events</c>, <c>audit_log</c>):
/// created ahead of time, and dropped whole once older than their table's retention cutoff. DDL needs the
/// table owner, so this runs on the migration connection (the owner is also the only one who may delete
/// audit entries). Safe to run from several replicas at once: each run holds a transaction-level advisory lock.
/// </summary>
internal sealed partial class PostgresPartitionMaintenance(string ownerConnectionString) : IPartitionedRetention
{
    private const long MaintenanceLockKey = 0x6261746F6E02;
    private const int MonthsAhead = 2;
    /// <summary>Each partitioned table with its time column (the partition key).</summary>
    private static readonly (string Table, string TimeColumn)[] Partitioned =
        [("job_events", "at"), ("job_logs", "at"), ("events", "created_at"), ("audit_log", "at")];
    private static readonly string[] PartitionedTables = [.. Partitioned.Select(p => p.Table)];

    public IReadOnlySet<string> Tables { get; } = PartitionedTables.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Makes sure a partition exists for the month of <paramref name="now"/> and each of the next <see cref="MonthsAhead"/>
    /// months; rows of those months already caught by the default partition move into the new one. Returns the partitions created.
    /// </summary>
    public Task<IReadOnlyList<string>> PrepareAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<string>>(async (connection, transaction) =>
        {
            var existing = await ListPartitionsAsync(connection, transaction, cancellationToken);
            var created = new List<string>();
            var firstMonth = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
            foreach (var (table, timeColumn) in Partitioned)
            {
                for (var i = 0; i <= MonthsAhead; i++)
                {
                    var from = firstMonth.AddMonths(i);
                    var name = PartitionName(table, from);
                    if (existing.Contains(name)) continue;
                    // Build it beside the table, move in what the default partition holds for that month, attach it.
                    // Writers wait meanwhile (the lock conflicts with their ROW EXCLUSIVE): an insert routed to the
                    // default partition while the new one is attached fails the default's new constraint (23514).
                    await connection.ExecuteAsync(PgSql.Command(
                        $"""
                        LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE;
                        CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
                        WITH moved AS (DELETE FROM {table}_default WHERE {timeColumn} >= @from AND {timeColumn} < @to RETURNING *)
                        INSERT INTO {name} SELECT * FROM moved;
                        ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{Literal(from)}') TO ('{Literal(from.AddMonths(1))}');
                        """,
                        new { from, to = from.AddMonths(1) }, transaction, cancellationToken));
                    created.Add(name);
                }
            }
            return created;
        }, cancellationToken);

    /// <summary>
    /// Drops every monthly partition whose whole month is before its table's cutoff, and deletes the rows
    /// older than the cutoff that the default partition caught (rows of months that had no partition yet).
    /// </summary>
    public Task<RetentionReport> PruneAsync(Func<string, DateTimeOffset> cutoffOf, CancellationToken cancellationToken) =>
        RunAsync(async (connection, transaction) =>
        {
            var dropped = new List<string>();
            foreach (var name in (await ListPartitionsAsync(connection, transaction, cancellationToken)).Order(StringComparer.Ordinal))
            {
                var match = MonthlyPartition().Match(name);
                if (!match.Success) continue;
                var month = new DateTimeOffset(
                    int.Parse(match.Groups["year"].Value, CultureInfo.InvariantCulture),
                    int.Parse(match.Groups["month"].Value, CultureInfo.InvariantCulture), 1, 0, 0, 0, TimeSpan.Zero);
                if (month.AddMonths(1) > cutoffOf(match.Groups["table"].Value)) continue;
                await connection.ExecuteAsync(PgSql.Command($"DROP TABLE {name};", null, transaction, cancellationToken));
                dropped.Add(name);
            }
            var deleted = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (table, timeColumn) in Partitioned)
            {
                deleted[table + "_default"] = await connection.ExecuteAsync(PgSql.Command(
                    $"DELETE FROM {table}_default WHERE {timeColumn} < @cutoff;", new { cutoff = StoredValues.Truncate(cutoffOf(table)) }, transaction, cancellationToken));
            }
            return new RetentionReport(deleted, dropped);
        }, cancellationToken);

    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var unpooled = new NpgsqlConnectionStringBuilder(ownerConnectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The owner is bound by the forced row security too; moving rows is a cross-tenant operation.
        await connection.ExecuteAsync(PgSql.Command(
            "SELECT pg_advisory_xact_lock(@key), set_config('baton.system', 'on', true);", new { key = MaintenanceLockKey }, transaction, cancellationToken));
        var result = await work(connection, transaction);
        await transaction.CommitAsync(CancellationToken.None);
        return result;
    }

    private static async Task<HashSet<string>> ListPartitionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(PgSql.Command(
            """
            SELECT c.relname::text FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = ANY(@tables) AND p.relnamespace = current_schema()::regnamespace;
            """,
            new { tables = PartitionedTables }, transaction, cancellationToken))).ToHashSet(StringComparer.Ordinal);

    internal static string PartitionName(string table, DateTimeOffset month) =>
        string.Create(CultureInfo.InvariantCulture, $"{table}_p{month.Year:D4}{month.Month:D2}");

    private static string Literal(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+00'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<table>job_events|job_logs|events|audit_log)_p(?<year>\d{4})(?<month>\d{2})$")]
    private static partial Regex MonthlyPartition();
}
