using Baton.Storage.Relational;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// Applies the numbered scripts in <c>Postgres/Migrations</c> (embedded resources) in order, as
/// the table owner, in one transaction holding a transaction-level advisory lock: replicas that
/// start together queue on the lock, and the later ones find everything applied. Each script is
/// recorded in <c>schema_migrations</c>; re-running applies nothing.
/// </summary>
internal sealed class PostgresMigrator(string connectionString, TimeProvider time)
{
    /// <summary>The advisory lock key of migrations ("baton" in ASCII plus 1); any constant unique to Baton.</summary>
    private const long MigrationLockKey = 0x6261746F6E01;
    private const string ResourcePrefix = "Baton.Storage.Postgres.Migrations.";

    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var scripts = LoadScripts();
        // Unpooled: migrations run once at start-up, and no owner connection should linger afterwards.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(PgSql.Command("SELECT pg_advisory_xact_lock(@key);", new { key = MigrationLockKey }, transaction, cancellationToken));
        var newlyApplied = await MigrationScripts.ApplyAsync(connection, transaction, scripts,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer NOT NULL PRIMARY KEY, applied_at timestamptz NOT NULL);",
            StoredValues.Truncate(time.GetUtcNow()), cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        return newlyApplied;
    }

    /// <summary>The embedded scripts, ordered by their number.</summary>
    internal static IReadOnlyList<(int Version, string Script)> LoadScripts() => MigrationScripts.Load(ResourcePrefix);
}
