using Baton.Core.Api;
using Baton.Core.Jobs;
using Baton.Server.Api;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;
using Microsoft.Net.Http.Headers;

namespace Baton.Server.Artifacts;

/// <summary><c>/api/v1/jobs/{jobId}/artifacts</c>: the files a job saved, listed and downloaded in the caller's tenant.</summary>
public static class ArtifactEndpoints
{
    public static void MapArtifactEndpoints(this RouteGroupBuilder jobs)
    {
        jobs.MapGet("/{jobId}/artifacts", ListAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<ArtifactDto>>();
        jobs.MapGet("/{jobId}/artifacts/{**name}", DownloadAsync).RequireAuthorization(AuthPolicies.Viewer)
            .ProducesFile("application/octet-stream", "The artifact's bytes as the job saved them (Content-Disposition names the file).");
    }

    private static async Task<IResult> ListAsync(string jobId, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (await store.Jobs.GetAsync(tenantId, jobId, ct) is null) return Problems.NotFound($"Job {jobId}");
        var artifacts = await store.Artifacts.ListAsync(tenantId, jobId, ct);
        return Results.Ok(new ListResponse<ArtifactDto>([.. artifacts.Select(ToDto)]));
    }

    private static async Task<IResult> DownloadAsync(string jobId, string name, HttpContext context, IBatonStore store, IBlobStore blobs, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (await store.Artifacts.GetAsync(tenantId, jobId, name, ct) is not { } artifact)
        {
            return await store.Jobs.GetAsync(tenantId, jobId, ct) is null ? Problems.NotFound($"Job {jobId}") : Problems.NotFound($"Artifact '{name}' of job {jobId}");
        }
        var stream = await blobs.OpenReadAsync(artifact.Sha256, ct);
        if (stream is null) return Problems.NotFound($"The content of artifact '{name}' of job {jobId}");
        context.Response.Headers["X-Content-SHA256"] = artifact.Sha256;
        return Results.File(stream, "application/octet-stream", ArtifactNames.FileNameOf(artifact.Name),
            entityTag: new EntityTagHeaderValue("\"" + artifact.Sha256 + "\""));
    }

    public static ArtifactDto ToDto(ArtifactRecord a) => new(a.JobId, a.Name, a.Attempt, a.Sha256, a.SizeBytes, a.CreatedAt);
}
