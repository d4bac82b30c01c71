using System.Globalization;
using System.Text;
using Baton.Core.Api;

namespace Baton.Cli.Http;

// The audit log and the master keys of secrets at rest.
public sealed partial class BatonApiClient
{
    /// <summary>
    /// A page of the audit log, newest first: the caller's tenant, or with <paramref name="system"/> every tenant's
    /// (or <paramref name="tenant"/>'s) as a system admin.
    /// </summary>
    public Task<ListResponse<AuditEntryDto>> ListAuditAsync(AuditFilter filter, CancellationToken ct)
    {
        var query = new StringBuilder(filter.System ? "api/v1/system/audit?" : "api/v1/audit?");
        query.Append(CultureInfo.InvariantCulture, $"limit={filter.Limit}");
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
        Add("tenant", filter.Tenant);
        Add("action", filter.Action);
        Add("actor", filter.Actor);
        Add("targetType", filter.TargetType);
        Add("targetId", filter.TargetId);
        Add("since", filter.Since?.ToString("O", CultureInfo.InvariantCulture));
        Add("until", filter.Until?.ToString("O", CultureInfo.InvariantCulture));
        Add("cursor", filter.Cursor);
        return GetAsync<ListResponse<AuditEntryDto>>(query.ToString(), ct);
    }

    public Task<SecretsStatusDto> GetSecretsStatusAsync(CancellationToken ct) => GetAsync<SecretsStatusDto>("api/v1/system/secrets", ct);

    public Task<RewrapResultDto> RewrapSecretsAsync(CancellationToken ct) =>
        SendJsonAsync<RewrapResultDto>(HttpMethod.Post, "api/v1/system/secrets/rewrap", body: null, ct);
}

/// <summary>What <c>baton audit</c> asks for.</summary>
public sealed record AuditFilter(
    int Limit,
    bool System = false,
    string? Tenant = null,
    string? Action = null,
    string? Actor = null,
    string? TargetType = null,
    string? TargetId = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    string? Cursor = null);
