using System.Runtime.CompilerServices;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>Shorthand for Dapper command definitions that carry a transaction and a cancellation token.</summary>
internal static class PgSql
{
    /// <summary>Job states that hold an agent's lease.</summary>
    public const string ActiveStates = "('assigned', 'running')";

    // The scope of a transaction that has not sent a statement yet (see PostgresDatabase): it travels in
    // front of the first one, so naming the scope costs no round trip of its own.
    private static readonly ConditionalWeakTable<NpgsqlTransaction, string> PendingScopes = [];

    public static CommandDefinition Command(string sql, object? parameters, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (PendingScopes.TryGetValue(transaction, out var scope) && PendingScopes.Remove(transaction)) sql = scope + sql;
        return new(sql, parameters, transaction, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Puts <paramref name="scopeSql"/> (statements that return no rows, e.g. <c>SET LOCAL</c>) in front of the
    /// transaction's first command.
    /// </summary>
    public static void SendBeforeFirstCommand(NpgsqlTransaction transaction, string scopeSql) => PendingScopes.AddOrUpdate(transaction, scopeSql);

    /// <summary>True (and forgets it) when the transaction never sent its scope: it ran no command through <see cref="Command"/>.</summary>
    public static bool TakeUnsentScope(NpgsqlTransaction transaction, out string scopeSql)
    {
        if (PendingScopes.TryGetValue(transaction, out var scope) && PendingScopes.Remove(transaction))
        {
            scopeSql = scope;
            return true;
        }
        scopeSql = "";
        return false;
    }

    /// <summary>
    /// An escape-string literal for SQL text (<c>E'…'</c> with quotes and backslashes doubled): read the same
    /// whatever <c>standard_conforming_strings</c> says.
    /// </summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("A SQL literal cannot contain NUL.", nameof(value));
        return "E'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
