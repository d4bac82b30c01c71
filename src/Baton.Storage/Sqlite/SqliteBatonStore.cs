using Baton.Core.Jobs;

namespace Baton.Storage.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode, written by this process only (single-node
/// mode: the server refuses a second process on the same data, and several replicas need PostgreSQL).
/// </summary>
public sealed class SqliteBatonStore(SqliteStoreOptions options, TimeProvider time, RetryPolicy retryPolicy)
    : Relational.RelationalBatonStore(() => Open(options, time), time, retryPolicy)
{
    private static Relational.RelationalBackend Open(SqliteStoreOptions options, TimeProvider time)
    {
        // The database refuses a missing path.
        ArgumentNullException.ThrowIfNull(options);
        var database = new SqliteDatabase(options.DatabasePath);
        return new(database, database, Partitions: null, new("sqlite", SupportsMultipleReplicas: false, PushesCrossReplicaWakeups: false),
            new SqliteMigrator(database, time).MigrateAsync, () => Close(database));
    }

    private static ValueTask Close(SqliteDatabase database)
    {
        database.Dispose();
        return ValueTask.CompletedTask;
    }
}
