using System.Diagnostics;

namespace Baton.Server.Api;

/// <summary>
/// Whether this server is saturated now, from how late its own timer work runs: every 100 ms it waits 100 ms
/// and measures the overshoot. An idle or merely busy process wakes within a millisecond or two; one whose
/// threads wait for a CPU (its own load, a database or anything else on the same cores, or a container's CPU
/// limit) wakes late. The lag is smoothed, and the server counts as saturated while it exceeds
/// <see cref="SaturatedLagMs"/>.
/// </summary>
public sealed class SaturationMonitor(ILogger<SaturationMonitor> logger) : BackgroundService
{
    /// <summary>Smoothed lag above which the server counts as saturated.</summary>
    public const double SaturatedLagMs = 10;

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private double _lagMs;
    private bool _saturated;

    /// <summary>The smoothed scheduling lag, in milliseconds.</summary>
    public double LagMs => Volatile.Read(ref _lagMs);

    public bool IsSaturated => Volatile.Read(ref _saturated);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await Task.Delay(Period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var lag = Math.Max(0, (Stopwatch.GetElapsedTime(started) - Period).TotalMilliseconds);
            var smoothed = LagMs * 0.8 + lag * 0.2;
            Volatile.Write(ref _lagMs, smoothed);
            var saturated = smoothed > SaturatedLagMs;
            if (saturated != IsSaturated)
            {
                Volatile.Write(ref _saturated, saturated);
                if (saturated) logger.LogInformation("Saturated: timers run {Lag:0.0} ms late", smoothed);
                else logger.LogInformation("No longer saturated: timers run {Lag:0.0} ms late", smoothed);
            }
        }
    }
}
