using System.Text.Json;

namespace Baton.Core.Api;

/// <summary>
/// One audit log entry (<c>GET /api/v1/audit</c>, <c>GET /api/v1/system/audit</c>): who (<see cref="Actor"/>), did what
/// (<see cref="Action"/>, e.g. <c>api_key.revoked</c>) to which object, when, from where, and a summary without secrets.
/// </summary>
public sealed record AuditEntryDto(
    long Id,
    string TenantId,
    DateTimeOffset At,
    AuditActorDto Actor,
    string Action,
    string TargetType,
    string TargetId,
    string? SourceAddress,
    JsonElement Summary);

/// <summary><c>type</c> is <c>api_key</c> (with the key's id, tenant and role) or <c>system</c> (start-up, maintenance).</summary>
public sealed record AuditActorDto(string Type, string? KeyId, string? TenantId, string? Role, bool SystemAdmin);

/// <summary>Master keys of secrets at rest as one server sees them (<c>GET /api/v1/system/secrets</c>); ids only, never a key.</summary>
public sealed record SecretsStatusDto(
    string Source,
    string PrimaryMasterKeyId,
    IReadOnlyList<string> MasterKeyIds,
    IReadOnlyDictionary<string, int> DataKeysByMasterKey,
    IReadOnlyList<string> MissingMasterKeyIds);

/// <summary>The outcome of <c>POST /api/v1/system/secrets/rewrap</c>.</summary>
public sealed record RewrapResultDto(string PrimaryMasterKeyId, int Rewrapped, int RemainingOnOtherKeys, IReadOnlyList<string> MissingMasterKeyIds);
