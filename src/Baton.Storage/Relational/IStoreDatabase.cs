using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// How a backend runs one store call: the only place the stores learn which database they are on.
/// Every call is one unit of work in a named scope. On PostgreSQL a tenant scope is a transaction
/// that Row-Level Security limits to that tenant's rows and the system scope one that sees every
/// tenant; on SQLite every write goes through the single-writer gate (<c>BEGIN IMMEDIATE</c>) and
/// reads use their own connection, so the tenant names nothing there (the <c>WHERE tenant_id</c> of
/// each statement is the isolation on both backends; RLS is the second line on PostgreSQL).
/// </summary>
internal interface IStoreDatabase
{
    /// <summary>The statements and fragments that differ between backends.</summary>
    SqlDialect Dialect { get; }

    /// <summary>One write transaction that sees only <paramref name="tenantId"/>'s rows; commits when <paramref name="work"/> returns.</summary>
    Task<T> WriteAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>A read of one tenant's rows on the primary (read-your-writes).</summary>
    Task<T> ReadAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>A read of one tenant's rows that may go to the read replica when one is configured (lists and searches).</summary>
    Task<T> ReadListAsync<T>(string tenantId, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// A write across tenants. Only for the operations that are cross-tenant by nature (authentication
    /// lookups, tenant administration, janitor sweeps, batched flushes); each caller says why.
    /// </summary>
    Task<T> SystemWriteAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>A read across tenants; the same rule as <see cref="SystemWriteAsync{T}"/>.</summary>
    Task<T> SystemReadAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// A read across tenants whose statements all see one snapshot (the fleet figures): the system transaction on
    /// PostgreSQL, a read transaction on its own connection on SQLite (WAL: it never waits for the writer).
    /// </summary>
    Task<T> SystemSnapshotAsync<T>(Func<StoreSession, Task<T>> work, CancellationToken cancellationToken);
}

internal static class StoreDatabaseExtensions
{
    public static Task WriteAsync(this IStoreDatabase database, string tenantId, Func<StoreSession, Task> work, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session =>
        {
            await work(session);
            return true;
        }, cancellationToken);

    public static Task SystemWriteAsync(this IStoreDatabase database, Func<StoreSession, Task> work, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session =>
        {
            await work(session);
            return true;
        }, cancellationToken);
}
