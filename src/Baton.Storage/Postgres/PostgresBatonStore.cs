using Baton.Core.Jobs;

namespace Baton.Storage.Postgres;

/// <summary>
/// The distributed backend: PostgreSQL shared by any number of server replicas. Claims lock rows
/// with <c>FOR UPDATE SKIP LOCKED</c>, tenant isolation is enforced again by Row-Level Security
/// (the runtime role owns nothing and bypasses nothing). Replicas wake each other's dispatchers
/// over LISTEN/NOTIFY from the server (see Baton.Server's PostgresWakeUpBridge), not from here.
/// </summary>
public sealed class PostgresBatonStore : Relational.RelationalBatonStore
{
    private readonly PostgresDatabase _database;
    private readonly PostgresMigrator _migrator;

    public PostgresBatonStore(PostgresStoreOptions options, TimeProvider time, RetryPolicy retryPolicy)
        : this(Open(options, time, retryPolicy), time, retryPolicy)
    {
    }

    private PostgresBatonStore(PostgresDatabase database, TimeProvider time, RetryPolicy retryPolicy)
        : base(database, database, new PostgresPartitionMaintenance(database.MigrationConnectionString),
            new("postgres", SupportsMultipleReplicas: true, PushesCrossReplicaWakeups: true), time, retryPolicy)
    {
        _database = database;
        _migrator = new PostgresMigrator(database.MigrationConnectionString, time);
    }

    private static PostgresDatabase Open(PostgresStoreOptions options, TimeProvider time, RetryPolicy retryPolicy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(retryPolicy);
        if (string.IsNullOrWhiteSpace(options.ConnectionString)) throw new ArgumentException("ConnectionString is required.", nameof(options));
        if (options.StatementTimeout <= TimeSpan.Zero) throw new ArgumentException("StatementTimeout must be positive.", nameof(options));
        return new PostgresDatabase(options);
    }

    /// <summary>Applies pending migrations as the owner (<see cref="PostgresStoreOptions.MigrationConnectionString"/>).</summary>
    public override Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken) => _migrator.MigrateAsync(cancellationToken);

    public override ValueTask DisposeAsync() => _database.DisposeAsync();
}
