using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Dispatch.FairShare;
using Baton.Core.Jobs;
using Baton.Server.Api;
using Baton.Server.Dispatch;
using Baton.Server.Dispatch.SharedAgents;
using Baton.Server.Hosting;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.AgentProtocol;

/// <summary>The agent protocol under <c>/api/agent/v1</c>: outbound-only HTTP from agents.</summary>
public static class AgentProtocolEndpoints
{
    private const int MaxLinesPerBatch = 5_000;
    private const int MaxLineLength = 16 * 1024;
    private const int MaxErrorChars = 64 * 1024;
    /// <summary>A log batch's body, decompressed: the agent sends at most about 1 Mi characters per batch.</summary>
    public const long MaxLogBatchBytes = 8L * 1024 * 1024;
    private static readonly HashSet<string> Streams = ["stdout", "stderr", "setup", "system"];

    public static void MapAgentProtocol(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/agent/v1").WithTags("Agent protocol");
        group.MapPost("/register", AgentRegistrationEndpoint.RegisterAsync).AllowAnonymous().Produces<RegisterAgentResponse>();

        var authed = group.MapGroup("").RequireAuthorization(AuthPolicies.Agent);
        authed.MapPost("/poll", (HttpContext context, PollRequest request, AgentPollHandler handler, CancellationToken ct) =>
            handler.PollAsync(context, request, ct)).Produces<PollResponse>();
        authed.MapGet("/packages/{sha256}", DownloadPackageAsync).ProducesFile("application/zip", "The package archive with this SHA-256.");
        authed.MapPost("/jobs/{jobId}/start", StartAsync).ProducesNoContent();
        authed.MapPost("/jobs/{jobId}/logs", AppendLogsAsync).WithBodyLimit(_ => MaxLogBatchBytes).Produces<AppendLogsResponse>();
        authed.MapPost("/jobs/{jobId}/artifacts", Artifacts.ArtifactUploadEndpoint.UploadAsync)
            .WithBodyLimit(_ => Artifacts.ArtifactUploadEndpoint.MaxBodyBytes, Core.Api.ProblemTypes.ArtifactTooLarge)
            .WithMetadata(new RawRequestBody("The artifact's bytes (?attempt=N&name=PATH say whose and which).", "application/octet-stream"))
            .Produces<Core.Api.ArtifactUploadResponse>();
        authed.MapPost("/jobs/{jobId}/complete", CompleteAsync).WithBodyLimit(o => o.MaxResultBytes + MaxErrorChars * 6L + 64 * 1024)
            .Produces<CompleteJobResponse>();
        authed.MapJobAssetProtocol();
    }

    private static async Task<IResult> DownloadPackageAsync(
        string sha256, HttpContext context, IBatonStore store, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var agent = context.GetAgentCaller();
        // A shared agent may fetch only the content of packages whose jobs it holds now.
        if (!IsSha256(sha256) || !(SharedPool.IsShared(agent.TenantId)
                ? await store.SharedPool.HoldsPackageAsync(agent.AgentId, sha256, cancellationToken)
                : await store.Packages.TenantHasBlobAsync(agent.TenantId, sha256, cancellationToken)))
        {
            return Problems.NotFound($"Package content {sha256}");
        }
        var stream = await blobs.OpenReadAsync(sha256, cancellationToken);
        return stream is null ? Problems.NotFound($"Package content {sha256}") : Results.File(stream, "application/zip");
    }

    private static async Task<IResult> StartAsync(
        string jobId, StartJobRequest request, HttpContext context, IBatonStore store, AttemptWriter attempts, HeldJobReads heldReads,
        WakeUpSignals signals, CancellationToken cancellationToken)
    {
        var agent = context.GetAgentCaller();
        if (await AgentJobScope.TenantOfAsync(agent, jobId, store, cancellationToken) is not { } tenantId) return Problems.NotFound($"Job {jobId}");
        var result = await attempts.StartAsync(new AttemptStart(tenantId, jobId, agent.AgentId, request.Attempt), cancellationToken);
        if (result == AttemptWriteResult.Ok)
        {
            // The assignment reached the agent: its polls need not look for it among lost ones.
            heldReads.Confirmed(agent.AgentId, jobId, request.Attempt);
            // A client waiting for the job to leave `assigned` (GET …/wait) hears of it now.
            signals.Signal(WakeUpSignals.JobLogs(jobId));
        }
        return result switch
        {
            AttemptWriteResult.Ok => Results.NoContent(),
            AttemptWriteResult.Stale => Problems.StaleAttempt(jobId, request.Attempt),
            AttemptWriteResult.NotFound => Problems.NotFound($"Job {jobId}"),
            _ => Problems.InvalidState($"Job {jobId} cannot start from its current state."),
        };
    }

