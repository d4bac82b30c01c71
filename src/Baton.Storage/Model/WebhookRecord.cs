namespace Baton.Storage.Model;

/// <summary>
/// A tenant's webhook. <see cref="Secret"/> is the signing secret as stored: sealed by the server (Baton.Core.Secrets.ISecretProtector;
/// it signs every delivery, so it cannot be a hash) — the store neither seals nor opens it.
/// <see cref="EventCursor"/> is the id of the last tenant event fanned out to it.
/// </summary>
public sealed record WebhookRecord(
    string TenantId,
    string Id,
    string Url,
    string Secret,
    IReadOnlyList<string> EventTypes,
    bool Enabled,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long EventCursor);

/// <summary>A partial update: null leaves a field as it is.</summary>
public sealed record WebhookUpdate(
    string? Url = null,
    string? Secret = null,
    IReadOnlyList<string>? EventTypes = null,
    bool? Enabled = null,
    string? Description = null);
