using Baton.Core.Api;
using System.Security.Cryptography;
using Baton.Core.Packages;
using Baton.Server.Api;
using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Packages;

/// <summary>
/// Takes an uploaded archive: spools it to a temporary file within the size cap, inspects it
/// (nothing is stored for a refused archive), stores the blob content-addressed and records the
/// immutable version.
/// </summary>
public sealed class PackageUploadService(
    IBatonStore store,
    IBlobStore blobs,
    TenantDirectory tenants,
    Notifications.TenantEventPublisher events,
    IOptions<ServerOptions> options,
    TimeProvider time,
    PackagePrefetch prefetch,
    PackageAnalysis analyses,
    TenantStorage storage,
    Jobs.SubmissionLookups lookups,
    WakeUpSignals signals,
    ILogger<PackageUploadService> logger)
{
    /// <summary>Retry-After of an upload refused because every analysis slot is taken.</summary>
    private const string AnalysisRetryAfterSeconds = "5";

    public async Task<IResult> UploadAsync(string tenantId, HttpRequest request, CancellationToken ct)
    {
        var settings = options.Value;
        if (request.ContentLength > settings.MaxPackageBytes) return Problems.PackageTooLarge(settings.MaxPackageBytes);

        var body = request.Body;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            var file = form.Files.Count > 0 ? form.Files[0] : null;
            if (file is null) return Problems.Validation("The form has no file: send the zip as the body or as a form file.", "file");
            body = file.OpenReadStream();
        }

        var spool = Path.Combine(Path.GetTempPath(), $"baton-upload-{Guid.NewGuid():N}.zip");
        try
        {
            await using var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
                FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            if (!await CopyWithinLimitAsync(body, file, settings.MaxPackageBytes, ct)) return Problems.PackageTooLarge(settings.MaxPackageBytes);
            if (file.Length == 0) return Problems.InvalidPackage("The request body is empty: send the package as a zip.", "not_a_zip");

            file.Position = 0;
            var analysis = await analyses.InspectAsync(file, new PackageArchiveLimits
            {
                MaxArchiveBytes = settings.MaxPackageBytes,
                MaxEntries = settings.MaxPackageEntries,
                MaxUncompressedBytes = settings.MaxPackageUncompressedBytes,
                MaxCompressionRatio = settings.MaxPackageCompressionRatio,
            }, ct);
            if (analysis.Busy)
            {
                // Nothing was stored: the same upload may simply be sent again once a slot is likely free.
                request.HttpContext.Response.Headers.RetryAfter = AnalysisRetryAfterSeconds;
                return Problems.Make(StatusCodes.Status503ServiceUnavailable, ProblemTypes.ServerBusy, "Server busy",
                    "Every package analysis slot is taken; retry the upload in a few seconds.");
            }
            if (analysis.TimedOut)
            {
                return Problems.InvalidPackage(
                    $"Analysing the archive took longer than {settings.PackageAnalysisTimeout.TotalSeconds:0.#} s; a package that large or that convoluted is refused.",
                    "analysis_timeout");
            }
            var inspection = analysis.Inspection!;
            if (!inspection.IsValid) return Problems.InvalidPackage(inspection.Reason ?? "The archive is not a valid package.", inspection.Rejection.Code());

            var manifest = inspection.Manifest!;
            file.Position = 0;
            var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
            var existing = await store.Packages.GetVersionAsync(tenantId, manifest.Name, manifest.Version, ct);
            if (existing is not null) return ExistingVersionAnswer(existing, sha256);

            var tenant = await tenants.GetAsync(tenantId, ct);
            if (tenant is null) return Problems.NotFound("Your tenant");

            file.Position = 0;
            var blob = await blobs.PutAsync(file, ct);
            var record = new PackageVersionRecord(tenantId, manifest.Name, manifest.Version, blob.Sha256, blob.SizeBytes, manifest, time.GetUtcNow());
            // Logs count toward the same quota: what they use is not left for packages.
            var logBytes = await storage.GetLogBytesAsync(tenantId, ct);
            var (result, stored) = await store.Packages.AddVersionAsync(record, tenant.Quotas.StorageBytes - logBytes, ct);
            switch (result)
            {
                case PackageAddResult.Created:
                    logger.LogInformation("Package {Name} {Version} ({Sha}) stored for tenant {TenantId}", manifest.Name, manifest.Version, blob.Sha256, tenantId);
                    // Waiting polls wake and offer the new version for prefetch; submissions resolve "latest" afresh.
                    prefetch.Invalidate(tenantId);
                    lookups.PackageChanged(tenantId, manifest.Name);
                    signals.Signal(WakeUpSignals.TenantPackages(tenantId));
                    return Results.Created($"/api/v1/packages/{manifest.Name}/{manifest.Version}", new Core.Api.PackageUploadResponse(stored.ToDto(), true));
                case PackageAddResult.Identical:
                    return Results.Ok(new Core.Api.PackageUploadResponse(stored.ToDto(), false));
                case PackageAddResult.Conflict:
                    await DeleteBlobIfUnusedAsync(blob.Sha256, ct);
                    return ExistingVersionAnswer(stored, blob.Sha256);
                default:
                    await DeleteBlobIfUnusedAsync(blob.Sha256, ct);
                    var detail = $"Storing {blob.SizeBytes} bytes would take tenant '{tenant.Name}' past its storage quota of {tenant.Quotas.StorageGb} GB.";
                    await events.QuotaReachedAsync(tenant, "storageGb", tenant.Quotas.StorageGb, detail);
                    return Problems.QuotaExceeded(detail, "storageGb");
            }
        }
        finally
        {
            if (File.Exists(spool)) File.Delete(spool);
        }
    }

    public async Task DeleteBlobIfUnusedAsync(string sha256, CancellationToken ct)
    {
        if (!await store.Packages.IsBlobReferencedAsync(sha256, ct)) await blobs.DeleteAsync(sha256, ct);
    }

    private static IResult ExistingVersionAnswer(PackageVersionRecord existing, string sha256) =>
        existing.Sha256 == sha256
            ? Results.Ok(new Core.Api.PackageUploadResponse(existing.ToDto(), false))
            : Problems.Conflict(
                $"Version {existing.Version} of package '{existing.Name}' already exists with different content; versions are immutable, so publish a new version.",
                "version");

    private static async Task<bool> CopyWithinLimitAsync(Stream source, Stream target, long limit, CancellationToken ct)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > limit) return false;
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        await target.FlushAsync(ct);
        return true;
    }
}
