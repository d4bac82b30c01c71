using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>Assets and their per-agent-group values; what a running job may read of them.</summary>
internal sealed class AssetStore(IStoreDatabase database) : IAssetStore
{
    private const string UpsertValue =
        """
        INSERT INTO asset_values (tenant_id, asset_name, agent_group, value, username, secret, updated_at)
        VALUES (@tenantId, @name, @group, @Value, @Username, @Secret, @now)
        ON CONFLICT (tenant_id, asset_name, agent_group)
        DO UPDATE SET value = excluded.value, username = excluded.username, secret = excluded.secret, updated_at = excluded.updated_at;
        """;

    public Task<AssetRecord> SaveAsync(AssetDefinition asset, AssetValue value, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(asset.TenantId, async session =>
        {
            // Two first saves of one name at once: the second waits and replaces instead of failing on the key.
            await session.LockAsync($"assets:{asset.TenantId}/{asset.Name}");
            var parameters = new { asset.TenantId, asset.Name, asset.Type, asset.Queue, asset.AgentGroup, asset.Description, now };
            var previousType = await session.QuerySingleOrDefaultAsync<string>(
                $"SELECT type FROM assets WHERE tenant_id = @TenantId AND name = @Name {session.Dialect.LockRows};", parameters);
            if (previousType is null)
            {
                await session.ExecuteAsync(
                    """
                    INSERT INTO assets (tenant_id, name, type, queue, agent_group, description, created_at, updated_at)
                    VALUES (@TenantId, @Name, @Type, @Queue, @AgentGroup, @Description, @now, @now);
                    """, parameters);
            }
            else
            {
                await session.ExecuteAsync(
                    """
                    UPDATE assets SET type = @Type, queue = @Queue, agent_group = @AgentGroup, description = @Description, updated_at = @now
                    WHERE tenant_id = @TenantId AND name = @Name;
                    """, parameters);
                // Overrides of another type would hand a job a value of the wrong kind.
                if (previousType != asset.Type)
                {
                    await session.ExecuteAsync(
                        "DELETE FROM asset_values WHERE tenant_id = @TenantId AND asset_name = @Name AND agent_group <> '';", parameters);
                }
            }
            await session.ExecuteAsync(UpsertValue, new { tenantId = asset.TenantId, name = asset.Name, group = "", value.Value, value.Username, value.Secret, now });
            return (await LoadAsync(session, asset.TenantId, asset.Name))!;
        }, cancellationToken);

    public Task<AssetRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => LoadAsync(session, tenantId, name), cancellationToken);

    public Task<IReadOnlyList<AssetRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadListAsync<IReadOnlyList<AssetRecord>>(tenantId, async session =>
        {
            var assets = await session.QueryAsync<AssetRow>($"SELECT {AssetRow.Select} FROM assets WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId });
            var values = (await session.QueryAsync<AssetValueRow>(
                $"SELECT {AssetValueRow.Select} FROM asset_values WHERE tenant_id = @tenantId;", new { tenantId })).ToLookup(v => v.AssetName, StringComparer.Ordinal);
            return [.. assets.Select(a => a.ToRecord(values[a.Name]))];
        }, cancellationToken);

    public Task<bool> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session =>
        {
            // Values first: SQLite enforces the cascade only with foreign keys on, and this keeps the order explicit on both.
            await session.ExecuteAsync("DELETE FROM asset_values WHERE tenant_id = @tenantId AND asset_name = @name;", new { tenantId, name });
            return await session.ExecuteAsync("DELETE FROM assets WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name }) == 1;
        }, cancellationToken);

    public Task<AssetRecord?> SetOverrideAsync(
        string tenantId, string name, string agentGroup, AssetValue value, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session =>
        {
            var touched = await session.ExecuteAsync(
                "UPDATE assets SET updated_at = @now WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name, now });
            if (touched == 0) return null;
            await session.ExecuteAsync(UpsertValue, new { tenantId, name, group = agentGroup, value.Value, value.Username, value.Secret, now });
            return await LoadAsync(session, tenantId, name);
        }, cancellationToken);

    public Task<bool> RemoveOverrideAsync(string tenantId, string name, string agentGroup, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session =>
        {
            var removed = await session.ExecuteAsync(
                "DELETE FROM asset_values WHERE tenant_id = @tenantId AND asset_name = @name AND agent_group = @agentGroup AND agent_group <> '';",
                new { tenantId, name, agentGroup });
            if (removed == 0) return false;
            await session.ExecuteAsync("UPDATE assets SET updated_at = @now WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name, now });
            return true;
        }, cancellationToken);

    public Task<AssetResolution> ResolveForJobAsync(string tenantId, string jobId, string agentId, int attempt, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, async session =>
        {
            var holder = await ReadHolderAsync(session, tenantId, jobId);
            if (holder is null || !holder.IsHeldBy(agentId, attempt)) return new AssetResolution(AssetLookup.NotHeld);
            var asset = await session.QuerySingleOrDefaultAsync<AssetRow>(
                $"SELECT {AssetRow.Select} FROM assets WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name });
            if (asset is null
                || (asset.Queue is not null && asset.Queue != holder.Queue)
                || (asset.AgentGroup is not null && asset.AgentGroup != holder.AgentGroup))
            {
                return new AssetResolution(AssetLookup.NotFound);
            }
            var value = await session.QueryFirstOrDefaultAsync<AssetValueRow>(
                $"""
                SELECT {AssetValueRow.Select} FROM asset_values
                WHERE tenant_id = @tenantId AND asset_name = @name AND (agent_group = '' OR agent_group = CAST(@group AS text))
                ORDER BY agent_group DESC LIMIT 1;
                """,
                new { tenantId, name, group = holder.AgentGroup });
            return value is null
                ? new AssetResolution(AssetLookup.NotFound)
                : new AssetResolution(AssetLookup.Found, new ResolvedAsset(asset.Name, asset.Type, value.ToValue(), value.AgentGroup.Length == 0 ? null : value.AgentGroup));
        }, cancellationToken);

    /// <summary>
    /// The job's state, holder and queue, with its agent's group — only when the agent is the tenant's own: a shared
    /// agent's group names nothing of this tenant's (and on PostgreSQL its row is not visible here anyway).
    /// </summary>
    internal static Task<JobHolderRow?> ReadHolderAsync(StoreSession session, string tenantId, string jobId) =>
        session.QuerySingleOrDefaultAsync<JobHolderRow>(
            $"""
            SELECT j.state AS State, j.agent_id AS AgentId, j.attempt AS Attempt, j.queue AS Queue,
                   CASE WHEN a.tenant_id = j.tenant_id THEN COALESCE({session.Dialect.JsonField("a.capabilities", "group")}, 'default') END AS AgentGroup
            FROM jobs j LEFT JOIN agents a ON a.id = j.agent_id
            WHERE j.tenant_id = @tenantId AND j.id = @jobId;
            """,
            new { tenantId, jobId });

    private static async Task<AssetRecord?> LoadAsync(StoreSession session, string tenantId, string name)
    {
        var asset = await session.QuerySingleOrDefaultAsync<AssetRow>(
            $"SELECT {AssetRow.Select} FROM assets WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name });
        if (asset is null) return null;
        var values = await session.QueryAsync<AssetValueRow>(
            $"SELECT {AssetValueRow.Select} FROM asset_values WHERE tenant_id = @tenantId AND asset_name = @name;", new { tenantId, name });
        return asset.ToRecord(values);
    }
}
