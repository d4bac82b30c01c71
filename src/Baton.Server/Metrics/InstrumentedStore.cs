using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Metrics;

/// <summary>
/// The store as the server sees it when metrics are on: every call of every sub-store is timed by operation
/// (<see cref="StoreMetrics"/>), and the calls that change a job's life, write heartbeats or record a webhook attempt
/// feed <see cref="JobMetrics"/> from what they return. A decorator over the contract (not code inside the backends),
/// so it sees every caller and knows nothing of SQL. The sub-stores are wrapped by <see cref="DispatchProxy"/>: a method
/// added to the contract is timed without a change here.
/// </summary>
public sealed class InstrumentedStore : IBatonStore
{
    private readonly IBatonStore _inner;

    public InstrumentedStore(IBatonStore inner, StoreMetrics metrics, JobMetrics jobs, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        var hooks = new StoreHooks(jobs, time);
        Tenants = TimedStore<ITenantStore>.Wrap(inner.Tenants, "Tenants", metrics, hooks);
        ApiKeys = TimedStore<IApiKeyStore>.Wrap(inner.ApiKeys, "ApiKeys", metrics, hooks);
        EnrollmentTokens = TimedStore<IEnrollmentTokenStore>.Wrap(inner.EnrollmentTokens, "EnrollmentTokens", metrics, hooks);
        Agents = TimedStore<IAgentStore>.Wrap(inner.Agents, "Agents", metrics, hooks);
        Packages = TimedStore<IPackageStore>.Wrap(inner.Packages, "Packages", metrics, hooks);
        Jobs = TimedStore<IJobStore>.Wrap(inner.Jobs, "Jobs", metrics, hooks);
        Settings = TimedStore<ISettingsStore>.Wrap(inner.Settings, "Settings", metrics, hooks);
        Queues = TimedStore<IQueueStore>.Wrap(inner.Queues, "Queues", metrics, hooks);
        Events = TimedStore<IEventStore>.Wrap(inner.Events, "Events", metrics, hooks);
        Webhooks = TimedStore<IWebhookStore>.Wrap(inner.Webhooks, "Webhooks", metrics, hooks);
        Schedules = TimedStore<IScheduleStore>.Wrap(inner.Schedules, "Schedules", metrics, hooks);
        Calendars = TimedStore<ICalendarStore>.Wrap(inner.Calendars, "Calendars", metrics, hooks);
        SharedPool = TimedStore<ISharedPoolStore>.Wrap(inner.SharedPool, "SharedPool", metrics, hooks);
        Statistics = TimedStore<IStatisticsStore>.Wrap(inner.Statistics, "Statistics", metrics, hooks);
        Retention = TimedStore<IRetentionStore>.Wrap(inner.Retention, "Retention", metrics, hooks);
        Audit = TimedStore<IAuditStore>.Wrap(inner.Audit, "Audit", metrics, hooks);
        DataKeys = TimedStore<IDataKeyStore>.Wrap(inner.DataKeys, "DataKeys", metrics, hooks);
        Assets = TimedStore<IAssetStore>.Wrap(inner.Assets, "Assets", metrics, hooks);
        Checkpoints = TimedStore<ICheckpointStore>.Wrap(inner.Checkpoints, "Checkpoints", metrics, hooks);
        Artifacts = TimedStore<IArtifactStore>.Wrap(inner.Artifacts, "Artifacts", metrics, hooks);
        Autoscale = TimedStore<IAutoscaleStore>.Wrap(inner.Autoscale, "Autoscale", metrics, hooks);
        WorkItems = TimedStore<IWorkItemStore>.Wrap(inner.WorkItems, "WorkItems", metrics, hooks);
        Lineage = TimedStore<IJobLineageStore>.Wrap(inner.Lineage, "Lineage", metrics, hooks);
        WorkItemTriggers = TimedStore<IWorkItemTriggerStore>.Wrap(inner.WorkItemTriggers, "WorkItemTriggers", metrics, hooks);
    }

    /// <summary>The backend under the decorator (for the few backend-specific services, e.g. partition upkeep).</summary>
    public static IBatonStore Unwrap(IBatonStore store) => store is InstrumentedStore instrumented ? instrumented._inner : store;

    public StoreCapabilities Capabilities => _inner.Capabilities;
    public ITenantStore Tenants { get; }
    public IApiKeyStore ApiKeys { get; }
    public IEnrollmentTokenStore EnrollmentTokens { get; }
    public IAgentStore Agents { get; }
    public IPackageStore Packages { get; }
    public IJobStore Jobs { get; }
    public ISettingsStore Settings { get; }
    public IQueueStore Queues { get; }
    public IEventStore Events { get; }
    public IWebhookStore Webhooks { get; }
    public IScheduleStore Schedules { get; }
    public ICalendarStore Calendars { get; }
    public ISharedPoolStore SharedPool { get; }
    public IStatisticsStore Statistics { get; }
    public IWorkItemStore WorkItems { get; }
    public IJobLineageStore Lineage { get; }
    public IWorkItemTriggerStore WorkItemTriggers { get; }
    public IRetentionStore Retention { get; }
    public IAuditStore Audit { get; }
    public IDataKeyStore DataKeys { get; }
    public IAssetStore Assets { get; }
    public ICheckpointStore Checkpoints { get; }
    public IArtifactStore Artifacts { get; }
    public IAutoscaleStore Autoscale { get; }

    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken) => _inner.MigrateAsync(cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}

