using System.Globalization;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

// Reading and replacing stored signing secrets (migration of plaintext secrets to protected ones).
internal sealed partial class PostgresWebhookStore
{
    // Across tenants by nature: the migration runs once for the installation.
    public Task<IReadOnlyList<StoredSecret>> ListSecretsAsync(string? afterId, int limit, CancellationToken cancellationToken) =>
        database.InSystemAsync<IReadOnlyList<StoredSecret>>(async (connection, transaction) => (await connection.QueryAsync<StoredSecret>(PgSql.Command(
            $"""
            SELECT tenant_id AS TenantId, id AS OwnerId, secret AS Value FROM webhooks
            WHERE CAST(@afterId AS text) IS NULL OR id > @afterId ORDER BY id LIMIT {Math.Max(1, limit).ToString(CultureInfo.InvariantCulture)};
            """,
            new { afterId }, transaction, cancellationToken))).ToList(), cancellationToken);

    public Task<bool> ReplaceSecretAsync(string tenantId, string webhookId, string expected, string replacement, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) => await connection.ExecuteAsync(PgSql.Command(
            "UPDATE webhooks SET secret = @replacement WHERE tenant_id = @tenantId AND id = @webhookId AND secret = @expected;",
            new { tenantId, webhookId, expected, replacement }, transaction, cancellationToken)) == 1, cancellationToken);
}
