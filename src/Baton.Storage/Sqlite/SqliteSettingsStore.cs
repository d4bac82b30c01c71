using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteSettingsStore(SqliteDatabase database) : ISettingsStore
{
    public async Task<string> GetOrAddAsync(string key, Func<string> create, CancellationToken cancellationToken)
    {
        var existing = await database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<string?>(Sql.Command(
            "SELECT value FROM settings WHERE key = @key;", new { key }, cancellationToken)), cancellationToken);
        if (existing is not null) return existing;

        var candidate = create();
        return await database.WriteAsync(async (connection, transaction) =>
        {
            // First writer wins: a concurrent creator's value is kept and returned to both.
            await connection.ExecuteAsync(Sql.Command(
                "INSERT OR IGNORE INTO settings (key, value) VALUES (@key, @candidate);", new { key, candidate }, transaction, cancellationToken));
            return await connection.QuerySingleAsync<string>(Sql.Command(
                "SELECT value FROM settings WHERE key = @key;", new { key }, transaction, cancellationToken));
        }, cancellationToken);
    }
}
