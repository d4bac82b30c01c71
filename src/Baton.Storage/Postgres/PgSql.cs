using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>Shorthand for Dapper command definitions that carry a transaction and a cancellation token.</summary>
internal static class PgSql
{
    /// <summary>Job states that hold an agent's lease.</summary>
    public const string ActiveStates = "('assigned', 'running')";

    public static CommandDefinition Command(string sql, object? parameters, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        new(sql, parameters, transaction, cancellationToken: cancellationToken);
}