/// <summary>What the decorator does with a finished call's arguments and result, by operation name.</summary>
internal sealed class StoreHooks(JobMetrics jobs, TimeProvider time)
{
    public Action<object?[], Task>? For(string operation) => operation switch
    {
        "Jobs.SubmitAsync" => (_, task) => jobs.Submitted(((Task<(JobRecord, bool)>)task).Result),
        "Jobs.SubmitManyAsync" => (_, task) => SubmittedMany(((Task<IReadOnlyList<(JobRecord, bool)>>)task).Result),
        "Jobs.ClaimAsync" => (_, task) => jobs.Claimed(((Task<IReadOnlyList<JobRecord>>)task).Result),
        "Jobs.ClaimManyAsync" => (_, task) => ClaimedMany(((Task<ClaimBatchResult>)task).Result),
        "Jobs.MarkStartedManyAsync" => (args, task) => StartedMany((IReadOnlyList<AttemptStart>)args[0]!, ((Task<IReadOnlyList<AttemptWriteResult>>)task).Result),
        "Jobs.CompleteAttemptsAsync" => (args, task) => CompletedMany(
            (IReadOnlyList<AttemptCompletion>)args[0]!, ((Task<IReadOnlyList<(AttemptWriteResult, JobRecord?)>>)task).Result),
        "Jobs.WriteManyAsync" => (args, task) => WroteMany((JobWrites)args[0]!, ((Task<JobWriteResults>)task).Result),
        "Jobs.MarkStartedAsync" => (args, task) => jobs.Started((string)args[0]!, ((Task<AttemptWriteResult>)task).Result),
        "Jobs.CompleteAttemptAsync" => (args, task) => jobs.Completed((AttemptCompletion)args[0]!, ((Task<(AttemptWriteResult, JobRecord?)>)task).Result),
        "Jobs.ExpireLeasesAsync" => (_, task) => jobs.Expired(((Task<IReadOnlyList<ExpiredLease>>)task).Result),
        "Jobs.RequestCancelAsync" => (args, task) => jobs.CancelRequested((string)args[0]!, ((Task<(CancelResult, JobRecord?)>)task).Result.Item1),
        "Agents.RecordHeartbeatsAsync" => (args, _) => jobs.HeartbeatsWritten((IReadOnlyList<AgentHeartbeat>)args[0]!, time.GetUtcNow()),
        "Webhooks.RecordAttemptAsync" => (args, task) => jobs.DeliveryRecorded((DeliveryAttemptResult)args[0]!, ((Task<bool>)task).Result),
        _ => null,
    };

    // The batch forms (group commit, batched claims) answer in the order of their arguments: one count per item.
    private void SubmittedMany(IReadOnlyList<(JobRecord, bool)> results)
    {
        foreach (var result in results) jobs.Submitted(result);
    }

    /// <summary>A group commit's mixed batch: each kind counted as its own batch form counts it.</summary>
    private void WroteMany(JobWrites writes, JobWriteResults results)
    {
        SubmittedMany(results.Submitted);
        StartedMany(writes.Starts, results.Started);
        CompletedMany(writes.Completions, results.Completed);
    }

    private void ClaimedMany(ClaimBatchResult result)
    {
        foreach (var claimed in result.Jobs) jobs.Claimed(claimed);
    }

    private void StartedMany(IReadOnlyList<AttemptStart> starts, IReadOnlyList<AttemptWriteResult> results)
    {
        for (var i = 0; i < starts.Count && i < results.Count; i++) jobs.Started(starts[i].TenantId, results[i]);
    }

    private void CompletedMany(IReadOnlyList<AttemptCompletion> completions, IReadOnlyList<(AttemptWriteResult, JobRecord?)> outcomes)
    {
        for (var i = 0; i < completions.Count && i < outcomes.Count; i++) jobs.Completed(completions[i], outcomes[i]);
    }
}

/// <summary>A sub-store proxy that times each call and runs its hook when the call succeeded.</summary>
public class TimedStore<T> : DispatchProxy where T : class
{
    private T _inner = null!;
    private string _area = "";
    private StoreMetrics _metrics = null!;
    private StoreHooks _hooks = null!;
    private readonly ConcurrentDictionary<MethodInfo, Operation> _operations = new();

    internal static T Wrap(T inner, string area, StoreMetrics metrics, StoreHooks hooks)
    {
        var proxy = Create<T, TimedStore<T>>();
        var timed = (TimedStore<T>)(object)proxy;
        timed._inner = inner;
        timed._area = area;
        timed._metrics = metrics;
        timed._hooks = hooks;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var operation = _operations.GetOrAdd(targetMethod, method =>
        {
            var name = $"{_area}.{method.Name}";
            var (duration, errors) = _metrics.Operation(name);
            return new Operation(duration, errors, _hooks.For(name));
        });
        var started = Stopwatch.GetTimestamp();
        object? result;
        try
        {
            result = targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            operation.Errors.Inc();
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
        if (result is Task task)
        {
            if (task.IsCompleted) operation.Finish(task, args ?? [], started);
            else task.ContinueWith(static (done, state) =>
            {
                var (op, callArgs, start) = ((Operation, object?[], long))state!;
                op.Finish(done, callArgs, start);
            }, (operation, args ?? [], started), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else
        {
            operation.Duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return result;
    }

    private sealed record Operation(Prometheus.Histogram.Child Duration, Prometheus.Counter.Child Errors, Action<object?[], Task>? Hook)
    {
        public void Finish(Task task, object?[] args, long started)
        {
            Duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            if (!task.IsCompletedSuccessfully)
            {
                if (task.IsFaulted) Errors.Inc();
                return;
            }
            if (Hook is null) return;
            try
            {
                Hook(args, task);
            }
            catch (Exception ex) when (ex is InvalidCastException or NullReferenceException or IndexOutOfRangeException)
            {
                // A contract change the hook does not know yet: the measurement is lost, never the call.
                Trace.TraceWarning($"Metrics hook failed: {ex.Message}");
            }
        }
    }
}
