using Baton.Core.Jobs;

namespace Baton.Storage.Postgres;

/// <summary>
/// The distributed backend: PostgreSQL shared by any number of server replicas. Claims lock rows
/// with <c>FOR UPDATE SKIP LOCKED</c>, tenant isolation is enforced again by Row-Level Security
/// (the runtime role owns nothing and bypasses nothing). Replicas wake each other's dispatchers
/// over LISTEN/NOTIFY from the server (see Baton.Server's PostgresWakeUpBridge), not from here. Migrations are applied as
/// the owner (<see cref="PostgresStoreOptions.MigrationConnectionString"/>).
/// </summary>
public sealed class PostgresBatonStore(PostgresStoreOptions options, TimeProvider time, RetryPolicy retryPolicy)
    : Relational.RelationalBatonStore(() => Open(options, time), time, retryPolicy)
{
    private static Relational.RelationalBackend Open(PostgresStoreOptions options, TimeProvider time)
    {
        // The database refuses a missing connection string and a timeout that is not positive.
        ArgumentNullException.ThrowIfNull(options);
        var database = new PostgresDatabase(options);
        return new(database, database, new PostgresPartitionMaintenance(database.MigrationConnectionString),
            new("postgres", SupportsMultipleReplicas: true, PushesCrossReplicaWakeups: true),
            new PostgresMigrator(database.MigrationConnectionString, time).MigrateAsync, database.DisposeAsync);
    }
}
