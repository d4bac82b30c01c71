namespace Baton.Server.Metrics;

/// <summary>Histogram buckets (seconds), one set per kind of duration.</summary>
internal static class Buckets
{
    /// <summary>Store operations: sub-millisecond reads to multi-second claims under contention.</summary>
    public static readonly double[] Database = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>HTTP requests, long polls included (they are held up to 20 s).</summary>
    public static readonly double[] Http = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>Job latencies: the seed's targets are 2 s to assignment and 5 s to start.</summary>
    public static readonly double[] JobLatency = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900];

    /// <summary>Job run times.</summary>
    public static readonly double[] JobRun = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 4 * 3600];

    /// <summary>Background work: heartbeat batches, scheduler ticks, webhook attempts.</summary>
    public static readonly double[] Background = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
}
