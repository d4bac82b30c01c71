using System.Data.Common;
using Dapper;

namespace Baton.Storage.Relational;

/// <summary>
/// One unit of work's connection and cancellation, with the Dapper calls the stores use. Each backend builds its commands
/// (with the unit's transaction; PostgreSQL sends the transaction's scope in front of the first one).
/// </summary>
internal sealed class StoreSession(
    DbConnection connection, SqlDialect dialect, Func<string, object?, CancellationToken, CommandDefinition> command, CancellationToken cancellationToken)
{
    public SqlDialect Dialect => dialect;

    public Task<int> ExecuteAsync(string sql, object? parameters = null) => connection.ExecuteAsync(command(sql, parameters, cancellationToken));

    public Task<T?> ScalarAsync<T>(string sql, object? parameters = null) => connection.ExecuteScalarAsync<T>(command(sql, parameters, cancellationToken));

    public Task<IEnumerable<T>> QueryAsync<T>(string sql, object? parameters = null) => connection.QueryAsync<T>(command(sql, parameters, cancellationToken));

    /// <summary>The rows of a query as a list (Dapper's buffered list, not copied).</summary>
    public async Task<IReadOnlyList<T>> ListAsync<T>(string sql, object? parameters = null) =>
        (await connection.QueryAsync<T>(command(sql, parameters, cancellationToken))).AsList();

    public Task<T> QuerySingleAsync<T>(string sql, object? parameters = null) => connection.QuerySingleAsync<T>(command(sql, parameters, cancellationToken));

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters = null) =>
        connection.QuerySingleOrDefaultAsync<T>(command(sql, parameters, cancellationToken));

    public Task<T?> QueryFirstOrDefaultAsync<T>(string sql, object? parameters = null) =>
        connection.QueryFirstOrDefaultAsync<T>(command(sql, parameters, cancellationToken));

    /// <summary>Rows read as two objects, the second from the column <paramref name="splitOn"/> on, joined by <paramref name="map"/>.</summary>
    public Task<IEnumerable<T>> QueryAsync<T1, T2, T>(string sql, Func<T1, T2, T> map, string splitOn, object? parameters = null) =>
        connection.QueryAsync(command(sql, parameters, cancellationToken), map, splitOn);

    /// <summary>Several statements in one round trip, their results read in order.</summary>
    public Task<SqlMapper.GridReader> QueryMultipleAsync(string sql, object? parameters = null) =>
        connection.QueryMultipleAsync(command(sql, parameters, cancellationToken));

    /// <summary>
    /// Serialises this transaction with every other one that takes the same <paramref name="key"/> until it
    /// ends (quota checks across replicas). A no-op where the backend has a single writer already.
    /// </summary>
    public Task LockAsync(string key) =>
        dialect.TransactionLock is { } sql ? ExecuteAsync(sql, new { lockKey = key }) : Task.CompletedTask;

    /// <summary>
    /// Whether tenant <paramref name="tenantId"/> may add a row named <paramref name="name"/> to <paramref name="table"/> (names
    /// unique per tenant, at most <paramref name="max"/> rows): creations of one tenant's rows of that table are serialised
    /// until the transaction ends, so two replicas cannot both take the last quota slot.
    /// </summary>
    public async Task<NameQuota> NameQuotaAsync(string table, string tenantId, string name, int max)
    {
        await LockAsync(table + ":" + tenantId);
        var (count, taken) = await QuerySingleAsync<(long Count, long Taken)>(
            $"SELECT COUNT(*), COUNT(*) FILTER (WHERE name = @name) FROM {table} WHERE tenant_id = @tenantId;", new { tenantId, name });
        return taken > 0 ? NameQuota.Taken : count >= max ? NameQuota.Full : NameQuota.Free;
    }
}

/// <summary>Where a new named row stands against its tenant's quota (<see cref="StoreSession.NameQuotaAsync"/>).</summary>
internal enum NameQuota
{
    Free,
    Taken,
    Full,
}
