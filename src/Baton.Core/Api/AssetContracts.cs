using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Core.Api;

/// <summary>
/// One value of an asset as the API shows it: <see cref="Value"/> for text, number, boolean and JSON assets; a
/// credential's <see cref="Username"/> and whether it has a secret — never the secret (see <c>POST …/reveal</c>).
/// </summary>
public sealed record AssetValueDto(JsonElement? Value, string? Username, bool HasSecret);

/// <summary>A tenant's asset: its default value and its overrides by agent group.</summary>
public sealed record AssetDto(
    string Name,
    string Type,
    string? Queue,
    string? AgentGroup,
    string? Description,
    AssetValueDto Value,
    IReadOnlyDictionary<string, AssetValueDto> Overrides,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>
/// PUT /api/v1/assets/{name}: creates or replaces the asset and its default value. <see cref="Value"/> for text (a JSON
/// string), number, boolean and JSON assets; <see cref="Username"/> (optional) and <see cref="Secret"/> for a credential —
/// a credential replaced without a secret keeps the one it had. <see cref="Queue"/> and <see cref="AgentGroup"/> limit
/// which jobs can read it. Changing the type drops the overrides.
/// A misspelt field is refused rather than ignored.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SaveAssetRequest(
    string? Type,
    JsonElement? Value = null,
    string? Username = null,
    string? Secret = null,
    string? Queue = null,
    string? AgentGroup = null,
    string? Description = null);

/// <summary>PUT /api/v1/assets/{name}/overrides/{group}: the value agents of that group get instead of the default.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AssetOverrideRequest(JsonElement? Value = null, string? Username = null, string? Secret = null);

/// <summary>POST /api/v1/assets/{name}/reveal (admin, audited): a credential's secret, the default's or an agent group's.</summary>
public sealed record RevealedCredentialDto(string Name, string? AgentGroup, string? Username, string Secret);
