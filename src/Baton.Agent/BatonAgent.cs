using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using Baton.Agent.Jobs;
using Baton.Agent.Packages;
using Baton.Agent.Protocol;
using Baton.Agent.Python;
using Baton.Agent.Python.Warm;
using Baton.Agent.Registration;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging;

namespace Baton.Agent;

/// <summary>
/// The worker-side daemon: registers (or reuses its saved identity), then keeps exactly one
/// long-poll in flight — heartbeat, claim and control in one call — and runs each assigned job as
/// its own Python process, up to <see cref="AgentOptions.Slots"/> at a time. On cancellation it
/// stops claiming and terminates its jobs without reporting them: the server's lease expiry
/// retries them elsewhere.
/// </summary>
public sealed class BatonAgent : IAsyncDisposable
{
    // Often enough for the server's agent CPU and memory figures (and the autoscaler) to follow the load.
    private static readonly TimeSpan ResourceReportInterval = TimeSpan.FromSeconds(15);

    private readonly AgentOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, (JobExecution Execution, Task Task)> _jobs = new(StringComparer.Ordinal);
    private readonly Lock _pollLock = new();
    private CancellationTokenSource? _fullSlotsPoll;
    private CancellationTokenSource? _currentPoll;
    private volatile bool _draining;

    public BatonAgent(AgentOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        options.ThrowIfInvalid();
        _options = options;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<BatonAgent>();
        _http = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The agent's id once registered (or loaded from agent.json).</summary>
    public string? AgentId { get; private set; }

    /// <summary>The interpreters found at start, newest first.</summary>
    public IReadOnlyList<PythonInterpreter> Interpreters { get; private set; } = [];

    /// <summary>Number of jobs currently held by this agent.</summary>
    public int RunningJobs => _jobs.Count;

    /// <summary>Whether <see cref="Drain"/> was called.</summary>
    public bool Draining => _draining;

    /// <summary>
    /// Drains the agent: it takes no new job, finishes (and reports) the ones it runs, then
    /// <see cref="RunAsync"/> returns. Scaling down uses this, so a job is never killed to remove an agent.
    /// </summary>
    public void Drain()
    {
        if (_draining)
            return;
        _draining = true;
        // Completions stop carrying claims too.
        Claims?.Close();
        _logger.LogInformation("Draining: no new jobs; exiting once {Count} running job(s) finish", _jobs.Count);
        // A poll in flight may be offering free slots: cut it short so the next one offers none. Anything it was
        // handed and never read goes back to the queue (the server requeues assignments the agent does not report).
        lock (_pollLock)
            _currentPoll?.Cancel();
    }

    public static string Version { get; } =
        typeof(BatonAgent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>Runs until <paramref name="cancellationToken"/> fires. Throws <see cref="AgentException"/> on fatal errors.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var data = Path.GetFullPath(_options.DataDirectory);
        Directory.CreateDirectory(data);
        var runtimeDirectory = await RuntimeFiles.WriteAsync(Path.Combine(data, "runtime"), cancellationToken);
        // The SDK as a wheel beside it, for jobs that build their own venvs ($BATON_SDK_WHEEL).
        await SdkWheel.WriteAsync(SdkWheel.FolderIn(runtimeDirectory), cancellationToken);
        Interpreters = await new InterpreterDiscovery(_loggerFactory.CreateLogger<InterpreterDiscovery>()).DiscoverAsync(cancellationToken);
        var capabilities = new AgentCapabilities(SystemProbe.Os, SystemProbe.Arch,
            Interpreters.Select(i => new PythonInterpreterInfo(i.VersionText, i.Path)).ToList(), _options.Labels, _options.Group);

        var store = new AgentIdentityStore(data);
        var identity = store.Load();
        var servers = _options.ServerUrls.Count > 0 ? _options.ServerUrls : identity?.ServerUrls ?? [];
        if (servers.Count == 0)
            throw new AgentException("No server URL given and none saved in " + store.FilePath + ".");
        var client = new AgentProtocolClient(_http, servers, _loggerFactory.CreateLogger<AgentProtocolClient>());
        identity = await EnsureIdentityAsync(store, identity, client, capabilities, data, cancellationToken);
        client.UseCredential(identity.Credential);
        AgentId = identity.AgentId;
        _logger.LogInformation("Agent {AgentId} ({Name}) ready with {Slots} slots", identity.AgentId, _options.Name, _options.Slots);

        var packages = new PackageCache(Path.Combine(data, "packages"), client.DownloadPackageAsync, _loggerFactory.CreateLogger<PackageCache>());
        await using var warm = _options.WarmInterpreters && WarmInterpreterPool.IsSupported
            ? new WarmInterpreterPool(runtimeDirectory, _options.Warm, _timeProvider, _loggerFactory.CreateLogger<WarmInterpreterPool>())
            : null;
        WarmPool = warm;
        // Jobs reach the server through this agent (work items, child jobs).
        using var channel = JobChannel.TryStart(client, _timeProvider, _loggerFactory.CreateLogger<JobChannel>());
        AgentRuntime runtime = null!;
        var claims = new CompletionClaims(_options.Slots,
            () => (_jobs.Count, _jobs.Values.Count(j => j.Execution.Finishing)),
            assigned => StartJobs(assigned, runtime, cancellationToken));
        runtime = new AgentRuntime(_options, client, packages,
            new VirtualEnvironmentManager(Path.Combine(data, "venvs"), _loggerFactory.CreateLogger<VirtualEnvironmentManager>()),
            new PythonJobRunner(_timeProvider, _options.TerminateGrace, _loggerFactory.CreateLogger<PythonJobRunner>(), warm),
            Interpreters, runtimeDirectory, Path.Combine(data, "work"), _timeProvider, _loggerFactory, claims, channel);
        Claims = claims;
        var prefetcher = new PackagePrefetcher(packages, _timeProvider, _loggerFactory.CreateLogger<PackagePrefetcher>());
        if (warm is not null && PythonInterpreter.Choose(Interpreters, null) is { } usual)
        {
            // The interpreter a job without a version range runs on is warmed before the first job asks.
            _ = PrewarmAsync(warm, usual.Path, cancellationToken);
        }

        try
        {
            await PollLoopAsync(runtime, prefetcher, capabilities, data, cancellationToken);
        }
        finally
        {
            await StopJobsAsync();
        }
    }

    /// <summary>Completion claims while the agent runs.</summary>
    internal CompletionClaims? Claims { get; private set; }

    /// <summary>The warm interpreters while the agent runs (null when every job starts cold).</summary>
    public WarmInterpreterPool? WarmPool { get; private set; }

    private async Task PrewarmAsync(WarmInterpreterPool warm, string python, CancellationToken cancellationToken)
    {
        try
        {
            await warm.PrewarmAsync(python, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task<AgentIdentity> EnsureIdentityAsync(
        AgentIdentityStore store, AgentIdentity? saved, AgentProtocolClient client, AgentCapabilities capabilities, string data, CancellationToken cancellationToken)
    {
        if (saved is not null)
        {
            if (_options.ServerUrls.Count > 0 && !saved.ServerUrls.SequenceEqual(_options.ServerUrls))
                store.Save(saved = saved with { ServerUrls = _options.ServerUrls });
            _logger.LogInformation("Using saved identity {AgentId} from {Path}", saved.AgentId, store.FilePath);
            return saved;
        }

        if (string.IsNullOrWhiteSpace(_options.EnrollmentToken))
            throw new AgentException($"This agent is not registered yet ({store.FilePath} does not exist) and no enrollment token was given: pass --token with a tenant enrollment token.");
        var request = new RegisterAgentRequest(_options.EnrollmentToken, _options.Name, capabilities, _options.Slots, SystemProbe.Resources(data), Version);
        var retry = new ProtocolRetry(Backoff.Default, _timeProvider, _logger);
        var response = await retry.UntilDoneAsync("register", ct => client.RegisterAsync(request, ct), cancellationToken);
        var identity = new AgentIdentity(response.AgentId, response.TenantId, response.Credential, client.Servers);
        store.Save(identity);
        _logger.LogInformation("Registered as agent {AgentId} in tenant {TenantId}", response.AgentId, response.TenantId);
        return identity;
    }

    private async Task PollLoopAsync(
        AgentRuntime runtime, PackagePrefetcher prefetcher, AgentCapabilities capabilities, string data, CancellationToken cancellationToken)
    {
        var backoff = Backoff.Default;
        var failures = 0;
        var sendCapabilities = true;
        var lastResources = DateTimeOffset.MinValue;
        var usage = new UsageProbe();
        usage.CpuPercent();
        var waitSeconds = (int)Math.Ceiling(_options.PollWait.TotalSeconds);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_draining && _jobs.IsEmpty)
            {
                _logger.LogInformation("Drained: every job finished; stopping");
                break;
            }
            // No poll claims while a completion claims (see CompletionClaims); none claims once draining.
            var freeSlots = runtime.Claims.BeginPoll();

            var running = _jobs.Values
                .Where(j => j.Execution.Control.StopReason != JobStopReason.Abandon && !j.Execution.Reported)
                .Select(j => new RunningJobReport(j.Execution.Control.JobId, j.Execution.Control.Attempt, j.Execution.Control.Progress,
                    j.Execution.Control.StopReason == JobStopReason.Cancel ? true : null))
                .ToList();
            var now = _timeProvider.GetUtcNow();
            var resources = now - lastResources >= ResourceReportInterval
                ? SystemProbe.Resources(data) with { CpuPercent = usage.CpuPercent(), MemoryUsedMb = UsageProbe.MemoryUsedMb() }
                : null;
            var request = new PollRequest(freeSlots, running, waitSeconds, sendCapabilities ? capabilities : null, resources,
                runtime.Packages.CachedPackages(), prefetcher.Fetching());

            using var pollCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            lock (_pollLock)
            {
                _currentPoll = pollCancel;
                // A poll with no free slots cannot be handed work, so cutting it short when a slot frees loses nothing.
                if (freeSlots == 0)
                    _fullSlotsPoll = pollCancel;
            }
            if (freeSlots > 0 && _draining)
            {
                // Drain() came after the slots were counted and before this poll could be cut short: count again.
                lock (_pollLock)
                    _currentPoll = null;
                continue;
            }

            PollResponse response;
            try
            {
                response = await runtime.Client.PollAsync(request, pollCancel.Token);
                if (failures > 0)
                    _logger.LogInformation("Reconnected to the server after {Failures} failed polls", failures);
                failures = 0;
                sendCapabilities = false;
                if (resources is not null)
                    lastResources = now;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception ex) when (ex is ServerUnavailableException or ProtocolRequestException or StaleAttemptException)
            {
                failures++;
                sendCapabilities = true;
                var delay = backoff.DelayFor(failures);
                if (failures == 1 || failures % 10 == 0)
                    _logger.LogWarning("Poll failed ({Failures} times): {Reason}; retrying in {Delay} ms", failures, ex.Message, (int)delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, _timeProvider, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }
            finally
            {
                runtime.Claims.EndPoll();
                lock (_pollLock)
                {
                    _fullSlotsPoll = null;
                    _currentPoll = null;
                }
            }

            ApplyDirectives(response, runtime, cancellationToken);
            prefetcher.Start(response.Prefetch ?? [], cancellationToken);
        }
    }

    private void ApplyDirectives(PollResponse response, AgentRuntime runtime, CancellationToken cancellationToken)
    {
        foreach (var abandon in response.Abandon ?? [])
        {
            // A job whose process has ended is being reported: a poll that listed it can cross its completion (and be woken
            // by it), so the server no longer holds it; there is nothing to kill, and a real loss answers the completion as stale.
            if (_jobs.TryGetValue(JobExecution.KeyOf(abandon.JobId, abandon.Attempt), out var job) && !job.Execution.Reported && !job.Execution.Finishing)
            {
                _logger.LogWarning("Server abandoned job {JobId} attempt {Attempt}; killing it", abandon.JobId, abandon.Attempt);
                job.Execution.Control.RequestStop(JobStopReason.Abandon);
            }
        }

        foreach (var cancel in response.Cancel ?? [])
        {
            if (_jobs.TryGetValue(JobExecution.KeyOf(cancel.JobId, cancel.Attempt), out var job))
            {
                _logger.LogInformation("Cancelling job {JobId} attempt {Attempt}", cancel.JobId, cancel.Attempt);
                job.Execution.Control.RequestStop(JobStopReason.Cancel);
            }
        }

        StartJobs(response.Jobs ?? [], runtime, cancellationToken);
    }

    private void StartJobs(IReadOnlyList<JobAssignment> assignments, AgentRuntime runtime, CancellationToken cancellationToken)
    {
        foreach (var assignment in assignments)
        {
            var key = JobExecution.KeyOf(assignment.JobId, assignment.Attempt);
            if (_jobs.ContainsKey(key))
                continue;
            var execution = new JobExecution(assignment, runtime);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = RunJobAsync(key, execution, started.Task, cancellationToken);
            _jobs[key] = (execution, task);
            started.SetResult();
        }
    }

    private async Task RunJobAsync(string key, JobExecution execution, Task registered, CancellationToken cancellationToken)
    {
        await registered;
        try
        {
            await Task.Run(() => execution.RunAsync(cancellationToken), CancellationToken.None);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Job {JobId} attempt {Attempt} crashed in the agent", execution.Control.JobId, execution.Control.Attempt);
        }
        finally
        {
            _jobs.TryRemove(key, out _);
            execution.Dispose();
            // A slot no claim filled (the completion claimed nothing, or could not claim): a poll with free slots takes it.
            if (_options.Slots - _jobs.Count - Claims!.SlotsInFlight > 0)
            {
                lock (_pollLock)
                    _fullSlotsPoll?.Cancel();
            }
        }
    }

    private async Task StopJobsAsync()
    {
        var jobs = _jobs.Values.ToList();
        if (jobs.Count == 0)
            return;
        _logger.LogInformation("Stopping {Count} running job(s); the server will retry them", jobs.Count);
        foreach (var job in jobs)
            job.Execution.Control.RequestStop(JobStopReason.Shutdown);
        await Task.WhenAll(jobs.Select(j => j.Task));
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
