using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Tenant webhooks and their deliveries. A delivery is persisted before it is attempted: the fan-out
/// turns new tenant events into deliveries and advances each webhook's cursor in the same
/// transaction; notifiers claim due deliveries under a lease (one sender at a time per delivery)
/// and record each attempt fenced by the lease token.
/// </summary>
public interface IWebhookStore
{
    /// <summary>Creates the webhook with its cursor at the tenant's newest event (it receives what happens from now on).</summary>
    Task<WebhookRecord> CreateAsync(WebhookRecord webhook, CancellationToken cancellationToken);
    Task<WebhookRecord?> GetAsync(string tenantId, string webhookId, CancellationToken cancellationToken);
    /// <summary>Oldest first.</summary>
    Task<IReadOnlyList<WebhookRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);
    Task<WebhookRecord?> UpdateAsync(string tenantId, string webhookId, WebhookUpdate update, DateTimeOffset now, CancellationToken cancellationToken);
    /// <summary>Deletes the webhook and its deliveries; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string tenantId, string webhookId, CancellationToken cancellationToken);

    /// <summary>Newest first; <paramref name="before"/> (a delivery id) pages back.</summary>
    Task<IReadOnlyList<WebhookDeliveryRecord>> ListDeliveriesAsync(
        string tenantId, string webhookId, int limit, string? before, CancellationToken cancellationToken);
    Task<WebhookDeliveryRecord?> GetDeliveryAsync(string tenantId, string webhookId, string deliveryId, CancellationToken cancellationToken);
    /// <summary>Adds a delivery due now (a ping, or a redelivery of an earlier one's body).</summary>
    Task<WebhookDeliveryRecord> AddDeliveryAsync(NewDelivery delivery, CancellationToken cancellationToken);

    /// <summary>
    /// Across tenants: for up to <paramref name="maxWebhooks"/> webhooks behind their tenant's log, turns
    /// the next events (up to <paramref name="maxEvents"/> each) into deliveries for the types they
    /// subscribe to (none while disabled) and advances their cursors, atomically. Returns the deliveries created.
    /// </summary>
    Task<int> FanOutAsync(int maxWebhooks, int maxEvents, CancellationToken cancellationToken);

    /// <summary>
    /// Across tenants: claims up to <paramref name="max"/> due pending deliveries of enabled webhooks until
    /// now + <paramref name="lease"/> (each counts an attempt); another claimer skips them until the lease ends.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int max, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Records an attempt if the lease token still holds the delivery; false when it does not.</summary>
    Task<bool> RecordAttemptAsync(DeliveryAttemptResult result, CancellationToken cancellationToken);

    /// <summary>
    /// Across tenants, by webhook id: up to <paramref name="limit"/> webhooks' stored secrets after <paramref name="afterId"/>
    /// (null: from the first), for migrating plaintext secrets and re-encrypting them.
    /// </summary>
    Task<IReadOnlyList<StoredSecret>> ListSecretsAsync(string? afterId, int limit, CancellationToken cancellationToken);

    /// <summary>Replaces a webhook's stored secret if it still is <paramref name="expected"/>; false otherwise (changed or deleted).</summary>
    Task<bool> ReplaceSecretAsync(string tenantId, string webhookId, string expected, string replacement, CancellationToken cancellationToken);
}
