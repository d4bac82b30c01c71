namespace Baton.Storage.Model;

public enum DeliveryState
{
    /// <summary>Waiting for its next attempt (or being attempted under a claim).</summary>
    Pending,
    Delivered,
    /// <summary>Given up: attempts or time spent.</summary>
    Failed,
}

/// <summary>
/// One event (or ping) to send to one webhook, persisted before it is attempted. The body is kept
/// as sent, so a retry or redelivery sends the same bytes.
/// </summary>
public sealed record WebhookDeliveryRecord(
    string TenantId,
    string Id,
    string WebhookId,
    long? EventId,
    string EventType,
    string Body,
    DeliveryState State,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? LastAttemptAt,
    int? LastStatusCode,
    string? LastError,
    int? LastDurationMs,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt,
    string? RedeliveryOf)
{
    // Dapper's: a webhook_deliveries row is read into the properties, the state through its stored form (Relational.DeliveryRow).
    private WebhookDeliveryRecord() : this("", "", "", null, "", "", default, 0, default, null, null, null, null, default, null, null)
    {
    }

    internal string StoredState { get => State.ToText(); init => State = DeliveryStates.Parse(value); }
}

/// <summary>A delivery claimed by one notifier until <see cref="LeaseUntil"/>, with what sending needs (the secret as stored, sealed).</summary>
public sealed record ClaimedDelivery(WebhookDeliveryRecord Delivery, string Url, string Secret, string LeaseToken, DateTimeOffset LeaseUntil);

/// <summary>
/// The outcome of one attempt. <see cref="NextAttemptAt"/> null with <see cref="Delivered"/> false
/// means the delivery has failed for good.
/// </summary>
public sealed record DeliveryAttemptResult(
    string DeliveryId,
    string LeaseToken,
    bool Delivered,
    int? StatusCode,
    string? Error,
    int DurationMs,
    DateTimeOffset? NextAttemptAt)
{
    /// <summary>Where the attempt leaves the delivery: delivered, retried at <see cref="NextAttemptAt"/>, or given up.</summary>
    public DeliveryState State => Delivered ? DeliveryState.Delivered : NextAttemptAt is null ? DeliveryState.Failed : DeliveryState.Pending;
}

/// <summary>A new delivery outside the fan-out: a ping or a manual redelivery.</summary>
public sealed record NewDelivery(string TenantId, string Id, string WebhookId, long? EventId, string EventType, string Body, string? RedeliveryOf);
