using Baton.Agent.Packages;
using Baton.Agent.Protocol;
using Baton.Agent.Python;
using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Core.Packages;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Jobs;

/// <summary>
/// One attempt from assignment to completion: start call (in flight while the job is made ready), package, interpreter, venv, the Python
/// process, logs, complete call. Protocol calls retry through server outages; a 409 ends the
/// attempt silently, and so do abandon directives and agent shutdown.
/// </summary>
internal sealed class JobExecution : IDisposable
{
    private readonly JobAssignment _assignment;
    private readonly AgentRuntime _runtime;
    private readonly ILogger _logger;
    private readonly ProtocolRetry _retry;

    public JobExecution(JobAssignment assignment, AgentRuntime runtime)
    {
        _assignment = assignment;
        _runtime = runtime;
        _logger = runtime.LoggerFactory.CreateLogger<JobExecution>();
        _retry = new ProtocolRetry(Backoff.Default, runtime.TimeProvider, _logger);
        Control = new JobControl(assignment.JobId, assignment.Attempt);
    }

    public JobControl Control { get; }

    /// <summary>The outcome has reached the server: an abandon directive that crossed it in flight means nothing.</summary>
    public bool Reported { get; private set; }

    /// <summary>The job's process has ended: its slot is free for the claim its completion carries.</summary>
    public bool Finishing => Volatile.Read(ref _finishing);

    private bool _finishing;

    /// <summary>How many cached packages a completion's claim names (the most recently used: locality only).</summary>
    private const int CachedPackagesPerClaim = 32;

    public static string KeyOf(string jobId, int attempt) => $"{jobId}#{attempt}";

