using System.Text.Json;

namespace Baton.Storage.Model;

/// <summary>
/// Who made a change: an API key (its id, tenant and role, and whether it is a system admin's), or the
/// system itself (<see cref="Type"/> <c>system</c>: start-up, a CLI maintenance command).
/// </summary>
public sealed record AuditActor(string Type, string? KeyId, string? TenantId, string? Role, bool IsSystemAdmin)
{
    public const string ApiKeyType = "api_key";
    public const string SystemType = "system";

    public static AuditActor System { get; } = new(SystemType, null, null, null, IsSystemAdmin: true);
}

/// <summary>
/// An entry to append to <see cref="TenantId"/>'s audit log (the tenant whose object changed). The summary is
/// a JSON object without secrets: the fields set at creation, or <c>{"field": {"from": …, "to": …}}</c> for a change.
/// </summary>
public sealed record NewAuditEntry(
    string TenantId,
    DateTimeOffset At,
    AuditActor Actor,
    string Action,
    string TargetType,
    string TargetId,
    string? SourceAddress,
    JsonElement Summary);

/// <summary>One audit log entry. <see cref="Id"/> grows with time across the installation (the cursor of newest-first pages).</summary>
public sealed record AuditEntryRecord(
    long Id,
    string TenantId,
    DateTimeOffset At,
    AuditActor Actor,
    string Action,
    string TargetType,
    string TargetId,
    string? SourceAddress,
    JsonElement Summary);

/// <summary>
/// A filter over the audit log, newest first. <see cref="TenantId"/> null reads every tenant (system admins).
/// <see cref="Action"/> is an exact action (<c>api_key.revoked</c>) or a prefix ending in <c>.*</c> (<c>webhook.*</c>).
/// <see cref="Before"/> is the id the previous page ended with.
/// </summary>
public sealed record AuditQuery(
    string? TenantId,
    int Limit,
    long? Before = null,
    string? Action = null,
    string? ActorKeyId = null,
    string? TargetType = null,
    string? TargetId = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null)
{
    /// <summary>The largest page a query returns.</summary>
    public const int MaxLimit = 500;
}
