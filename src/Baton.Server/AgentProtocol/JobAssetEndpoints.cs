using System.Text;
using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Assets;
using Baton.Server.Api;
using Baton.Server.Assets;
using Baton.Server.Secrets;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// What a running job reads and keeps through its agent: assets (a credential's secret in clear, only to the agent holding
/// the job's running attempt, only for assets the job's queue and the agent's group may read) and its checkpoint. Every
/// call names the attempt and is fenced on it like the job's other writes: a stale attempt gets 409.
/// </summary>
public static class JobAssetEndpoints
{
    /// <summary>The JSON text of one checkpoint.</summary>
    public const int MaxCheckpointBytes = 256 * 1024;

    public static void MapJobAssetProtocol(this RouteGroupBuilder authed)
    {
        authed.MapGet("/jobs/{jobId}/assets/{name}", ReadAssetAsync).Produces<JobAssetResponse>();
        authed.MapGet("/jobs/{jobId}/checkpoint", ReadCheckpointAsync).Produces<JobCheckpointResponse>();
        // Room for the JSON envelope around the largest state, whose text may be escaped once more inside it.
        authed.MapPut("/jobs/{jobId}/checkpoint", SaveCheckpointAsync).WithBodyLimit(_ => MaxCheckpointBytes * 2L + 4096).ProducesNoContent();
    }

    private static async Task<IResult> ReadAssetAsync(
        string jobId, string name, int? attempt, HttpContext context, IBatonStore store, AssetSecrets secrets, CancellationToken ct)
    {
        var agent = context.GetAgentCaller();
        if (await AgentJobScope.TenantOfAsync(agent, jobId, store, ct) is not { } tenantId) return Problems.NotFound($"Job {jobId}");
        if (attempt is not { } held) return await AttemptMissingAsync(store, tenantId, jobId, ct);
        if (!AssetNames.IsValid(name)) return Problems.Validation($"'{name}' is not an asset name: {AssetNames.Rule}.", "name");
        var resolution = await store.Assets.ResolveForJobAsync(tenantId, jobId, agent.AgentId, held, name, ct);
        switch (resolution.Lookup)
        {
            case AssetLookup.NotHeld:
                return await NotHeldAsync(store, tenantId, jobId, held, ct);
            case AssetLookup.NotFound:
                // field=name tells the agent the job's asset is missing, not the job (which would end the attempt).
                return Problems.Make(StatusCodes.Status404NotFound, Core.Api.ProblemTypes.NotFound, "Not found",
                    $"Asset {name} was not found (or this job's queue or agent group may not read it).", "name");
        }
        var asset = resolution.Asset!;
        var secret = asset.Value.Secret is { } sealedSecret
            ? await secrets.RevealAsync(tenantId, asset.Name, asset.AgentGroup ?? "", sealedSecret, ct)
            : null;
        return Results.Ok(new JobAssetResponse(asset.Name, asset.Type, AssetRequests.Parse(asset.Value.Value),
            asset.Type == AssetTypes.Credential ? asset.Value.Username : null, secret));
    }

    private static async Task<IResult> ReadCheckpointAsync(string jobId, int? attempt, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var agent = context.GetAgentCaller();
        if (await AgentJobScope.TenantOfAsync(agent, jobId, store, ct) is not { } tenantId) return Problems.NotFound($"Job {jobId}");
        if (attempt is not { } held) return await AttemptMissingAsync(store, tenantId, jobId, ct);
        var read = await store.Checkpoints.ReadForAttemptAsync(tenantId, jobId, agent.AgentId, held, ct);
        if (!read.Held) return await NotHeldAsync(store, tenantId, jobId, held, ct);
        return Results.Ok(read.Checkpoint is { } checkpoint
            ? new JobCheckpointResponse(AssetRequests.Parse(checkpoint.State), checkpoint.Attempt, checkpoint.SavedAt)
            : new JobCheckpointResponse(null, null, null));
    }

    private static async Task<IResult> SaveCheckpointAsync(
        string jobId, SaveCheckpointRequest request, HttpContext context, IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        var agent = context.GetAgentCaller();
        if (request.State.ValueKind is JsonValueKind.Undefined) return Problems.Validation("state is required (any JSON value).", "state");
        var state = request.State.GetRawText();
        if (Encoding.UTF8.GetByteCount(state) > MaxCheckpointBytes)
            return Problems.Validation($"A checkpoint's state must be at most {MaxCheckpointBytes / 1024} KiB of JSON.", "state");
        if (await AgentJobScope.TenantOfAsync(agent, jobId, store, ct) is not { } tenantId) return Problems.NotFound($"Job {jobId}");
        return await store.Checkpoints.SaveAsync(tenantId, jobId, agent.AgentId, request.Attempt, state, time.GetUtcNow(), ct)
            ? Results.NoContent()
            : await NotHeldAsync(store, tenantId, jobId, request.Attempt, ct);
    }

    /// <summary>Another tenant's job is not found whatever the query says; the agent's own job is refused for the missing attempt.</summary>
    private static async Task<IResult> AttemptMissingAsync(IBatonStore store, string tenantId, string jobId, CancellationToken ct) =>
        await store.Jobs.GetAsync(tenantId, jobId, ct) is null ? Problems.NotFound($"Job {jobId}") : Problems.Validation("attempt is required.", "attempt");

    /// <summary>A job the tenant does not have is not found; one it has that this attempt no longer runs is stale.</summary>
    private static async Task<IResult> NotHeldAsync(IBatonStore store, string tenantId, string jobId, int attempt, CancellationToken ct) =>
        await store.Jobs.GetAsync(tenantId, jobId, ct) is null ? Problems.NotFound($"Job {jobId}") : Problems.StaleAttempt(jobId, attempt);
}
