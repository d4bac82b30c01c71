using Baton.Core.Secrets;
using Baton.Storage;

namespace Baton.Server.Secrets;

/// <summary>
/// Webhook signing secrets at rest: sealed before they are stored, opened only to sign a delivery. A value still in
/// plain text (written before encryption, or by an older replica during an upgrade) is used as is and sealed by the
/// start-up migration (<see cref="MigratePlaintextAsync"/>).
/// </summary>
public sealed class WebhookSecrets(ISecretProtector protector, IBatonStore store, ILogger<WebhookSecrets> logger)
{
    private const int PageSize = 200;

    public static string Purpose(string webhookId) => "webhook:" + webhookId;

    public Task<string> ProtectAsync(string tenantId, string webhookId, string secret, CancellationToken cancellationToken) =>
        protector.ProtectAsync(tenantId, Purpose(webhookId), secret, cancellationToken);

    public Task<string> RevealAsync(string tenantId, string webhookId, string stored, CancellationToken cancellationToken) =>
        ProtectedValue.IsProtected(stored) ? protector.UnprotectAsync(tenantId, Purpose(webhookId), stored, cancellationToken) : Task.FromResult(stored);

    /// <summary>Seals every stored secret still in plain text (compare-and-set per webhook, safe with replicas); returns how many.</summary>
    public async Task<int> MigratePlaintextAsync(CancellationToken cancellationToken)
    {
        var migrated = 0;
        string? after = null;
        while (true)
        {
            var page = await store.Webhooks.ListSecretsAsync(after, PageSize, cancellationToken);
            foreach (var secret in page.Where(s => !ProtectedValue.IsProtected(s.Value)))
            {
                var sealedValue = await ProtectAsync(secret.TenantId, secret.OwnerId, secret.Value, cancellationToken);
                if (await store.Webhooks.ReplaceSecretAsync(secret.TenantId, secret.OwnerId, secret.Value, sealedValue, cancellationToken)) migrated++;
            }
            if (page.Count < PageSize) break;
            after = page[^1].OwnerId;
        }
        if (migrated > 0) logger.LogInformation("Secrets at rest: sealed {Count} webhook secret(s) stored in plain text", migrated);
        return migrated;
    }
}