    public async Task RunAsync(CancellationToken agentStopping)
    {
        var jobId = _assignment.JobId;
        var attempt = _assignment.Attempt;
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["JobId"] = jobId, ["Attempt"] = attempt });
        var client = _runtime.Client;
        var log = new JobLog(_runtime.TimeProvider);
        await using var shipper = new JobLogShipper(log,
            (lines, progress, heartbeat, ct) => client.AppendLogsAsync(jobId, new AppendLogsRequest(attempt, lines, progress, heartbeat), ct),
            Control, _runtime.Options.LogFlushInterval, _runtime.TimeProvider, Backoff.Default, _logger);
        Control.Requests = new JobRequests(client, jobId, attempt, log.Mask, _retry, _logger);
        var workDirectory = Path.Combine(_runtime.WorkRoot, $"{SafeName(jobId)}-{attempt}");
        try
        {
            // The start is recorded while the job is made ready (its package, folder and files, a forked process that
            // waits): only the job's own code waits for it, and nothing is reported for an attempt whose start failed.
            var started = RecordStartAsync(shipper, agentStopping);
            var run = PrepareAndRunAsync(log, workDirectory, started, agentStopping);
            try
            {
                await Task.WhenAll(run, started);
            }
            catch (Exception) when (started.IsFaulted || started.IsCanceled)
            {
                await started;
            }

            var result = await run;
            if (Control.ShouldReport && !shipper.Stale)
            {
                // Before the slot is offered again: the files are on this agent's disk until they are sent.
                await ArtifactUploader.UploadAsync(workDirectory, jobId, attempt, client, _retry, log, _logger, agentStopping);
            }
            Volatile.Write(ref _finishing, true);
            if (!Control.ShouldReport || shipper.Stale)
            {
                _logger.LogInformation("Not reporting the outcome ({Reason})", shipper.Stale ? "stale attempt" : Control.StopReason.ToString());
                return;
            }

            // A short job's log travels with its completion, to a server known to store it there.
            var folded = client.TakesFoldedLogs ? await shipper.TakeForCompletionAsync(JobLog.BatchSize) : null;
            if (folded is null)
            {
                await shipper.FlushAllAsync(agentStopping);
                if (shipper.Stale)
                    return;
            }

            await CompleteAsync(result, folded is { Count: > 0 } ? folded : null, agentStopping);
            Reported = true;
            _logger.LogInformation("Reported {Outcome}", result.Outcome.ToText());
        }
        catch (StaleAttemptException ex)
        {
            _logger.LogWarning("The server no longer assigns this attempt to us ({Reason}); dropping it", ex.Message);
            Control.RequestStop(JobStopReason.Abandon);
        }
        catch (OperationCanceledException) when (agentStopping.IsCancellationRequested)
        {
            _logger.LogInformation("Agent stopping; leaving the job to the server's lease expiry");
        }
        catch (ProtocolRequestException ex)
        {
            _logger.LogError("The server refused a call for this job: {Reason}", ex.Message);
        }
        finally
        {
            DeleteWorkDirectory(workDirectory);
        }
    }

    /// <summary>Records the attempt's start with the server (retried through outages), then ships the job's log.</summary>
    private async Task RecordStartAsync(JobLogShipper shipper, CancellationToken agentStopping)
    {
        await _retry.UntilDoneAsync("start", ct => _runtime.Client.StartJobAsync(_assignment.JobId, new StartJobRequest(_assignment.Attempt), ct), agentStopping);
        _logger.LogInformation("Running {Package} {Version} ({Entrypoint})", _assignment.Package.Name, _assignment.Package.Version, _assignment.Entrypoint);
        shipper.Start();
    }

    /// <summary>Reports the outcome, with the log tail and a claim for the agent's next work when it may carry them.</summary>
    private async Task CompleteAsync(PythonJobResult result, IReadOnlyList<AgentLogLine>? logs, CancellationToken agentStopping)
    {
        var client = _runtime.Client;
        var ticket = _runtime.Claims.TryBegin();
        IReadOnlyList<JobAssignment> claimed = [];
        try
        {
            var claim = ticket is null ? null : new CompletionClaim(ticket.FreeSlots, [.. _runtime.Packages.CachedPackages().Take(CachedPackagesPerClaim)]);
            var request = new CompleteJobRequest(_assignment.Attempt, result.Outcome.ToText(), result.ExitCode, result.Result, result.Error, logs, claim)
            {
                NoRetry = result.NoRetry,
            };
            var response = await _retry.UntilDoneAsync("complete", ct => client.CompleteJobAsync(_assignment.JobId, request, ct), agentStopping);
            claimed = response?.Jobs ?? [];
            if (logs is not null && response?.Jobs is null)
                _logger.LogWarning("The server did not store the last {Count} log lines sent with the completion (it is older than this agent)", logs.Count);
        }
        finally
        {
            if (ticket is not null)
                _runtime.Claims.End(ticket, claimed);
        }
    }

    private async Task<PythonJobResult> PrepareAndRunAsync(JobLog log, string workDirectory, Task started, CancellationToken agentStopping)
    {
        using var setupStop = CancellationTokenSource.CreateLinkedTokenSource(agentStopping, Control.Stopping);
        string python;
        string packageDirectory;
        try
        {
            packageDirectory = await _retry.UntilDoneAsync("package download",
                ct => _runtime.Packages.EnsureAsync(_assignment.Package.Sha256, ct), setupStop.Token);
            var interpreter = PythonInterpreter.Choose(_runtime.Interpreters, _assignment.Python);
            if (interpreter is null)
                return Failed($"no Python interpreter on this agent satisfies '{_assignment.Python ?? "any Python 3"}'");
            python = interpreter.Path;
            if (!string.IsNullOrEmpty(_assignment.Requirements))
            {
                var venv = await _runtime.VirtualEnvironments.EnsureAsync(interpreter, packageDirectory, _assignment.Requirements,
                    line => log.Append("setup", line), setupStop.Token);
                if (!venv.Succeeded)
                    return Failed(venv.Error!);
                python = venv.PythonPath!;
            }
        }
        catch (OperationCanceledException) when (Control.Stopping.IsCancellationRequested && !agentStopping.IsCancellationRequested)
        {
            return new PythonJobResult(JobOutcome.Cancelled, null, null, "The job was cancelled before it started.");
        }
        catch (PackageCacheException ex)
        {
            return Failed(ex.Message) with { NoRetry = ex.InvalidPackage };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A full disk or a permission problem here: fail this attempt with the reason (another may fare
            // better) instead of leaving the job to a lease expiry that says only "agent stopped responding".
            return Failed($"The agent could not prepare the job: {ex.Message}");
        }
        catch (StaleAttemptException ex)
        {
            // The package download answered 404: the job cannot run on any agent.
            return Failed($"The package {_assignment.Package.Name} {_assignment.Package.Version} could not be downloaded: {ex.Message}");
        }

        if (Directory.Exists(workDirectory))
            Directory.Delete(workDirectory, recursive: true);
        Directory.CreateDirectory(workDirectory);
        var timeout = _assignment.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(_assignment.TimeoutSeconds) : (TimeSpan?)null;
        var isolation = _assignment.Isolation == "fresh" ? JobIsolation.Fresh : JobIsolation.Warm;
        // The job's channel to the server (work items, child jobs, assets, checkpoints, heartbeats); closing it releases
        // the items the job still holds.
        await using var channel = _runtime.Channel?.Open(_assignment.JobId, _assignment.Attempt, Control);
        var spec = new PythonJobSpec(_assignment.JobId, _assignment.Attempt, python, _runtime.RuntimeDirectory, packageDirectory,
            workDirectory, _assignment.Entrypoint, _assignment.Inputs, timeout, isolation, _assignment.Preload, channel?.Environment,
            started.IsCompletedSuccessfully ? null : started);
        return await _runtime.Runner.RunAsync(spec, log, Control);

        PythonJobResult Failed(string error)
        {
            log.Append("setup", error);
            _logger.LogWarning("Job failed before its process started: {Error}", error);
            return new PythonJobResult(JobOutcome.Failed, null, null, error);
        }
    }

    private static string SafeName(string jobId)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var name = new string(jobId.Select(c => invalid.Contains(c) || c == '.' ? '_' : c).ToArray());
        return name.Length > 100 ? name[..100] : name;
    }

    private void DeleteWorkDirectory(string workDirectory)
    {
        try
        {
            if (Directory.Exists(workDirectory))
                Directory.Delete(workDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not delete the work directory {WorkDirectory}", workDirectory);
        }
    }

    public void Dispose() => Control.Dispose();
}
