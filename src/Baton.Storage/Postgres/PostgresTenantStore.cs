using Baton.Core.Dispatch.FairShare;
using Baton.Core.Tenancy;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// Tenants. Reads and updates of one tenant run in that tenant's scope; creating, finding by name
/// and listing are administration across tenants and run in the system scope.
/// </summary>
internal sealed class PostgresTenantStore(PostgresDatabase database) : ITenantStore
{
    private const string Columns = "id AS Id, name AS Name, tier AS Tier, overrides::text AS Overrides, created_at AS CreatedAt";

    // System scope: the tenant does not exist yet, and the name must be unique across tenants.
    public Task<bool> CreateAsync(TenantRecord tenant, CancellationToken cancellationToken) =>
        database.InSystemAsync(async (connection, transaction) =>
        {
            var inserted = await connection.ExecuteAsync(PgSql.Command(
                """
                INSERT INTO tenants (id, name, tier, overrides, created_at)
                VALUES (@Id, @Name, @Tier, CAST(@Overrides AS jsonb), @CreatedAt)
                ON CONFLICT DO NOTHING;
                """,
                new
                {
                    tenant.Id,
                    tenant.Name,
                    Tier = tenant.Tier.ToText(),
                    Overrides = StoredJson.Serialize(tenant.Overrides),
                    CreatedAt = PgTime.ToDb(tenant.CreatedAt),
                },
                transaction, cancellationToken));
            if (inserted == 1)
            {
                await connection.ExecuteAsync(PgSql.Command(
                    "INSERT INTO queues (tenant_id, name, created_at) VALUES (@Id, 'default', @CreatedAt);",
                    new { tenant.Id, CreatedAt = PgTime.ToDb(tenant.CreatedAt) }, transaction, cancellationToken));
            }
            return inserted == 1;
        }, cancellationToken);

    public Task<TenantRecord?> GetAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) =>
            QueryOneAsync(connection, transaction, "id = @tenantId", new { tenantId }, cancellationToken), cancellationToken);

    // System scope: resolving a name to a tenant is a lookup across tenants.
    public Task<TenantRecord?> GetByNameAsync(string name, CancellationToken cancellationToken) =>
        database.InSystemAsync((connection, transaction) =>
            QueryOneAsync(connection, transaction, "name = @name", new { name }, cancellationToken), cancellationToken);

    // System scope: the administrator's list of every tenant.
    public Task<IReadOnlyList<TenantRecord>> ListAsync(CancellationToken cancellationToken) =>
        database.InSystemAsync<IReadOnlyList<TenantRecord>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<TenantRow>(PgSql.Command(
                $"SELECT {Columns} FROM tenants WHERE id <> '{SharedPool.TenantId}' ORDER BY name;", null, transaction, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<TenantRecord?> UpdateAsync(string tenantId, Tier tier, QuotaOverrides overrides, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<TenantRow>(PgSql.Command(
                $"UPDATE tenants SET tier = @tier, overrides = CAST(@overrides AS jsonb) WHERE id = @tenantId RETURNING {Columns};",
                new { tenantId, tier = tier.ToText(), overrides = StoredJson.Serialize(overrides) },
                transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    // System scope: one flush carries the counts of many tenants, written in one statement.
    public Task AddApiUsageAsync(IReadOnlyList<ApiUsageIncrement> increments, CancellationToken cancellationToken)
    {
        if (increments.Count == 0) return Task.CompletedTask;
        // One row per (tenant, day): ON CONFLICT cannot touch the same row twice in one statement.
        var merged = increments
            .GroupBy(increment => (increment.TenantId, increment.Day))
            .Select(group => (group.Key.TenantId, group.Key.Day, Calls: group.Sum(increment => increment.Calls)))
            .ToList();
        return database.InSystemAsync((connection, transaction) => connection.ExecuteAsync(PgSql.Command(
            """
            INSERT INTO api_usage (tenant_id, day, calls)
            SELECT * FROM unnest(@tenantIds::text[], @days::text[], @calls::integer[])
            ON CONFLICT (tenant_id, day) DO UPDATE SET calls = api_usage.calls + excluded.calls;
            """,
            new
            {
                tenantIds = merged.Select(m => m.TenantId).ToArray(),
                days = merged.Select(m => m.Day).ToArray(),
                calls = merged.Select(m => m.Calls).ToArray(),
            },
            transaction, cancellationToken)), cancellationToken);
    }

    public Task<int> GetApiUsageAsync(string tenantId, string day, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => connection.ExecuteScalarAsync<int>(PgSql.Command(
            "SELECT COALESCE((SELECT calls FROM api_usage WHERE tenant_id = @tenantId AND day = @day), 0);",
            new { tenantId, day }, transaction, cancellationToken)), cancellationToken);

    private static async Task<TenantRecord?> QueryOneAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string where, object parameters, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<TenantRow>(PgSql.Command(
            $"SELECT {Columns} FROM tenants WHERE {where};", parameters, transaction, cancellationToken));
        return row?.ToRecord();
    }

    private sealed class TenantRow
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public string Tier { get; set; } = "";
        public string Overrides { get; set; } = "";
        public DateTime CreatedAt { get; set; }

        public TenantRecord ToRecord() => new(
            Id, Name, Tiers.Parse(Tier), StoredJson.Deserialize<QuotaOverrides>(Overrides), PgTime.FromDb(CreatedAt));
    }
}
