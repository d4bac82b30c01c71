using System.Text.Json.Serialization;
using Baton.Core.Tenancy;

namespace Baton.Core.Api;

// REST contracts under /api/v1 shared by the server and the CLI. JSON is camelCase.

public sealed record TenantDto(
    string Id,
    string Name,
    string Tier,
    TenantQuotas Quotas,
    QuotaOverrides Overrides,
    DateTimeOffset CreatedAt,
    TenantUsageDto? Usage = null);

public sealed record TenantUsageDto(int Agents, int ConcurrentJobs, int PendingJobs, long StorageBytes, int ApiCallsToday);

public sealed record CreateTenantRequest(string Name, string? Tier = null, QuotaOverrides? Quotas = null);

public sealed record CreateTenantResponse(TenantDto Tenant, CreatedApiKeyDto AdminKey);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateTenantRequest(string? Tier = null, QuotaOverrides? Quotas = null);

public sealed record ApiKeyDto(
    string Id,
    string Name,
    string Role,
    bool SystemAdmin,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt);

/// <summary>A key as created: <see cref="Secret"/> is the whole bearer value, shown this once.</summary>
public sealed record CreatedApiKeyDto(ApiKeyDto Key, string Secret);

public sealed record CreateApiKeyRequest(string Name, string Role = "operator");

/// <summary>PATCH /api/v1/keys/{id}: a new role; tokens made from the key follow it within seconds.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateApiKeyRequest(string? Role);

public sealed record TokenRequest(string ApiKey);

public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

public sealed record EnrollmentTokenDto(
    string Id,
    string Name,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt);

public sealed record CreatedEnrollmentTokenDto(EnrollmentTokenDto Token, string Secret);

public sealed record CreateEnrollmentTokenRequest(string? Name = null, int? ExpiresInHours = null);

public sealed record ListResponse<T>(IReadOnlyList<T> Items, string? NextCursor = null);

/// <summary>Who the caller is: <c>GET /api/v1/me</c>.</summary>
public sealed record WhoAmIDto(string TenantId, string TenantName, string Role, bool SystemAdmin, string? KeyId);
