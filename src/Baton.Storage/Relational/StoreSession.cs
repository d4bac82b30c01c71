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

    public Task<T> QuerySingleAsync<T>(string sql, object? parameters = null) => connection.QuerySingleAsync<T>(command(sql, parameters, cancellationToken));

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters = null) =>
        connection.QuerySingleOrDefaultAsync<T>(command(sql, parameters, cancellationToken));

    public Task<T?> QueryFirstOrDefaultAsync<T>(string sql, object? parameters = null) =>
        connection.QueryFirstOrDefaultAsync<T>(command(sql, parameters, cancellationToken));

    /// <summary>Several statements in one round trip, their results read in order.</summary>
    public Task<SqlMapper.GridReader> QueryMultipleAsync(string sql, object? parameters = null) =>
        connection.QueryMultipleAsync(command(sql, parameters, cancellationToken));

    /// <summary>
    /// Serialises this transaction with every other one that takes the same <paramref name="key"/> until it
    /// ends (quota checks across replicas). A no-op where the backend has a single writer already.
    /// </summary>
    public Task LockAsync(string key) =>
        dialect.TransactionLock is { } sql ? ExecuteAsync(sql, new { lockKey = key }) : Task.CompletedTask;
}
