using Baton.Core.Dispatch.FairShare;
using Baton.Core.Tenancy;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteTenantStore(SqliteDatabase database) : ITenantStore
{
    private const string Columns = "id AS Id, name AS Name, tier AS Tier, overrides AS Overrides, created_at AS CreatedAt";

    public Task<bool> CreateAsync(TenantRecord tenant, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var inserted = await connection.ExecuteAsync(Sql.Command(
                """
                INSERT INTO tenants (id, name, tier, overrides, created_at)
                VALUES (@Id, @Name, @Tier, @Overrides, @CreatedAt)
                ON CONFLICT DO NOTHING;
                """,
                new
                {
                    tenant.Id,
                    tenant.Name,
                    Tier = tenant.Tier.ToText(),
                    Overrides = StoredJson.Serialize(tenant.Overrides),
                    CreatedAt = StoredTime.ToMs(tenant.CreatedAt),
                },
                transaction, cancellationToken));
            if (inserted == 1)
            {
                await connection.ExecuteAsync(Sql.Command(
                    "INSERT INTO queues (tenant_id, name, created_at) VALUES (@Id, 'default', @CreatedAt);",
                    new { tenant.Id, CreatedAt = StoredTime.ToMs(tenant.CreatedAt) }, transaction, cancellationToken));
            }
            return inserted == 1;
        }, cancellationToken);

    public Task<TenantRecord?> GetAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<TenantRow>(Sql.Command(
                $"SELECT {Columns} FROM tenants WHERE id = @tenantId;", new { tenantId }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<TenantRecord?> GetByNameAsync(string name, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<TenantRow>(Sql.Command(
                $"SELECT {Columns} FROM tenants WHERE name = @name;", new { name }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<TenantRecord>> ListAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<TenantRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<TenantRow>(Sql.Command(
                $"SELECT {Columns} FROM tenants WHERE id <> '{SharedPool.TenantId}' ORDER BY name;", null, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<TenantRecord?> UpdateAsync(string tenantId, Tier tier, QuotaOverrides overrides, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(Sql.Command(
                "UPDATE tenants SET tier = @tier, overrides = @overrides WHERE id = @tenantId;",
                new { tenantId, tier = tier.ToText(), overrides = StoredJson.Serialize(overrides) },
                transaction, cancellationToken));
            if (updated == 0) return null;
            var row = await connection.QuerySingleAsync<TenantRow>(Sql.Command(
                $"SELECT {Columns} FROM tenants WHERE id = @tenantId;", new { tenantId }, transaction, cancellationToken));
            return row.ToRecord();
        }, cancellationToken);

    public Task AddApiUsageAsync(IReadOnlyList<ApiUsageIncrement> increments, CancellationToken cancellationToken)
    {
        if (increments.Count == 0) return Task.CompletedTask;
        return database.WriteAsync(async (connection, transaction) =>
        {
            foreach (var increment in increments)
            {
                await connection.ExecuteAsync(Sql.Command(
                    """
                    INSERT INTO api_usage (tenant_id, day, calls) VALUES (@TenantId, @Day, @Calls)
                    ON CONFLICT (tenant_id, day) DO UPDATE SET calls = calls + excluded.calls;
                    """,
                    increment, transaction, cancellationToken));
            }
        }, cancellationToken);
    }

    public Task<int> GetApiUsageAsync(string tenantId, string day, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<int>(Sql.Command(
            "SELECT COALESCE((SELECT calls FROM api_usage WHERE tenant_id = @tenantId AND day = @day), 0);",
            new { tenantId, day }, cancellationToken)), cancellationToken);

    private sealed class TenantRow
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public string Tier { get; set; } = "";
        public string Overrides { get; set; } = "";
        public long CreatedAt { get; set; }

        public TenantRecord ToRecord() => new(
            Id,
            Name,
            Tiers.Parse(Tier),
            StoredJson.Deserialize<QuotaOverrides>(Overrides),
            StoredTime.FromMs(CreatedAt));
    }
}
