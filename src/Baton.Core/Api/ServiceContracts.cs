using System.Text.Json.Serialization;

namespace Baton.Core.Api;

/// <summary><c>GET /healthz</c>: the process answers.</summary>
public sealed record HealthDto(string Status);

/// <summary>
/// <c>GET /readyz</c>: <c>ready</c> with the storage backend when the store answers, else (503) <c>unavailable</c> with
/// the reason. Each answer carries only its own field.
/// </summary>
public sealed record ReadinessDto(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Storage = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);
