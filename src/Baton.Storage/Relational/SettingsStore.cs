namespace Baton.Storage.Relational;

/// <summary>Installation-wide settings. The table holds no tenant data; the system scope is only for uniformity.</summary>
internal sealed class SettingsStore(IStoreDatabase database) : ISettingsStore
{
    public async Task<string> GetOrAddAsync(string key, Func<string> create, CancellationToken cancellationToken)
    {
        var existing = await database.SystemReadAsync(session => session.QuerySingleOrDefaultAsync<string?>(
            "SELECT value FROM settings WHERE key = @key;", new { key }), cancellationToken);
        if (existing is not null) return existing;

        var candidate = create();
        return await database.SystemWriteAsync(async session =>
        {
            // First writer wins: a concurrent creator's value is kept and returned to both.
            var inserted = await session.QuerySingleOrDefaultAsync<string?>(
                "INSERT INTO settings (key, value) VALUES (@key, @candidate) ON CONFLICT (key) DO NOTHING RETURNING value;", new { key, candidate });
            return inserted ?? await session.QuerySingleAsync<string>("SELECT value FROM settings WHERE key = @key;", new { key });
        }, cancellationToken);
    }
}