    private static async Task<IResult> AppendLogsAsync(
        string jobId, AppendLogsRequest request, HttpContext context, IBatonStore store, WakeUpSignals signals,
        TenantDirectory tenants, TenantStorage storage, HeartbeatBatcher heartbeats, TimeProvider time, CancellationToken cancellationToken)
    {
        var agent = context.GetAgentCaller();
        if (ReadLines(request.Lines) is not { } newLines) return InvalidLines(request.Lines);
        if (await AgentJobScope.TenantOfAsync(agent, jobId, store, cancellationToken) is not { } tenantId) return Problems.NotFound($"Job {jobId}");
        var limit = await LogLimitForAsync(tenantId, tenants, storage, cancellationToken);
        var (result, cancelRequested, limitReached) = await store.Jobs.AppendLogsAsync(
            tenantId, jobId, agent.AgentId, request.Attempt, newLines, limit, cancellationToken);
        if (result == AttemptWriteResult.Ok && newLines.Count > 0) signals.Signal(WakeUpSignals.JobLogs(jobId));
        // Progress rides on the log call, written by the heartbeat batch (fenced on the attempt like a poll's report).
        // A job's own heartbeat (baton.heartbeat()) renews its lease the same way, without touching its progress.
        if (result == AttemptWriteResult.Ok && (request.Progress is not null || request.Heartbeat))
            heartbeats.Enqueue(new AgentHeartbeat(agent.AgentId, time.GetUtcNow(), [new RunningJobReport(jobId, request.Attempt, request.Progress)]));
        return result switch
        {
            AttemptWriteResult.Ok => Results.Ok(new AppendLogsResponse(cancelRequested, limitReached)),
            _ => LogsRefused(result, jobId, request.Attempt),
        };
    }

    /// <summary>The lines to store (streams normalised, long lines cut), or null when the batch is invalid.</summary>
    private static List<NewLogLine>? ReadLines(IReadOnlyList<AgentLogLine>? lines)
    {
        lines ??= [];
        if (lines.Count > MaxLinesPerBatch || lines.Any(l => l.Line < 1)) return null;
        var newLines = new List<NewLogLine>(lines.Count);
        foreach (var line in lines)
        {
            var stream = Streams.Contains(line.Stream) ? line.Stream : "stdout";
            var text = line.Text ?? "";
            if (text.Length > MaxLineLength) text = text[..MaxLineLength] + " …[truncated]";
            newLines.Add(new NewLogLine(line.Line, line.At, stream, text));
        }
        return newLines;
    }

    private static IResult InvalidLines(IReadOnlyList<AgentLogLine>? lines) =>
        lines is { Count: > MaxLinesPerBatch }
            ? Problems.Validation($"At most {MaxLinesPerBatch} lines per batch.", "lines")
            : Problems.Validation("Line numbers start at 1.", "lines");

    private static IResult LogsRefused(AttemptWriteResult result, string jobId, int attempt) => result switch
    {
        AttemptWriteResult.Stale => Problems.StaleAttempt(jobId, attempt),
        AttemptWriteResult.NotFound => Problems.NotFound($"Job {jobId}"),
        _ => Problems.InvalidState($"Job {jobId} does not take logs in its current state."),
    };

