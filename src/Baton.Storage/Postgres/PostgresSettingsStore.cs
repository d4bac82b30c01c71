using Dapper;

namespace Baton.Storage.Postgres;

/// <summary>Installation-wide settings. The table holds no tenant data; the system scope is only for uniformity.</summary>
internal sealed class PostgresSettingsStore(PostgresDatabase database) : ISettingsStore
{
    public async Task<string> GetOrAddAsync(string key, Func<string> create, CancellationToken cancellationToken)
    {
        var existing = await database.InSystemAsync((connection, transaction) => connection.QuerySingleOrDefaultAsync<string?>(PgSql.Command(
            "SELECT value FROM settings WHERE key = @key;", new { key }, transaction, cancellationToken)), cancellationToken);
        if (existing is not null) return existing;

        var candidate = create();
        return await database.InSystemAsync(async (connection, transaction) =>
        {
            // First writer wins: a concurrent creator's value is kept and returned to both.
            var inserted = await connection.QuerySingleOrDefaultAsync<string?>(PgSql.Command(
                "INSERT INTO settings (key, value) VALUES (@key, @candidate) ON CONFLICT (key) DO NOTHING RETURNING value;",
                new { key, candidate }, transaction, cancellationToken));
            return inserted ?? await connection.QuerySingleAsync<string>(PgSql.Command(
                "SELECT value FROM settings WHERE key = @key;", new { key }, transaction, cancellationToken));
        }, cancellationToken);
    }
}
