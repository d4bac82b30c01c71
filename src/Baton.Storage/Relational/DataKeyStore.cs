using System.Globalization;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

internal sealed class DataKeyStore(IStoreDatabase database) : IDataKeyStore
{
    private static readonly string[] All = ["tenant_id", "version", "master_key_id", "wrapped_key", "created_at"];

    private static readonly string Select = Columns.Select(All);
    private static readonly string Insert =
        $"INSERT INTO tenant_data_keys ({Columns.Names(All)}) VALUES ({Columns.Values(All)}) ON CONFLICT (tenant_id, version) DO NOTHING;";

    public Task<IReadOnlyList<DataKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<DataKeyRecord>>(tenantId, async session => (await session.QueryAsync<Row>(
            $"SELECT {Select} FROM tenant_data_keys WHERE tenant_id = @tenantId ORDER BY version;", new { tenantId }))
            .Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<bool> AddAsync(DataKeyRecord key, CancellationToken cancellationToken) =>
        database.WriteAsync(key.TenantId, async session => await session.ExecuteAsync(
            Insert,
            new { key.TenantId, key.Version, key.MasterKeyId, key.WrappedKey, key.CreatedAt }) == 1, cancellationToken);

    // Re-wrapping is cross-tenant by nature: one master key serves the installation.
    public Task<IReadOnlyList<DataKeyRecord>> ListWrappedWithOtherKeysAsync(string masterKeyId, int limit, CancellationToken cancellationToken) =>
        database.SystemReadAsync<IReadOnlyList<DataKeyRecord>>(async session => (await session.QueryAsync<Row>(
            $"SELECT {Select} FROM tenant_data_keys WHERE master_key_id <> @masterKeyId ORDER BY tenant_id, version LIMIT {Math.Max(1, limit).ToString(CultureInfo.InvariantCulture)};",
            new { masterKeyId })).Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<bool> RewrapAsync(DataKeyRecord current, string masterKeyId, string wrappedKey, CancellationToken cancellationToken) =>
        database.WriteAsync(current.TenantId, async session => await session.ExecuteAsync(
            """
            UPDATE tenant_data_keys SET master_key_id = @masterKeyId, wrapped_key = @wrappedKey
            WHERE tenant_id = @TenantId AND version = @Version AND master_key_id = @current AND wrapped_key = @currentWrapped;
            """,
            new { current.TenantId, current.Version, masterKeyId, wrappedKey, current = current.MasterKeyId, currentWrapped = current.WrappedKey }) == 1,
            cancellationToken);

    public Task<IReadOnlyDictionary<string, int>> CountByMasterKeyAsync(CancellationToken cancellationToken) =>
        database.SystemReadAsync<IReadOnlyDictionary<string, int>>(async session => (await session.QueryAsync<(string MasterKeyId, long Count)>(
            "SELECT master_key_id, COUNT(*) FROM tenant_data_keys GROUP BY master_key_id;"))
            .ToDictionary(row => row.MasterKeyId, row => (int)row.Count, StringComparer.Ordinal), cancellationToken);

    private sealed class Row
    {
        public string TenantId { get; set; } = "";
        public int Version { get; set; }
        public string MasterKeyId { get; set; } = "";
        public string WrappedKey { get; set; } = "";
        public DateTimeOffset CreatedAt { get; set; }

        public DataKeyRecord ToRecord() => new(TenantId, Version, MasterKeyId, WrappedKey, CreatedAt);
    }
}
