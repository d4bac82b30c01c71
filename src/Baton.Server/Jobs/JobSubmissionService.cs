using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Dispatch;
using Baton.Core.Packages;
using Baton.Server.Api;
using Baton.Server.Dispatch;
using Baton.Server.Packages;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Jobs;

/// <summary>Checks a submission against the package's manifest and queues the job.</summary>
public sealed class JobSubmissionService(IBatonStore store, WakeUpSignals signals, TenantDirectory tenants, TimeProvider time)
{
    public const int MinPriority = -100;
    public const int MaxPriority = 100;
    public const int MaxTimeoutSeconds = 7 * 24 * 3600;
    public const int MaxAttemptsLimit = 20;
    /// <summary>What a submission refused for backpressure tells the client to wait before trying again.</summary>
    public const int BackpressureRetryAfterSeconds = 5;

    public async Task<IResult> SubmitAsync(string tenantId, SubmitJobRequest request, string? idempotencyKey, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Package)) return Problems.Validation("package is required.", "package");
        if (idempotencyKey is { Length: > 200 }) return Problems.Validation("The Idempotency-Key header must be at most 200 characters.", "Idempotency-Key");

        var version = await ResolveVersionAsync(tenantId, request.Package.Trim(), request.Version, ct);
        if (version is null)
        {
            return Problems.NotFound(request.Version is null or "latest"
                ? $"Package '{request.Package}'"
                : $"Package '{request.Package}' version {request.Version}");
        }
        var manifest = version.Manifest;
        var queueName = string.IsNullOrWhiteSpace(request.Queue) ? QueueRecord.DefaultName : request.Queue.Trim();
        if (await store.Queues.GetAsync(tenantId, queueName, ct) is null) return Problems.NotFound($"Queue '{queueName}'");

        var errors = new List<(string Field, string Message)>();
        var priority = request.Priority ?? 0;
        if (priority is < MinPriority or > MaxPriority) errors.Add(("priority", $"must be between {MinPriority} and {MaxPriority}"));
        var timeout = request.TimeoutSeconds ?? manifest.TimeoutSeconds;
        if (timeout is < 1 or > MaxTimeoutSeconds) errors.Add(("timeoutSeconds", $"must be between 1 and {MaxTimeoutSeconds}"));
        var maxAttempts = request.MaxAttempts ?? manifest.MaxAttempts;
        if (maxAttempts is < 1 or > MaxAttemptsLimit) errors.Add(("maxAttempts", $"must be between 1 and {MaxAttemptsLimit}"));

        var cpu = request.Cpu ?? manifest.Cpu;
        if (cpu is { } cores && !ResourceRequests.IsValidCpu(cores)) errors.Add(("cpu", ResourceRequests.CpuRule));
        var memory = request.MemoryMb ?? manifest.MemoryMb;
        if (memory is { } mb && !ResourceRequests.IsValidMemory(mb)) errors.Add(("memoryMb", ResourceRequests.MemoryRule));

        var requirements = new List<string>(manifest.Capabilities);
        if (!string.IsNullOrWhiteSpace(manifest.Python)) requirements.Add("python" + manifest.Python.Replace(" ", "", StringComparison.Ordinal));
        var extra = request.Requirements ?? [];
        for (var i = 0; i < extra.Count; i++)
        {
            if (!Requirement.TryParse(extra[i], out _, out var error)) errors.Add(($"requirements[{i}]", error ?? "is not a valid requirement"));
            else requirements.Add(extra[i].Trim());
        }

        var binding = InputBinder.Bind(manifest, request.Inputs);
        errors.AddRange(binding.Errors.Select(e => (e.Field, e.Message)));
        if (errors.Count > 0) return Problems.Validation(errors);

        // Backpressure: a tenant with its pending-jobs quota full waits for the backlog to drain. The count is
        // read before the insert, not with it: concurrent submissions can overshoot by a few, which a soft cap allows.
        if (await tenants.GetAsync(tenantId, ct) is { } tenant)
        {
            var pending = await store.Jobs.CountPendingAsync(tenantId, ct);
            if (pending >= tenant.Quotas.PendingJobs) return Problems.Backpressure(tenant.Name, pending, tenant.Quotas.PendingJobs, BackpressureRetryAfterSeconds);
        }

        var job = new NewJob(
            NewJobId(),
            tenantId,
            version.Name,
            version.Version,
            version.Sha256,
            maxAttempts,
            priority,
            timeout,
            requirements.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            JsonSerializer.SerializeToElement(binding.Inputs),
            idempotencyKey,
            queueName,
            cpu is { } requestedCpu ? CpuAmount.ToMillicores(requestedCpu) : 0,
            memory ?? 0);
        var (record, created) = await store.Jobs.SubmitAsync(job, ct);
        if (!created) return Results.Ok(record.ToDto());

        signals.Signal(WakeUpSignals.TenantWork(tenantId));
        return Results.Created($"/api/v1/jobs/{record.Id}", record.ToDto());
    }

    private async Task<PackageVersionRecord?> ResolveVersionAsync(string tenantId, string name, string? version, CancellationToken ct)
    {
        if (version is null or "latest") return PackageVersions.Latest(await store.Packages.ListVersionsAsync(tenantId, name, ct));
        return await store.Packages.GetVersionAsync(tenantId, name, PackageVersions.Normalise(version) ?? version, ct);
    }

    private string NewJobId() => "j_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
}
