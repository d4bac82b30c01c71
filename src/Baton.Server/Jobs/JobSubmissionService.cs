using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Dispatch;
using Baton.Core.Dispatch.FairShare;
using Baton.Core.Packages;
using Baton.Server.Api;
using Baton.Server.Dispatch;
using Baton.Server.Packages;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Jobs;

/// <summary>Checks a submission against the package's manifest and queues the job.</summary>
public sealed class JobSubmissionService(
    IBatonStore store, WakeUpSignals signals, TenantDirectory tenants, PendingJobCounts pendingCounts, SubmissionLookups lookups,
    Notifications.TenantEventPublisher events, TimeProvider time)
{
    public const int MinPriority = -100;
    public const int MaxPriority = 100;
    public const int MaxTimeoutSeconds = 7 * 24 * 3600;
    public const int MaxAttemptsLimit = 20;
    /// <summary>What a submission refused for backpressure tells the client to wait before trying again.</summary>
    public const int BackpressureRetryAfterSeconds = 5;

    public async Task<IResult> SubmitAsync(string tenantId, SubmitJobRequest request, string? idempotencyKey, CancellationToken ct)
    {
        var outcome = await TrySubmitAsync(tenantId, request, idempotencyKey, ct);
        if (outcome.Problem is not null) return outcome.Problem;
        return outcome.Created ? Results.Created($"/api/v1/jobs/{outcome.Job!.Id}", outcome.Job.ToDto()) : Results.Ok(outcome.Job!.ToDto());
    }

    /// <summary>
    /// The submission path shared by the API and the scheduler: the job (new, or the one the idempotency
    /// key already made), or the problem that refused it with a reason in words.
    /// </summary>
    public async Task<SubmissionOutcome> TrySubmitAsync(string tenantId, SubmitJobRequest request, string? idempotencyKey, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Package)) return SubmissionOutcome.Refused(Problems.Validation("package is required.", "package"), "package is required");
        if (idempotencyKey is { Length: > 200 })
        {
            return SubmissionOutcome.Refused(
                Problems.Validation("The Idempotency-Key header must be at most 200 characters.", "Idempotency-Key"), "idempotency key too long");
        }

        var version = await lookups.GetVersionAsync(tenantId, request.Package.Trim(), request.Version, ct);
        if (version is null)
        {
            var what = request.Version is null or "latest" ? $"Package '{request.Package}'" : $"Package '{request.Package}' version {request.Version}";
            return SubmissionOutcome.Refused(Problems.NotFound(what), $"{what} was not found");
        }
        var manifest = version.Manifest;
        var queueName = string.IsNullOrWhiteSpace(request.Queue) ? QueueRecord.DefaultName : request.Queue.Trim();
        if (!await lookups.QueueExistsAsync(tenantId, queueName, ct))
        {
            return SubmissionOutcome.Refused(Problems.NotFound($"Queue '{queueName}'"), $"Queue '{queueName}' was not found");
        }

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
        if (await tenants.GetAsync(tenantId, ct) is { } owner && JobInputLimit.Check(binding.Inputs, owner.Quotas) is { } tooLarge) errors.Add(("inputs", tooLarge));
        if (errors.Count > 0) return SubmissionOutcome.Refused(Problems.Validation(errors), string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));

        // Backpressure: a tenant with its pending-jobs quota full waits for the backlog to drain. The count is
        // read before the insert, not with it, and may be up to a second old while under the cap: concurrent
        // submissions can overshoot by a few, which a soft cap allows.
        var tenant = await tenants.GetAsync(tenantId, ct);
        if (tenant is not null)
        {
            var pending = await pendingCounts.GetAsync(tenantId, tenant.Quotas.PendingJobs, ct);
            if (pending >= tenant.Quotas.PendingJobs)
            {
                await events.QuotaReachedAsync(tenant, "pendingJobs", tenant.Quotas.PendingJobs,
                    $"Tenant '{tenant.Name}' has {pending} pending jobs, the most its quota of {tenant.Quotas.PendingJobs} allows.");
                return SubmissionOutcome.Refused(
                    Problems.Backpressure(tenant.Name, pending, tenant.Quotas.PendingJobs, BackpressureRetryAfterSeconds),
                    $"tenant '{tenant.Name}' has {pending} pending jobs, its quota");
            }
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
        if (created)
        {
            pendingCounts.Added(tenantId);
            signals.Signal(WakeUpSignals.TenantWork(tenantId), 1);
            // Shared agents wait on the pool's topic; wake one for the tenants they serve.
            if (tenant is { Quotas.SharedPoolWeight: > 0 }) signals.Signal(WakeUpSignals.TenantWork(SharedPool.TenantId), 1);
        }
        return new SubmissionOutcome(record, created, null, null);
    }

    private string NewJobId() => "j_" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
}

/// <summary>A submission's result: the job and whether this call created it, or the problem and reason that refused it.</summary>
public sealed record SubmissionOutcome(JobRecord? Job, bool Created, IResult? Problem, string? Reason)
{
    public static SubmissionOutcome Refused(IResult problem, string reason) => new(null, false, problem, reason);
}
