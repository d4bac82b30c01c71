using Baton.Storage.Model;
using Baton.Storage.Relational;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// The shared stores' view of the database: a tenant scope is a transaction Row-Level Security limits
/// to that tenant, the system scope one that sees every tenant (for reads, each command's implicit transaction); writes
/// and reads use the primary, lists the read replica when one is configured.
/// </summary>
internal sealed partial class PostgresDatabase : IStoreDatabase, IStoreConnections
{
    static PostgresDatabase() => StoredValues.Register<NpgsqlParameter>(new PostgresValueBinder());

    public SqlDialect Dialect => PostgresDialect.Instance;

    public Task<T> WriteAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        RunAsync(tenantId, system: false, work, cancellationToken);

    // Reads run each command in its own implicit transaction (scope call in front, no BEGIN/COMMIT): at READ COMMITTED
    // every statement takes its own snapshot anyway, so a read of several commands sees what it saw in one transaction.
    public Task<T> ReadAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        ReadScopedAsync(_primary, tenantId, system: false, work, cancellationToken);

    public Task<T> ReadListAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        ReadScopedAsync(_replica ?? _primary, tenantId, system: false, work, cancellationToken);

    public Task<T> SystemWriteAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        RunAsync("", system: true, work, cancellationToken);

    public Task<T> SystemReadAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        ReadScopedAsync(_primary, "", system: true, work, cancellationToken);

    // A transaction: the fleet read's settings (SET LOCAL) and its statements belong together.
    public Task<T> SystemSnapshotAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        RunAsync("", system: true, work, cancellationToken);

    StoreConnectionStatistics IStoreConnections.Read() => Pools.Read();

    // PostgreSQL has no in-process write gate: writers are serialised by the database itself.
    void IStoreConnections.ObserveWriteGateWaits(Action<TimeSpan> observer)
    {
    }
}
