using Baton.Core.Api;
using Baton.Server.Packages;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;

namespace Baton.Server.Api;

public static class PackageEndpoints
{
    public static void MapPackageEndpoints(this IEndpointRouteBuilder api)
    {
        var packages = api.MapGroup("/packages");
        packages.MapPost("", (HttpContext context, PackageUploadService uploads, CancellationToken ct) =>
            uploads.UploadAsync(context.GetCaller().TenantId, context.Request, ct))
            .RequireAuthorization(AuthPolicies.Operator)
            .WithBodyLimit(o => o.MaxPackageBytes, Core.Api.ProblemTypes.PackageTooLarge)
            .WithMetadata(new RawRequestBody("The package: a zip archive with baton.yaml at its root.", "application/zip", FormField: "file"))
            .Produces<PackageUploadResponse>(StatusCodes.Status201Created)
            .Produces<PackageUploadResponse>()
            .DisableAntiforgery();
        packages.MapGet("", ListAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<PackageSummaryDto>>();
        packages.MapGet("/{name}", ListVersionsAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<PackageVersionDto>>();
        packages.MapGet("/{name}/{version}", GetVersionAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<PackageVersionDto>();
        packages.MapGet("/{name}/{version}/download", DownloadAsync).RequireAuthorization(AuthPolicies.Viewer)
            .ProducesFile("application/zip", "The package archive as uploaded.");
        packages.MapDelete("/{name}/{version}", DeleteAsync).RequireAuthorization(AuthPolicies.Operator).ProducesNoContent();
    }

    private static async Task<IResult> ListAsync(HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var all = await store.Packages.ListAllVersionsAsync(context.GetCaller().TenantId, ct);
        var summaries = all.GroupBy(v => v.Name)
            .Select(g => new PackageSummaryDto(g.Key, PackageVersions.Latest(g)?.Version ?? g.First().Version, g.Count(), g.Max(v => v.CreatedAt)))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        return Results.Ok(new ListResponse<PackageSummaryDto>(summaries));
    }

    private static async Task<IResult> ListVersionsAsync(string name, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var versions = await store.Packages.ListVersionsAsync(context.GetCaller().TenantId, name, ct);
        if (versions.Count == 0) return Problems.NotFound($"Package '{name}'");
        return Results.Ok(new ListResponse<PackageVersionDto>([.. versions.OrderByDescending(v => v.CreatedAt).Select(v => v.ToDto())]));
    }

    private static async Task<PackageVersionRecord?> FindAsync(IBatonStore store, string tenantId, string name, string version, CancellationToken ct)
    {
        if (version == "latest") return PackageVersions.Latest(await store.Packages.ListVersionsAsync(tenantId, name, ct));
        var normalised = PackageVersions.Normalise(version) ?? version;
        return await store.Packages.GetVersionAsync(tenantId, name, normalised, ct);
    }

    private static async Task<IResult> GetVersionAsync(string name, string version, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var found = await FindAsync(store, context.GetCaller().TenantId, name, version, ct);
        return found is null ? Problems.NotFound($"Package '{name}' version {version}") : Results.Ok(found.ToDto());
    }

    private static async Task<IResult> DownloadAsync(string name, string version, HttpContext context, IBatonStore store, IBlobStore blobs, CancellationToken ct)
    {
        var found = await FindAsync(store, context.GetCaller().TenantId, name, version, ct);
        if (found is null) return Problems.NotFound($"Package '{name}' version {version}");
        var stream = await blobs.OpenReadAsync(found.Sha256, ct);
        return stream is null
            ? Problems.NotFound($"The content of package '{name}' version {version}")
            : Results.File(stream, "application/zip", $"{found.Name}-{found.Version}.zip");
    }

    private static async Task<IResult> DeleteAsync(
        string name, string version, HttpContext context, IBatonStore store, PackageUploadService uploads, Jobs.SubmissionLookups lookups, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var found = await FindAsync(store, tenantId, name, version, ct);
        if (found is null) return Problems.NotFound($"Package '{name}' version {version}");
        var (result, jobs) = await store.Packages.DeleteVersionAsync(tenantId, found.Name, found.Version, ct);
        switch (result)
        {
            case PackageDeleteResult.Deleted:
                lookups.PackageChanged(tenantId, found.Name);
                await uploads.DeleteBlobIfUnusedAsync(found.Sha256, ct);
                return Results.NoContent();
            case PackageDeleteResult.InUse:
                return Problems.Conflict($"Package '{name}' version {found.Version} is used by {jobs} pending or running job(s); cancel them or wait for them to finish.");
            default:
                return Problems.NotFound($"Package '{name}' version {version}");
        }
    }
}
