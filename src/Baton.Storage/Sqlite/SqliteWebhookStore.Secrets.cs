using System.Globalization;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Sqlite;

// Reading and replacing stored signing secrets (migration of plaintext secrets to protected ones).
internal sealed partial class SqliteWebhookStore
{
    public Task<IReadOnlyList<StoredSecret>> ListSecretsAsync(string? afterId, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<StoredSecret>>(async connection => (await connection.QueryAsync<StoredSecret>(Sql.Command(
            $"""
            SELECT tenant_id AS TenantId, id AS OwnerId, secret AS Value FROM webhooks
            WHERE @afterId IS NULL OR id > @afterId ORDER BY id LIMIT {Math.Max(1, limit).ToString(CultureInfo.InvariantCulture)};
            """,
            new { afterId }, cancellationToken))).ToList(), cancellationToken);

    public Task<bool> ReplaceSecretAsync(string tenantId, string webhookId, string expected, string replacement, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(Sql.Command(
            "UPDATE webhooks SET secret = @replacement WHERE tenant_id = @tenantId AND id = @webhookId AND secret = @expected;",
            new { tenantId, webhookId, expected, replacement }, transaction, cancellationToken)) == 1, cancellationToken);
}
