using System.Text.Json;
using Baton.Core;
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
    IBatonStore store, JobSubmissionWriter writer, WakeUpSignals signals, TenantDirectory tenants, PendingJobCounts pendingCounts, SubmissionLookups lookups,
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
    /// key already made), or the problem that refused it with a reason in words. Concurrent submissions are
    /// group-committed (<see cref="JobSubmissionWriter"/>).
    /// </summary>
    public async Task<SubmissionOutcome> TrySubmitAsync(string tenantId, SubmitJobRequest request, string? idempotencyKey, CancellationToken ct)
    {
        var prepared = await PrepareAsync(tenantId, request, idempotencyKey, ct);
        if (prepared.Refusal is { } refusal) return refusal;
        if (await CheckBackpressureAsync(tenantId, 1, ct) is { } backpressure) return backpressure;

        var (record, created) = await writer.SubmitAsync(prepared.Job!, ct);
        if (created)
        {
            pendingCounts.Added(tenantId);
            Announce(tenantId, prepared.Tenant, 1);
        }
        return new SubmissionOutcome(record, created, null, null);
    }

    /// <summary>
    /// A batch (<c>POST /api/v1/jobs/batch</c>): each submission validated like a single one, the valid ones
    /// stored in one transaction — all or none — with idempotency keys holding across and within the batch.
    /// Backpressure refuses the submissions past the tenant's pending-jobs quota, in order.
    /// </summary>
    public async Task<IReadOnlyList<SubmissionOutcome>> SubmitBatchAsync(string tenantId, IReadOnlyList<SubmitJobRequest> requests, CancellationToken ct)
    {
        var outcomes = new SubmissionOutcome?[requests.Count];
        var prepared = new List<(int Index, NewJob Job)>(requests.Count);
        TenantRecord? tenant = null;
        for (var i = 0; i < requests.Count; i++)
        {
            var item = await PrepareAsync(tenantId, requests[i], null, ct);
            if (item.Refusal is { } refusal) outcomes[i] = refusal;
            else prepared.Add((i, item.Job!));
            tenant ??= item.Tenant;
        }

        if (prepared.Count > 0 && tenant is not null)
        {
            var pending = await pendingCounts.GetAsync(tenantId, tenant.Quotas.PendingJobs, ct);
            var room = Math.Max(0, tenant.Quotas.PendingJobs - pending);
            if (room < prepared.Count)
            {
                var refusal = await RefuseForBackpressureAsync(tenant, pending);
                foreach (var (index, _) in prepared.Skip(room)) outcomes[index] = refusal;
                prepared = [.. prepared.Take(room)];
            }
        }

        if (prepared.Count > 0)
        {
            var stored = await store.Jobs.SubmitManyAsync([.. prepared.Select(p => p.Job)], ct);
            for (var i = 0; i < prepared.Count; i++) outcomes[prepared[i].Index] = new SubmissionOutcome(stored[i].Job, stored[i].Created, null, null);
            var created = stored.Count(s => s.Created);
            for (var i = 0; i < created; i++) pendingCounts.Added(tenantId);
            if (created > 0) Announce(tenantId, tenant, created);
        }
        return [.. outcomes.Select(o => o!)];
    }

    /// <summary>Everything but storing: the submission checked against its package's manifest and turned into a job.</summary>
    private async Task<PreparedSubmission> PrepareAsync(string tenantId, SubmitJobRequest request, string? idempotencyKey, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Package)) return Refused(Problems.Validation("package is required.", "package"), "package is required");
        if (idempotencyKey is not null && request.IdempotencyKey is not null && idempotencyKey != request.IdempotencyKey)
        {
            return Refused(Problems.Validation("The Idempotency-Key header and the body's idempotencyKey differ.", "idempotencyKey"), "two different idempotency keys");
        }
        idempotencyKey ??= request.IdempotencyKey;
        if (idempotencyKey is { Length: > 200 })
        {
            return Refused(Problems.Validation("The idempotency key must be at most 200 characters.", "idempotencyKey"), "idempotency key too long");
        }

        var version = await lookups.GetVersionAsync(tenantId, request.Package.Trim(), request.Version, ct);
        if (version is null)
        {
            var what = request.Version is null or "latest" ? $"Package '{request.Package}'" : $"Package '{request.Package}' version {request.Version}";
            return Refused(Problems.NotFound(what), $"{what} was not found");
        }
        var manifest = version.Manifest;
        var queueName = string.IsNullOrWhiteSpace(request.Queue) ? QueueRecord.DefaultName : request.Queue.Trim();
        if (!await lookups.QueueExistsAsync(tenantId, queueName, ct))
        {
            return Refused(Problems.NotFound($"Queue '{queueName}'"), $"Queue '{queueName}' was not found");
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
        var tenant = await tenants.GetAsync(tenantId, ct);
        if (tenant is not null && JobInputLimit.Check(binding.Inputs, tenant.Quotas) is { } tooLarge) errors.Add(("inputs", tooLarge));
        if (errors.Count > 0) return Refused(Problems.Validation(errors), string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));

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
        return new PreparedSubmission(job, tenant, null);

        static PreparedSubmission Refused(IResult problem, string reason) => new(null, null, SubmissionOutcome.Refused(problem, reason));
    }

    /// <summary>
    /// Backpressure: a tenant with its pending-jobs quota full waits for the backlog to drain. The count is
    /// read before the insert, not with it, and may be up to a second old while under the cap: concurrent
    /// submissions can overshoot by a few, which a soft cap allows.
    /// </summary>
    private async Task<SubmissionOutcome?> CheckBackpressureAsync(string tenantId, int adding, CancellationToken ct)
    {
        var tenant = await tenants.GetAsync(tenantId, ct);
        if (tenant is null) return null;
        var pending = await pendingCounts.GetAsync(tenantId, tenant.Quotas.PendingJobs, ct);
        return pending + adding > tenant.Quotas.PendingJobs ? await RefuseForBackpressureAsync(tenant, pending) : null;
    }

    private async Task<SubmissionOutcome> RefuseForBackpressureAsync(TenantRecord tenant, int pending)
    {
        await events.QuotaReachedAsync(tenant, "pendingJobs", tenant.Quotas.PendingJobs,
            $"Tenant '{tenant.Name}' has {pending} pending jobs, the most its quota of {tenant.Quotas.PendingJobs} allows.");
        return SubmissionOutcome.Refused(
            Problems.Backpressure(tenant.Name, pending, tenant.Quotas.PendingJobs, BackpressureRetryAfterSeconds),
            $"tenant '{tenant.Name}' has {pending} pending jobs, its quota");
    }

    /// <summary>New work: wake the tenant's dispatch (and the shared pool's, for the tenants it serves).</summary>
    private void Announce(string tenantId, TenantRecord? tenant, int created)
    {
        signals.Signal(WakeUpSignals.TenantWork(tenantId), created);
        if (tenant is { Quotas.SharedPoolWeight: > 0 }) signals.Signal(WakeUpSignals.TenantWork(SharedPool.TenantId), created);
    }

    private sealed record PreparedSubmission(NewJob? Job, TenantRecord? Tenant, SubmissionOutcome? Refusal);

    private string NewJobId() => SortableIds.New("j_", time.GetUtcNow());
}

/// <summary>A submission's result: the job and whether this call created it, or the problem and reason that refused it.</summary>
public sealed record SubmissionOutcome(JobRecord? Job, bool Created, IResult? Problem, string? Reason)
{
    public static SubmissionOutcome Refused(IResult problem, string reason) => new(null, false, problem, reason);
}
