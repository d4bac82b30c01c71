using Baton.Core.Dispatch.FairShare;
using Baton.Core.Tenancy;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// Tenants. Reads and updates of one tenant run in that tenant's scope; creating, finding by name
/// and listing are administration across tenants and run in the system scope.
/// </summary>
internal sealed class TenantStore(IStoreDatabase database) : ITenantStore
{
    // Read into the record's properties, the tier through its stored form.
    private static readonly string[] All = ["id", "name", "tier AS StoredTier", "overrides", "created_at"];

    private static readonly string Select = Columns.Select(All);
    private static readonly string Insert = $"INSERT INTO tenants ({Columns.Names(All)}) VALUES ({Columns.Values(All)}) ON CONFLICT DO NOTHING;";

    // System scope: the tenant does not exist yet, and the name must be unique across tenants.
    public Task<bool> CreateAsync(TenantRecord tenant, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session =>
        {
            var inserted = await session.ExecuteAsync(Insert, new { tenant.Id, tenant.Name, tenant.StoredTier, tenant.Overrides, tenant.CreatedAt });
            if (inserted == 1)
            {
                await session.ExecuteAsync(
                    "INSERT INTO queues (tenant_id, name, created_at) VALUES (@Id, 'default', @CreatedAt);", new { tenant.Id, tenant.CreatedAt });
            }
            return inserted == 1;
        }, cancellationToken);

    public Task<TenantRecord?> GetAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => QueryOneAsync(session, "id = @tenantId", new { tenantId }), cancellationToken);

    // System scope: resolving a name to a tenant is a lookup across tenants.
    public Task<TenantRecord?> GetByNameAsync(string name, CancellationToken cancellationToken) =>
        database.SystemReadAsync(session => QueryOneAsync(session, "name = @name", new { name }), cancellationToken);

    // System scope: the administrator's list of every tenant.
    public Task<IReadOnlyList<TenantRecord>> ListAsync(CancellationToken cancellationToken) =>
        database.SystemReadAsync(session => session.ListAsync<TenantRecord>(
            $"SELECT {Select} FROM tenants WHERE id <> '{SharedPool.TenantId}' ORDER BY name;"), cancellationToken);

    public Task<TenantRecord?> UpdateAsync(string tenantId, Tier tier, QuotaOverrides overrides, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, session => session.QuerySingleOrDefaultAsync<TenantRecord>(
            $"UPDATE tenants SET tier = @tier, overrides = @overrides WHERE id = @tenantId RETURNING {Select};",
            new { tenantId, tier = tier.ToText(), overrides }), cancellationToken);

    // System scope: one flush carries the counts of many tenants, written in one statement.
    public Task AddApiUsageAsync(IReadOnlyList<ApiUsageIncrement> increments, CancellationToken cancellationToken)
    {
        if (increments.Count == 0) return Task.CompletedTask;
        // One row per (tenant, day): ON CONFLICT cannot touch the same row twice in one statement.
        var merged = increments
            .GroupBy(increment => (increment.TenantId, increment.Day))
            .Select(group => (group.Key.TenantId, group.Key.Day, Calls: (long)group.Sum(increment => increment.Calls)))
            .ToList();
        return database.SystemWriteAsync(session => session.ExecuteAsync(
            // WHERE true: SQLite would read ON CONFLICT as the join's ON without it.
            $"""
            INSERT INTO api_usage (tenant_id, day, calls)
            SELECT u.tenant_id, u.day, u.calls FROM {session.Dialect.RowsOf("u", ("tenantIds", "tenant_id"), ("days", "day"), ("calls", "calls"))} WHERE true
            ON CONFLICT (tenant_id, day) DO UPDATE SET calls = api_usage.calls + excluded.calls;
            """,
            new
            {
                tenantIds = new TextList([.. merged.Select(m => m.TenantId)]),
                days = new TextList([.. merged.Select(m => m.Day)]),
                calls = ValueList.Of(merged.Select(m => m.Calls)),
            }), cancellationToken);
    }

    public Task<int> GetApiUsageAsync(string tenantId, string day, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ScalarAsync<int>(
            "SELECT COALESCE((SELECT calls FROM api_usage WHERE tenant_id = @tenantId AND day = @day), 0);", new { tenantId, day }), cancellationToken);

    private static Task<TenantRecord?> QueryOneAsync(StoreSession session, string where, object parameters) =>
        session.QuerySingleOrDefaultAsync<TenantRecord>($"SELECT {Select} FROM tenants WHERE {where};", parameters);
}
