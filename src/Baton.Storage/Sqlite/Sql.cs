using Microsoft.Data.Sqlite;
using Dapper;

namespace Baton.Storage.Sqlite;

/// <summary>Shorthand for Dapper command definitions that carry a transaction and a cancellation token.</summary>
internal static class Sql
{
    public static CommandDefinition Command(string sql, object? parameters, SqliteTransaction? transaction, CancellationToken cancellationToken) =>
        new(sql, parameters, transaction, cancellationToken: cancellationToken);

    public static CommandDefinition Command(string sql, object? parameters, CancellationToken cancellationToken) =>
        new(sql, parameters, cancellationToken: cancellationToken);
}
