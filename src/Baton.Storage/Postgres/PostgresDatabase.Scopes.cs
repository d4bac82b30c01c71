using Baton.Storage.Model;
using Baton.Storage.Relational;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// The shared stores' view of the database: a tenant scope is a transaction Row-Level Security limits
/// to that tenant, the system scope one that sees every tenant; writes and reads use the primary, lists the read replica when one is configured.
/// </summary>
internal sealed partial class PostgresDatabase : IStoreDatabase, IStoreConnections
{
    static PostgresDatabase() => StoredValues.Register<NpgsqlParameter>(new PostgresValueBinder());

    public SqlDialect Dialect => PostgresDialect.Instance;

    public Task<T> WriteAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        InTenantAsync(tenantId, (connection, transaction) => work(Session(connection, transaction, cancellationToken)), cancellationToken);

    public Task<T> ReadAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        InTenantAsync(tenantId, (connection, transaction) => work(Session(connection, transaction, cancellationToken)), cancellationToken);

    public Task<T> ReadListAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        ReadInTenantAsync(tenantId, (connection, transaction) => work(Session(connection, transaction, cancellationToken)), cancellationToken);

    public Task<T> SystemWriteAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        InSystemAsync((connection, transaction) => work(Session(connection, transaction, cancellationToken)), cancellationToken);

    public Task<T> SystemReadAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        InSystemAsync((connection, transaction) => work(Session(connection, transaction, cancellationToken)), cancellationToken);

    public Task<T> SystemSnapshotAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        SystemReadAsync(work, cancellationToken);

    /// <summary>A unit of work's session over a connection and transaction of this database (the scope travels with its first command).</summary>
    internal static StoreSession Session(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        new(connection, PostgresDialect.Instance, (sql, parameters, token) => PgSql.Command(sql, parameters, transaction, token), cancellationToken);

    StoreConnectionStatistics IStoreConnections.Read() => Pools.Read();

    // PostgreSQL has no in-process write gate: writers are serialised by the database itself.
    void IStoreConnections.ObserveWriteGateWaits(Action<TimeSpan> observer)
    {
    }
}
