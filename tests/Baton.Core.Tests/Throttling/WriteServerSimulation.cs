using Microsoft.Extensions.Time.Testing;

namespace Baton.Core.Tests.Throttling;

/// <summary>
/// A deterministic discrete-event model of a server behind a write limit, offered far more writes than it can take
/// (open loop, evenly spaced): a write past the limit is refused and gone; an admitted one goes through
/// <see cref="Cores"/> workers taking <see cref="Cpu"/> each (request handling), then, if the model commits, waits
/// for a commit. One commit runs at a time and carries every write queued when it starts (group commit): it takes
/// the fsync time — <see cref="Fsync"/>, times 1 + <see cref="FsyncJitter"/> × an exponential draw — plus
/// <see cref="PerRow"/> per write. So a group-committing model does more per second the more writes wait, up to
/// what its workers or its per-row cost allow, while each write also takes longer; a model without commits is a
/// plain queue in front of a fixed service rate.
/// </summary>
internal sealed record WriteServerSimulation(int Cores, TimeSpan Cpu, TimeSpan? Fsync, TimeSpan PerRow, double FsyncJitter = 0)
{
    /// <summary>Two workers at 1 ms (2,000 writes/s at most), a 4 ms fsync and 0.1 ms per row.</summary>
    public static WriteServerSimulation GroupCommit(double jitter = 0) =>
        new(2, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(4), TimeSpan.FromMilliseconds(0.1), jitter);

    /// <summary>No worker bound: only the commits, 4 ms fsync and 0.5 ms per row (2,000 writes/s in the limit of huge batches).</summary>
    public static WriteServerSimulation CommitBound(double jitter = 0) =>
        new(int.MaxValue, TimeSpan.Zero, TimeSpan.FromMilliseconds(4), TimeSpan.FromMilliseconds(0.5), jitter);

    /// <summary>Eight workers at 4 ms and no commits: 2,000 writes/s, 4 ms each, a real queue past eight in flight.</summary>
    public static WriteServerSimulation FixedRate() => new(8, TimeSpan.FromMilliseconds(4), null, TimeSpan.Zero);

    /// <summary>The most writes per second the model can complete.</summary>
    public double Capacity
    {
        get
        {
            var workers = Cpu > TimeSpan.Zero ? Cores / Cpu.TotalSeconds : double.PositiveInfinity;
            var rows = Fsync is not null && PerRow > TimeSpan.Zero ? 1 / PerRow.TotalSeconds : double.PositiveInfinity;
            return Math.Min(workers, rows);
        }
    }

    /// <summary>The latency of a lone write.</summary>
    public TimeSpan LeastLatency => Cpu + (Fsync is { } fsync ? fsync + PerRow : TimeSpan.Zero);

    /// <summary>
    /// Runs the model for <paramref name="length"/> behind a limit: <paramref name="limit"/> is read for each offered
    /// write, <paramref name="onSample"/> hears each completion (latency, in flight when admitted) at the simulated
    /// time, which <paramref name="time"/> follows. Figures are over the second half of the run.
    /// </summary>
    public Outcome Run(
        Func<int> limit, Action<TimeSpan, int> onSample, FakeTimeProvider time, int offeredPerSecond, TimeSpan length, int seed = 1)
    {
        var random = new Random(seed);
        var events = new PriorityQueue<Event, (long At, long Order)>();
        long order = 0;
        void Schedule(long at, EventKind kind, Write? write = null, List<Write>? batch = null) =>
            events.Enqueue(new Event(at, kind, write, batch), (at, order++));

        var spacing = TimeSpan.TicksPerSecond / offeredPerSecond;
        var end = length.Ticks;
        var measuredFrom = end / 2;
        var workersQueue = new Queue<Write>();
        var commitQueue = new List<Write>();
        var busyWorkers = 0;
        var committing = false;
        var inFlight = 0;
        long now = 0;
        var latencies = new List<double>();
        double inFlightSum = 0;
        long offered = 0;
        long refused = 0;

        void StartWorkers()
        {
            while (busyWorkers < Cores && workersQueue.Count > 0)
            {
                busyWorkers++;
                Schedule(now + Cpu.Ticks, EventKind.Handled, workersQueue.Dequeue());
            }
        }

        void StartCommit()
        {
            if (committing || commitQueue.Count == 0) return;
            committing = true;
            var batch = commitQueue.ToList();
            commitQueue.Clear();
            var fsync = Fsync!.Value.Ticks * (1 + FsyncJitter * -Math.Log(1 - random.NextDouble()));
            Schedule(now + (long)fsync + PerRow.Ticks * batch.Count, EventKind.Committed, batch: batch);
        }

        void Complete(Write write)
        {
            inFlight--;
            var latency = TimeSpan.FromTicks(now - write.Admitted);
            if (now >= measuredFrom)
            {
                latencies.Add(latency.TotalMilliseconds);
                inFlightSum += write.InFlight;
            }
            onSample(latency, write.InFlight);
        }

        Schedule(0, EventKind.Offered);
        while (events.TryDequeue(out var next, out _) && next.At <= end)
        {
            time.Advance(TimeSpan.FromTicks(next.At - now));
            now = next.At;
            switch (next.Kind)
            {
                case EventKind.Offered:
                    Schedule(now + spacing, EventKind.Offered);
                    if (now >= measuredFrom) offered++;
                    if (inFlight + 1 > limit())
                    {
                        if (now >= measuredFrom) refused++;
                        break;
                    }
                    inFlight++;
                    workersQueue.Enqueue(new Write(now, inFlight));
                    StartWorkers();
                    break;
                case EventKind.Handled:
                    busyWorkers--;
                    if (Fsync is null) Complete(next.Write!);
                    else
                    {
                        commitQueue.Add(next.Write!);
                        StartCommit();
                    }
                    StartWorkers();
                    break;
                case EventKind.Committed:
                    committing = false;
                    foreach (var write in next.Batch!) Complete(write);
                    StartCommit();
                    break;
            }
        }

        latencies.Sort();
        var seconds = TimeSpan.FromTicks(end - measuredFrom).TotalSeconds;
        return new Outcome(
            latencies.Count / seconds,
            latencies.Count == 0 ? 0 : latencies[latencies.Count / 2],
            latencies.Count == 0 ? 0 : latencies[(int)(latencies.Count * 0.99)],
            latencies.Count == 0 ? 0 : inFlightSum / latencies.Count,
            offered == 0 ? 0 : (double)refused / offered);
    }

    /// <summary>Completed writes per second, median and 99th-percentile latency, mean writes in flight at admission, share refused.</summary>
    internal readonly record struct Outcome(double PerSecond, double MedianMs, double P99Ms, double MeanInFlight, double RefusedShare)
    {
        public override string ToString() =>
            FormattableString.Invariant($"{PerSecond:0}/s, median {MedianMs:0.0} ms, p99 {P99Ms:0.0} ms, {MeanInFlight:0.0} in flight, {RefusedShare:P0} refused");
    }

    private enum EventKind { Offered, Handled, Committed }

    private sealed record Write(long Admitted, int InFlight);

    private sealed record Event(long At, EventKind Kind, Write? Write, List<Write>? Batch);
}
