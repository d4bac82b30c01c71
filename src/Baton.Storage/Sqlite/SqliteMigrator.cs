using Dapper;

namespace Baton.Storage.Sqlite;

/// <summary>
/// Applies the numbered scripts in <c>Sqlite/Migrations</c> (embedded resources) in order, in one
/// <c>BEGIN IMMEDIATE</c> transaction, recording each in <c>schema_migrations</c>. Re-running applies nothing.
/// </summary>
internal sealed class SqliteMigrator(SqliteDatabase database, TimeProvider time)
{
    private const string ResourcePrefix = "Baton.Storage.Sqlite.Migrations.";

    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var scripts = LoadScripts();
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            // WAL is a property of the file and cannot change inside a transaction.
            await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode = WAL;", cancellationToken: cancellationToken));
        }

        return await database.WriteAsync((connection, transaction) => MigrationScripts.ApplyAsync(connection, transaction, scripts,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT;",
            time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken), cancellationToken);
    }

    /// <summary>The embedded scripts, ordered by their number.</summary>
    internal static IReadOnlyList<(int Version, string Script)> LoadScripts() => MigrationScripts.Load(ResourcePrefix);
}
