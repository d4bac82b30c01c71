using System.Collections.Concurrent;
using System.Diagnostics;
using Baton.Bench.Metrics;

namespace Baton.Bench.Agents;

/// <summary>What the simulated agents observed, shared by the whole fleet (all members are thread-safe).</summary>
public sealed class FleetProbe(TimeProvider time)
{
    private int _started;
    private int _completed;
    private int _held;
    private int _errors;
    private long _lastCompletedTimestamp;

    /// <summary>When each job's assignment reached an agent (client wall clock).</summary>
    public ConcurrentDictionary<string, DateTimeOffset> ReceivedAt { get; } = new();

    /// <summary>From an assignment's arrival at the agent to the server accepting its start.</summary>
    public LatencyRecorder AssignToStart { get; } = new();

    /// <summary>Round trip of every poll that asked for no wait (a pure heartbeat).</summary>
    public LatencyRecorder Polls { get; } = new();

    public int Started => Volatile.Read(ref _started);

    public int Completed => Volatile.Read(ref _completed);

    public int Held => Volatile.Read(ref _held);

    public int Errors => Volatile.Read(ref _errors);

    /// <summary><see cref="Stopwatch.GetTimestamp"/> of the latest completion, 0 before the first.</summary>
    public long LastCompletedTimestamp => Interlocked.Read(ref _lastCompletedTimestamp);

    public void Received(string jobId) => ReceivedAt.TryAdd(jobId, time.GetUtcNow());

    public void OnStarted() => Interlocked.Increment(ref _started);

    public void OnHeld(int delta) => Interlocked.Add(ref _held, delta);

    public void OnCompleted()
    {
        Interlocked.Increment(ref _completed);
        var now = Stopwatch.GetTimestamp();
        var seen = Interlocked.Read(ref _lastCompletedTimestamp);
        while (now > seen)
        {
            var previous = Interlocked.CompareExchange(ref _lastCompletedTimestamp, now, seen);
            if (previous == seen) break;
            seen = previous;
        }
    }

    public void OnError() => Interlocked.Increment(ref _errors);
}
