using System.Globalization;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteDataKeyStore(SqliteDatabase database) : IDataKeyStore
{
    private const string Columns =
        "tenant_id AS TenantId, version AS Version, master_key_id AS MasterKeyId, wrapped_key AS WrappedKey, created_at AS CreatedAt";

    public Task<IReadOnlyList<DataKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<DataKeyRecord>>(async connection => (await connection.QueryAsync<Row>(Sql.Command(
            $"SELECT {Columns} FROM tenant_data_keys WHERE tenant_id = @tenantId ORDER BY version;", new { tenantId }, cancellationToken)))
            .Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<bool> AddAsync(DataKeyRecord key, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(Sql.Command(
            """
            INSERT OR IGNORE INTO tenant_data_keys (tenant_id, version, master_key_id, wrapped_key, created_at)
            VALUES (@TenantId, @Version, @MasterKeyId, @WrappedKey, @createdAt);
            """,
            new { key.TenantId, key.Version, key.MasterKeyId, key.WrappedKey, createdAt = StoredTime.ToMs(key.CreatedAt) },
            transaction, cancellationToken)) == 1, cancellationToken);

    public Task<IReadOnlyList<DataKeyRecord>> ListWrappedWithOtherKeysAsync(string masterKeyId, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<DataKeyRecord>>(async connection => (await connection.QueryAsync<Row>(Sql.Command(
            $"SELECT {Columns} FROM tenant_data_keys WHERE master_key_id <> @masterKeyId ORDER BY tenant_id, version LIMIT {Math.Max(1, limit).ToString(CultureInfo.InvariantCulture)};",
            new { masterKeyId }, cancellationToken))).Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<bool> RewrapAsync(DataKeyRecord current, string masterKeyId, string wrappedKey, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(Sql.Command(
            """
            UPDATE tenant_data_keys SET master_key_id = @masterKeyId, wrapped_key = @wrappedKey
            WHERE tenant_id = @TenantId AND version = @Version AND master_key_id = @current AND wrapped_key = @currentWrapped;
            """,
            new { current.TenantId, current.Version, masterKeyId, wrappedKey, current = current.MasterKeyId, currentWrapped = current.WrappedKey },
            transaction, cancellationToken)) == 1, cancellationToken);

    public Task<IReadOnlyDictionary<string, int>> CountByMasterKeyAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyDictionary<string, int>>(async connection => (await connection.QueryAsync<(string MasterKeyId, long Count)>(Sql.Command(
            "SELECT master_key_id, COUNT(*) FROM tenant_data_keys GROUP BY master_key_id;", null, cancellationToken)))
            .ToDictionary(row => row.MasterKeyId, row => (int)row.Count, StringComparer.Ordinal), cancellationToken);

    private sealed class Row
    {
        public string TenantId { get; set; } = "";
        public long Version { get; set; }
        public string MasterKeyId { get; set; } = "";
        public string WrappedKey { get; set; } = "";
        public long CreatedAt { get; set; }

        public DataKeyRecord ToRecord() => new(TenantId, (int)Version, MasterKeyId, WrappedKey, StoredTime.FromMs(CreatedAt));
    }
}
