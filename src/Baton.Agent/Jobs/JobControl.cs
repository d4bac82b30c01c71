using Baton.Core.AgentProtocol;

namespace Baton.Agent.Jobs;

/// <summary>Why a running job is being stopped; a later, stronger reason overrides a weaker one.</summary>
public enum JobStopReason
{
    None = 0,
    /// <summary>The server asked to cancel: terminate, then report <c>cancelled</c>.</summary>
    Cancel = 1,
    /// <summary>The agent is stopping: terminate, report nothing (the server's lease expiry retries the job).</summary>
    Shutdown = 2,
    /// <summary>The attempt is no longer ours (abandon directive or a 409): kill at once, report nothing.</summary>
    Abandon = 3,
}

/// <summary>The agent's handle on one running attempt: stop requests and the latest progress.</summary>
public sealed class JobControl : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private int _reason;
    private JobProgressReport? _progress;

    public JobControl(string jobId, int attempt)
    {
        JobId = jobId;
        Attempt = attempt;
    }

    public string JobId { get; }
    public int Attempt { get; }

    public JobStopReason StopReason => (JobStopReason)Volatile.Read(ref _reason);

    /// <summary>Cancelled when any stop is requested.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>Whether the outcome must be reported to the server (not after an abandon or an agent shutdown).</summary>
    public bool ShouldReport => StopReason is JobStopReason.None or JobStopReason.Cancel;

    public JobProgressReport? Progress
    {
        get => Volatile.Read(ref _progress);
        set => Volatile.Write(ref _progress, value);
    }

    private int _heartbeat;

    /// <summary>The job called <c>baton.heartbeat()</c> and the server has not been told yet.</summary>
    public bool HeartbeatPending => Volatile.Read(ref _heartbeat) == 1;

    public void RequestHeartbeat() => Volatile.Write(ref _heartbeat, 1);

    /// <summary>True once per heartbeat the job asked for: the caller sends it.</summary>
    public bool TakeHeartbeat() => Interlocked.Exchange(ref _heartbeat, 0) == 1;

    /// <summary>Answers the job's requests (assets, checkpoints); null where the job runs without a server (tests, tools).</summary>
    public IJobRequests? Requests { get; set; }

    public void RequestStop(JobStopReason reason)
    {
        while (true)
        {
            var current = Volatile.Read(ref _reason);
            if ((int)reason <= current)
                return;
            if (Interlocked.CompareExchange(ref _reason, (int)reason, current) == current)
                break;
        }

        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _stop.Dispose();
}
