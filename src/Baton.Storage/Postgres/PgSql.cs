using System.Runtime.CompilerServices;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>Shorthand for Dapper command definitions that carry a transaction (or a scope) and a cancellation token.</summary>
internal static class PgSql
{
    private const string ScopeCall = "CALL baton_scope(@baton_scope_tenant, @baton_scope_system, @baton_scope_timeout);\n";

    // The scope of a transaction that has not sent a statement yet (see PostgresDatabase): it travels in
    // front of the first one, so naming the scope costs no round trip of its own.
    private static readonly ConditionalWeakTable<NpgsqlTransaction, Scope> PendingScopes = [];

    public static CommandDefinition Command(string sql, object? parameters, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (PendingScopes.TryGetValue(transaction, out var scope) && PendingScopes.Remove(transaction))
        {
            return new(ScopeCall + sql, WithScope(parameters, scope), transaction, cancellationToken: cancellationToken);
        }
        return new(sql, parameters, transaction, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// A read's command outside any explicit transaction, with the scope call in front of it. Npgsql sends the
    /// statements of one command before a single Sync, so PostgreSQL runs them as one implicit transaction: the
    /// transaction-local settings of <c>baton_scope</c> apply to the statements after it and end with them (no
    /// BEGIN, no COMMIT, nothing left on the connection). Every command of such a read carries its own scope.
    /// </summary>
    public static CommandDefinition ScopedCommand(string sql, object? parameters, Scope scope, CancellationToken cancellationToken) =>
        new(ScopeCall + sql, WithScope(parameters, scope), cancellationToken: cancellationToken);

    /// <summary>Names the transaction's scope with a <c>CALL baton_scope(…)</c> in front of its first command (which returns no rows).</summary>
    public static void SendBeforeFirstCommand(NpgsqlTransaction transaction, Scope scope) => PendingScopes.AddOrUpdate(transaction, scope);

    /// <summary>Forgets the scope of a transaction that ran no command through <see cref="Command"/>.</summary>
    public static void ForgetScope(NpgsqlTransaction transaction) => PendingScopes.Remove(transaction);

    private static DynamicParameters WithScope(object? parameters, Scope scope)
    {
        var withScope = new DynamicParameters(parameters);
        withScope.Add("baton_scope_tenant", scope.TenantId);
        withScope.Add("baton_scope_system", scope.System ? "on" : "off");
        withScope.Add("baton_scope_timeout", scope.TimeoutMs);
        return withScope;
    }

    /// <summary>A transaction's scope: one tenant (Row-Level Security shows its rows only) or every tenant, and the statement timeout.</summary>
    public sealed record Scope(string TenantId, bool System, string TimeoutMs);
}
