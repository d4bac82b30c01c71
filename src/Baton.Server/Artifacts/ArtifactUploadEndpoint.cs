using Baton.Core.Api;
using Baton.Core.Jobs;
using Baton.Server.AgentProtocol;
using Baton.Server.Api;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;

namespace Baton.Server.Artifacts;

/// <summary>
/// <c>POST /api/agent/v1/jobs/{jobId}/artifacts?attempt=N&amp;name=…</c>: one file a job saved, the raw bytes as the body.
/// The body is streamed into the content-addressed blob store while it is counted against the tenant's per-job limit;
/// the row is then written fenced on the agent and attempt, within the tenant's storage quota.
/// </summary>
public static class ArtifactUploadEndpoint
{
    /// <summary>The route's body limit: the most any tier or override lets one job store.</summary>
    public const long MaxBodyBytes = Core.Tenancy.QuotaOverrides.MaxArtifactMbPerJob * 1024L * 1024;

    public static async Task<IResult> UploadAsync(
        string jobId, int? attempt, string? name, HttpContext context, IBatonStore store, IBlobStore blobs, TenantDirectory tenants,
        TenantStorage storage, ArtifactBlobCollector collector, TimeProvider time, CancellationToken cancellationToken)
    {
        var agent = context.GetAgentCaller();
        if (await AgentJobScope.TenantOfAsync(agent, jobId, store, cancellationToken) is not { } tenantId) return Problems.NotFound($"Job {jobId}");
        var job = await store.Jobs.GetAsync(tenantId, jobId, cancellationToken);
        if (job is null) return Problems.NotFound($"Job {jobId}");
        if (attempt is not { } number || number < 1) return Problems.Validation("attempt must be the attempt number the agent holds (1 or more).", "attempt");
        if (ArtifactNames.Check(name) is { } reason) return Problems.Validation(reason + ".", "name");
        // Checked again when the row is written; here it saves streaming a body the store would refuse.
        if (job.AgentId != agent.AgentId || job.Attempt != number || job.State is not (JobState.Assigned or JobState.Running))
            return Problems.StaleAttempt(jobId, number);
        if (await tenants.GetAsync(tenantId, cancellationToken) is not { } tenant) return Problems.NotFound($"Job {jobId}");

        var jobLimit = tenant.Quotas.ArtifactBytesPerJob;
        if (context.Request.ContentLength > jobLimit) return TooLarge(tenant.Quotas.ArtifactMbPerJob);
        BlobInfo blob;
        try
        {
            blob = await blobs.PutAsync(new LimitedReadStream(context.Request.Body, jobLimit), cancellationToken);
        }
        catch (ArtifactTooLargeException)
        {
            return TooLarge(tenant.Quotas.ArtifactMbPerJob);
        }

        var storageLimit = tenant.Quotas.StorageBytes - await storage.GetLogBytesAsync(tenantId, cancellationToken);
        var outcome = await store.Artifacts.AddAsync(new NewArtifact(
            tenantId, jobId, agent.AgentId, number, name!, blob.Sha256, blob.SizeBytes, time.GetUtcNow(), jobLimit, storageLimit), cancellationToken);
        if (outcome.Result != ArtifactAddResult.Added)
        {
            await collector.DeleteIfUnusedAsync(blob.Sha256, cancellationToken);
        }
        else if (outcome.ReplacedSha256 is { } replaced)
        {
            await collector.DeleteIfUnusedAsync(replaced, cancellationToken);
        }

        return outcome.Result switch
        {
            ArtifactAddResult.Added => Results.Ok(new ArtifactUploadResponse(name!, blob.Sha256, blob.SizeBytes)),
            ArtifactAddResult.NotFound => Problems.NotFound($"Job {jobId}"),
            ArtifactAddResult.Stale => Problems.StaleAttempt(jobId, number),
            ArtifactAddResult.JobLimitExceeded => TooLarge(tenant.Quotas.ArtifactMbPerJob),
            _ => Problems.QuotaExceeded(
                $"Storing {blob.SizeBytes:N0} bytes would take tenant '{tenant.Name}' past its storage quota of {tenant.Quotas.StorageGb:0.##} GB.", "storageGb"),
        };
    }

    private static IResult TooLarge(int limitMb) => Problems.Make(
        StatusCodes.Status413PayloadTooLarge, ProblemTypes.ArtifactTooLarge, "The artifacts are too large",
        $"A job's artifacts may hold at most {limitMb} MB together (the tenant's artifactMbPerJob quota); this file was not stored.", "artifactMbPerJob");
}