    private static async Task<IResult> CompleteAsync(
        string jobId, CompleteJobRequest request, HttpContext context, IBatonStore store, AttemptWriter attempts, WakeUpSignals signals,
        IOptions<ServerOptions> options, SharedPoolUsageRecorder sharedUsage, HeldJobReads heldReads, Core.Throttling.IntakeBudget intake,
        CompletionClaimer claimer, TenantDirectory tenants, TenantStorage storage, CancellationToken cancellationToken)
    {
        var agent = context.GetAgentCaller();
        heldReads.Confirmed(agent.AgentId, jobId, request.Attempt);
        if (!JobOutcomes.TryParse(request.Outcome, out var outcome))
        {
            return Problems.Validation("outcome must be succeeded, failed, timed_out or cancelled.", "outcome");
        }
        if (request.Claim is { FreeSlots: < 0 }) return Problems.Validation("claim.freeSlots must be zero or more.", "claim.freeSlots");
        var foldedLines = ReadLines(request.Logs);
        if (foldedLines is null) return InvalidLines(request.Logs);
        if (await AgentJobScope.TenantOfAsync(agent, jobId, store, cancellationToken) is not { } tenantId) return Problems.NotFound($"Job {jobId}");

        // A short job's log comes with its outcome: stored first, under the same attempt fence. Refused as stale, the
        // completion still decides: a retry whose first answer was lost (lines and outcome stored) gets the same answer again.
        if (foldedLines.Count > 0)
        {
            var limit = await LogLimitForAsync(tenantId, tenants, storage, cancellationToken);
            var (logged, _, _) = await store.Jobs.AppendLogsAsync(tenantId, jobId, agent.AgentId, request.Attempt, foldedLines, limit, cancellationToken);
            if (logged is not (AttemptWriteResult.Ok or AttemptWriteResult.Stale)) return LogsRefused(logged, jobId, request.Attempt);
        }

        var result = request.Result is { ValueKind: not JsonValueKind.Undefined } r ? r : (JsonElement?)null;
        var error = request.Error;
        if (result is { } value && value.GetRawText().Length > options.Value.MaxResultBytes)
        {
            outcome = JobOutcome.Failed;
            error = $"The result is larger than the limit of {options.Value.MaxResultBytes} bytes.";
            result = null;
        }
        if (error is { Length: > MaxErrorChars }) error = error[^MaxErrorChars..];

        var (write, job) = await attempts.CompleteAsync(new AttemptCompletion(
            tenantId, jobId, agent.AgentId, request.Attempt, outcome, request.ExitCode, result, error)
        {
            NoRetry = request.NoRetry && outcome == JobOutcome.Failed,
        }, cancellationToken);
        if (write == AttemptWriteResult.Ok && job is not null)
        {
            intake.Completed();
            // A slot is free (the tenant may have been at its cap), or a retry is new work; followers may stop.
            signals.Signal(job.State == JobState.Pending ? WakeUpSignals.TenantWork(tenantId) : WakeUpSignals.TenantSlotFreed(tenantId), 1);
            signals.Signal(WakeUpSignals.JobLogs(jobId));
            // A final state wrote a tenant event in the same transaction: wake its readers.
            if (job.State.IsTerminal()) Notifications.TenantEventPublisher.Announce(signals, tenantId);
            if (SharedPool.IsShared(agent.TenantId))
            {
                await sharedUsage.RecordAsync(job, cancellationToken);
                // Shared agents wait on the pool's topic; the tenant's cap may have been what held them.
                signals.Signal(WakeUpSignals.TenantWork(SharedPool.TenantId), 1);
            }
        }
        if (write != AttemptWriteResult.Ok || job is null)
        {
            return write switch
            {
                AttemptWriteResult.Stale => Problems.StaleAttempt(jobId, request.Attempt),
                AttemptWriteResult.NotFound => Problems.NotFound($"Job {jobId}"),
                _ => Problems.InvalidState($"Job {jobId} cannot complete from its current state."),
            };
        }

        // The agent's next work in the same answer (the slot this job held is among the free ones).
        var claimed = request.Claim is { } claim ? await claimer.ClaimAsync(agent.AgentId, claim, cancellationToken) : [];
        return Results.Ok(new CompleteJobResponse(job.State.ToText(), claimed));
    }

    /// <summary>The tier's per-job log limit; nothing more once the tenant's storage (packages and logs) is full.</summary>
    private static async Task<LogLimit> LogLimitForAsync(string tenantId, TenantDirectory tenants, TenantStorage storage, CancellationToken cancellationToken)
    {
        if (await tenants.GetAsync(tenantId, cancellationToken) is not { } tenant) return LogLimit.None;
        var quotas = tenant.Quotas;
        if (await storage.GetUsedBytesAsync(tenantId, cancellationToken) >= quotas.StorageBytes)
        {
            return new LogLimit(0, $"[output cut: tenant '{tenant.Name}' has used its storage quota of {quotas.StorageGb:0.##} GB; later output was dropped]");
        }
        return new LogLimit(quotas.LogBytesPerJob,
            $"[output cut: this job's log reached the limit of {quotas.LogMbPerJob} MB per job; later output was dropped]");
    }

    internal static bool IsSha256(string value) =>
        value.Length == 64 && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
