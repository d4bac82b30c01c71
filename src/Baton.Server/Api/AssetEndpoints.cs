using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Assets;
using Baton.Core.Audit;
using Baton.Core.Dispatch;
using Baton.Server.Assets;
using Baton.Server.Audit;
using Baton.Server.Queues;
using Baton.Server.Secrets;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Api;

/// <summary>
/// Tenant assets: operators save and delete them and their per-agent-group overrides, viewers read them — values of
/// text, number, boolean and JSON assets, and of credentials only the username. A credential's secret is sealed before it
/// is stored (<see cref="AssetSecrets"/>) and leaves the server only to a job that may read it (agent protocol) or through
/// <c>reveal</c>, which is for admins and audited. Another tenant's asset is simply not found.
/// </summary>
public static class AssetEndpoints
{
    public static void MapAssetEndpoints(this IEndpointRouteBuilder api)
    {
        var assets = api.MapGroup("/assets");
        assets.MapGet("", ListAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<AssetDto>>();
        assets.MapGet("/{name}", GetAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<AssetDto>();
        assets.MapPut("/{name}", SaveAsync).RequireAuthorization(AuthPolicies.Operator)
            .Produces<AssetDto>(StatusCodes.Status201Created).Produces<AssetDto>().Audited(AuditSnapshots.Asset, AuditActions.Saved, "name");
        assets.MapDelete("/{name}", DeleteAsync).RequireAuthorization(AuthPolicies.Operator).ProducesNoContent().Audited(AuditSnapshots.Asset, AuditActions.Deleted, "name");
        assets.MapPut("/{name}/overrides/{group}", SetOverrideAsync).RequireAuthorization(AuthPolicies.Operator).Produces<AssetDto>()
            .Audited(AuditSnapshots.Asset, AuditActions.Updated, "name");
        assets.MapDelete("/{name}/overrides/{group}", RemoveOverrideAsync).RequireAuthorization(AuthPolicies.Operator).ProducesNoContent()
            .Audited(AuditSnapshots.Asset, AuditActions.Updated, "name");
        assets.MapPost("/{name}/reveal", RevealAsync).RequireAuthorization(AuthPolicies.Admin).Produces<RevealedCredentialDto>();
    }

    private static async Task<IResult> ListAsync(HttpContext context, IBatonStore store, CancellationToken ct) =>
        Results.Ok(new ListResponse<AssetDto>([.. (await store.Assets.ListAsync(context.GetCaller().TenantId, ct)).Select(a => a.ToDto())]));

    private static async Task<IResult> GetAsync(string name, HttpContext context, IBatonStore store, CancellationToken ct) =>
        await store.Assets.GetAsync(context.GetCaller().TenantId, name, ct) is { } asset ? Results.Ok(asset.ToDto()) : Problems.NotFound($"Asset {name}");

    private static async Task<IResult> SaveAsync(
        string name, SaveAssetRequest request, HttpContext context, IBatonStore store, AssetSecrets secrets, TimeProvider time, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (!AssetNames.IsValid(name)) return Problems.Validation($"'{name}' is not an asset name: {AssetNames.Rule}.", "name");
        if (!AssetTypes.IsValid(request.Type)) return Problems.Validation($"type must be one of: {string.Join(", ", AssetTypes.All)}.", "type");
        if (request.Queue is not null && !QueueNames.IsValid(request.Queue)) return Problems.Validation($"queue: {QueueNames.Rule}.", "queue");
        if (request.AgentGroup is not null && !AgentGroupNames.IsValid(request.AgentGroup))
            return Problems.Validation($"agentGroup: {AgentGroupNames.Rule}.", "agentGroup");
        if (request.Description is { Length: > AssetRequests.MaxDescriptionLength })
            return Problems.Validation($"description must be at most {AssetRequests.MaxDescriptionLength} characters.", "description");
        var type = request.Type!;
        var existing = await store.Assets.GetAsync(tenantId, name, ct);
        var keepsSecret = existing is { Type: AssetTypes.Credential, Value.Secret: not null } && type == AssetTypes.Credential;
        if (AssetRequests.CheckValue(type, request.Value, request.Username, request.Secret, secretOptional: keepsSecret) is { } problem)
            return Problems.Validation(problem.Message, problem.Field);

        var secret = type != AssetTypes.Credential ? null
            : request.Secret is { } given ? await secrets.ProtectAsync(tenantId, name, "", given, ct)
            : existing!.Value.Secret;
        var saved = await store.Assets.SaveAsync(
            new AssetDefinition(tenantId, name, type, request.Queue, request.AgentGroup, request.Description?.Trim()),
            new AssetValue(AssetRequests.StoredValue(type, request.Value), type == AssetTypes.Credential ? request.Username : null, secret),
            time.GetUtcNow(), ct);
        return existing is null ? Results.Created($"/api/v1/assets/{Uri.EscapeDataString(name)}", saved.ToDto()) : Results.Ok(saved.ToDto());
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, IBatonStore store, CancellationToken ct) =>
        await store.Assets.DeleteAsync(context.GetCaller().TenantId, name, ct) ? Results.NoContent() : Problems.NotFound($"Asset {name}");

    private static async Task<IResult> SetOverrideAsync(
        string name, string group, AssetOverrideRequest request, HttpContext context, IBatonStore store, AssetSecrets secrets, TimeProvider time,
        CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (await store.Assets.GetAsync(tenantId, name, ct) is not { } asset) return Problems.NotFound($"Asset {name}");
        if (!AgentGroupNames.IsValid(group)) return Problems.Validation($"'{group}' is not an agent group: {AgentGroupNames.Rule}.", "group");
        if (AssetRequests.CheckValue(asset.Type, request.Value, request.Username, request.Secret, secretOptional: false) is { } problem)
            return Problems.Validation(problem.Message, problem.Field);
        var secret = request.Secret is { } given ? await secrets.ProtectAsync(tenantId, name, group, given, ct) : null;
        var updated = await store.Assets.SetOverrideAsync(tenantId, name, group,
            new AssetValue(AssetRequests.StoredValue(asset.Type, request.Value), asset.Type == AssetTypes.Credential ? request.Username : null, secret),
            time.GetUtcNow(), ct);
        return updated is null ? Problems.NotFound($"Asset {name}") : Results.Ok(updated.ToDto());
    }

    private static async Task<IResult> RemoveOverrideAsync(string name, string group, HttpContext context, IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (await store.Assets.GetAsync(tenantId, name, ct) is null) return Problems.NotFound($"Asset {name}");
        return await store.Assets.RemoveOverrideAsync(tenantId, name, group, time.GetUtcNow(), ct)
            ? Results.NoContent()
            : Problems.NotFound($"The override of asset {name} for agent group {group}");
    }

    /// <summary>The one way a person reads a secret back: admins only, and every call is in the audit log.</summary>
    private static async Task<IResult> RevealAsync(
        string name, string? group, HttpContext context, IBatonStore store, AssetSecrets secrets, AuditRecorder audit, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (await store.Assets.GetAsync(tenantId, name, ct) is not { } asset) return Problems.NotFound($"Asset {name}");
        if (asset.Type != AssetTypes.Credential) return Problems.InvalidState($"Asset {name} is a {asset.Type} asset, not a credential: its value is shown by GET.", "not-a-credential");
        AssetValue? value = string.IsNullOrEmpty(group) ? asset.Value : asset.Overrides.GetValueOrDefault(group);
        if (value?.Secret is not { } sealedSecret) return Problems.NotFound($"The override of asset {name} for agent group {group}");
        var secret = await secrets.RevealAsync(tenantId, name, group ?? "", sealedSecret, ct);
        await audit.RecordAsync(context, tenantId, AuditActions.Of(AuditTargets.Asset, AuditActions.Revealed), AuditTargets.Asset, name,
            JsonSerializer.SerializeToElement(new { revealed = new { agentGroup = string.IsNullOrEmpty(group) ? null : group, username = value.Username } }),
            CancellationToken.None);
        return Results.Ok(new RevealedCredentialDto(name, string.IsNullOrEmpty(group) ? null : group, value.Username, secret));
    }
}
