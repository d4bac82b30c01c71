using System.Globalization;
using Baton.Storage.Relational;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// Connections to one PostgreSQL database. Every store write is one transaction that first names
/// its scope with transaction-local settings (<c>CALL baton_scope(…)</c>, sent with its first statement): the tenant whose rows
/// Row-Level Security lets it see, or the cross-tenant system scope, and the statement timeout. A read sends no
/// BEGIN or COMMIT: each of its commands carries the same call in front and runs as one implicit transaction.
/// Nothing is set on the session, so a pooled connection (ours or PgBouncer's in transaction
/// mode) never carries one request's tenant into the next.
/// </summary>
internal sealed partial class PostgresDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource _primary;
    private readonly NpgsqlDataSource? _replica;
    private readonly string _statementTimeoutMs;

    public PostgresDatabase(PostgresStoreOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.StatementTimeout, TimeSpan.Zero);
        _statementTimeoutMs = ((long)options.StatementTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        // Named per store, so the pool figures Npgsql reports for every pool of the process can be told apart.
        var name = $"baton-{Guid.NewGuid():N}";
        _primary = CreateDataSource(options.ConnectionString, options.StatementTimeout, name + "-primary");
        if (!string.IsNullOrWhiteSpace(options.ReadConnectionString))
        {
            _replica = CreateDataSource(options.ReadConnectionString, options.StatementTimeout, name + "-replica");
        }
        Pools = new PostgresPoolStatistics(_replica is null ? [name + "-primary"] : [name + "-primary", name + "-replica"]);
        MigrationConnectionString = string.IsNullOrWhiteSpace(options.MigrationConnectionString)
            ? options.ConnectionString
            : options.MigrationConnectionString;
    }

    public string MigrationConnectionString { get; }

    /// <summary>The busy and idle connections of this store's pools.</summary>
    public PostgresPoolStatistics Pools { get; }

    /// <summary>
    /// Runs the read <paramref name="work"/> without an explicit transaction: every command it sends carries the scope
    /// call in front of its statements, and the statements of one command form one implicit transaction (see
    /// <see cref="PgSql.ScopedCommand"/>). No BEGIN or COMMIT round trip, and no statement of the read ever runs unscoped.
    /// </summary>
    private async Task<T> ReadScopedAsync<T>(
        NpgsqlDataSource source, string tenantId, bool system, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken)
    {
        var scope = Scope(tenantId, system);
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        return await work(new StoreSession(
            connection, PostgresDialect.Instance, (sql, parameters, token) => PgSql.ScopedCommand(sql, parameters, scope, token), cancellationToken));
    }

    /// <summary>Runs <paramref name="work"/> in one transaction on the primary, in one tenant's scope or the system's.</summary>
    private async Task<T> RunAsync<T>(string tenantId, bool system, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken)
    {
        var scope = Scope(tenantId, system);
        await using var connection = await _primary.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Sent in front of the work's first statement (no round trip of its own); the settings end with the transaction.
        PgSql.SendBeforeFirstCommand(transaction, scope);
        var result = await work(new StoreSession(
            connection, PostgresDialect.Instance, (sql, parameters, token) => PgSql.Command(sql, parameters, transaction, token), cancellationToken));
        PgSql.ForgetScope(transaction);
        // The work is done: do not let a late cancellation throw it away.
        await transaction.CommitAsync(CancellationToken.None);
        return result;
    }

    /// <summary>The scope of a unit of work: a tenant's (never an empty tenant id) or the system's.</summary>
    private PgSql.Scope Scope(string tenantId, bool system)
    {
        if (!system) ArgumentException.ThrowIfNullOrEmpty(tenantId);
        return new PgSql.Scope(tenantId, system, _statementTimeoutMs);
    }

    /// <summary>The most connections a replica opens to one database when its connection string names no pool size.</summary>
    public const int DefaultMaxPoolSize = 10;

    private static NpgsqlDataSource CreateDataSource(string connectionString, TimeSpan statementTimeout, string name)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = name };
        // The server-side statement timeout fires first; the client gives up a little later.
        builder.ConnectionStringBuilder.CommandTimeout = (int)Math.Ceiling(statementTimeout.TotalSeconds) + 5;
        // Every setting is transaction-local and no session state is left behind, so a connection going back to
        // the pool needs no DISCARD ALL (one statement less per transaction on the server).
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        // The same few dozen statements run all day: let Npgsql prepare the busy ones on each connection (parsed and
        // planned once, not per call), unless the connection string says otherwise (Max Auto Prepare=0 for a pooler
        // without prepared-statement support).
        if (!Names(connectionString, "MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 128;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 3;
        }
        // Few connections, unless the connection string names a size: each new backend loads its caches and plans every
        // statement itself (~20 ms of CPU on a small machine), so a pool that grows under a burst adds that work when the
        // database has least to spare, and Npgsql's 100 let a saturated dispatch collapse (docs/deploy.md).
        if (!Names(connectionString, "MaxPoolSize") && !Names(connectionString, "MaximumPoolSize"))
        {
            builder.ConnectionStringBuilder.MaxPoolSize = DefaultMaxPoolSize;
        }
        return builder.Build();
    }

    /// <summary>Whether the connection string itself sets <paramref name="key"/> (spaces and case aside).</summary>
    private static bool Names(string connectionString, string key) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Any(name => string.Equals(name.Replace(" ", "", StringComparison.Ordinal), key, StringComparison.OrdinalIgnoreCase));

    public async ValueTask DisposeAsync()
    {
        Pools.Dispose();
        await _primary.DisposeAsync();
        if (_replica is not null) await _replica.DisposeAsync();
    }
}
