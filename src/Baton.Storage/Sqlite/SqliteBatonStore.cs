using Baton.Core.Jobs;

namespace Baton.Storage.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode, written by this process only (single-node
/// mode: the server refuses a second process on the same data, and several replicas need PostgreSQL).
/// </summary>
public sealed class SqliteBatonStore : Relational.RelationalBatonStore
{
    private readonly SqliteDatabase _database;
    private readonly SqliteMigrator _migrator;

    public SqliteBatonStore(SqliteStoreOptions options, TimeProvider time, RetryPolicy retryPolicy)
        : this(Open(options, time, retryPolicy), time, retryPolicy)
    {
    }

    private SqliteBatonStore(SqliteDatabase database, TimeProvider time, RetryPolicy retryPolicy)
        : base(database, database, partitions: null, new("sqlite", SupportsMultipleReplicas: false, PushesCrossReplicaWakeups: false), time, retryPolicy)
    {
        _database = database;
        _migrator = new SqliteMigrator(database, time);
    }

    private static SqliteDatabase Open(SqliteStoreOptions options, TimeProvider time, RetryPolicy retryPolicy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(retryPolicy);
        if (string.IsNullOrWhiteSpace(options.DatabasePath)) throw new ArgumentException("DatabasePath is required.", nameof(options));
        return new SqliteDatabase(options.DatabasePath);
    }

    public override Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken) => _migrator.MigrateAsync(cancellationToken);

    public override ValueTask DisposeAsync()
    {
        _database.Dispose();
        return ValueTask.CompletedTask;
    }
}
