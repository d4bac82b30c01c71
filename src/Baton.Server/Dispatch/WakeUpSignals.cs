using System.Collections.Concurrent;

namespace Baton.Server.Dispatch;

/// <summary>
/// In-process wake-ups keyed by a topic ("work for tenant T", "news for agent A", "logs of job J").
/// A wake-up only cuts latency: waiters still re-check the store on a bounded interval, so a
/// missed signal delays work by at most one poll interval and never loses it.
/// </summary>
public sealed class WakeUpSignals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new();

    public static string TenantWork(string tenantId) => "work:" + tenantId;
    public static string Agent(string agentId) => "agent:" + agentId;
    public static string JobLogs(string jobId) => "logs:" + jobId;

    /// <summary>Raised for every <see cref="Signal"/>, so a bridge can carry it to other replicas.</summary>
    public event Action<string>? Published;

    /// <summary>Wakes this replica's waiters on the topic, and other replicas' through any bridge.</summary>
    public void Signal(string topic)
    {
        SignalLocal(topic);
        Published?.Invoke(topic);
    }

    /// <summary>Wakes this replica's waiters only (a signal that arrived from another replica).</summary>
    public void SignalLocal(string topic)
    {
        if (_waiters.TryRemove(topic, out var waiter)) waiter.TrySetResult();
    }

    /// <summary>A task that completes on the next signal of any of the topics (or never).</summary>
    public Task WhenSignalled(params string[] topics)
    {
        if (topics.Length == 1) return Get(topics[0]);
        return Task.WhenAny(topics.Select(Get));
    }

    /// <summary>Waits for a signal on any topic, the timeout, or cancellation; never throws on timeout.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken, params string[] topics)
    {
        if (timeout <= TimeSpan.Zero) return;
        try
        {
            await WhenSignalled(topics).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    private Task Get(string topic) =>
        _waiters.GetOrAdd(topic, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
}
