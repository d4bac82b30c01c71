using Baton.Storage.Model;
using Baton.Storage.Relational;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>
/// The shared stores' view of the file: a tenant or system write is a write under the single-writer
/// gate, a read its own connection (SQLite has no row-level security; every statement names its tenant).
/// </summary>
internal sealed partial class SqliteDatabase : IStoreDatabase, IStoreConnections
{
    static SqliteDatabase() => StoredValues.Register<SqliteParameter>(new SqliteValueBinder());

    public SqlDialect Dialect => SqliteDialect.Instance;

    public Task<T> WriteAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => work(Session(connection, transaction, cancellationToken)), cancellationToken);

    public Task<T> ReadAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        ReadAsync(connection => work(Session(connection, null, cancellationToken)), cancellationToken);

    public Task<T> ReadListAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        ReadAsync(tenantId, work, cancellationToken);

    public Task<T> SystemWriteAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) => work(Session(connection, transaction, cancellationToken)), cancellationToken);

    public Task<T> SystemReadAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        ReadAsync(connection => work(Session(connection, null, cancellationToken)), cancellationToken);

    public Task<T> SystemSnapshotAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken) =>
        ReadAsync(async connection =>
        {
            // Deferred: a read transaction, one snapshot for every statement of the work; nothing to commit.
            await using var transaction = connection.BeginTransaction(deferred: true);
            return await work(Session(connection, transaction, cancellationToken));
        }, cancellationToken);

    /// <summary>A unit of work's session over a connection (and transaction) of this file.</summary>
    internal static StoreSession Session(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken) =>
        new(connection, SqliteDialect.Instance, (sql, parameters, token) => new CommandDefinition(sql, parameters, transaction, cancellationToken: token), cancellationToken);

    // Microsoft.Data.Sqlite's pool does not report its idle connections or a ceiling: busy is the connections this process
    // opened and has not closed yet (in use by a reader or the writer).
    StoreConnectionStatistics IStoreConnections.Read() => new(Volatile.Read(ref _open), null, null, null);

    // Each write's wait for the write gate (zero when the gate was free).
    void IStoreConnections.ObserveWriteGateWaits(Action<TimeSpan> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_observersGate) _gateObservers = [.. _gateObservers, observer];
    }
}
