using System.Diagnostics;

namespace Baton.Bench.Scenarios;

/// <summary>
/// Fires calls on a fixed schedule whatever the earlier calls are doing (open loop), so a slow server
/// cannot slow the load down and hide its own latency. Each call gets its intended send time, from which
/// its latency should be measured.
/// </summary>
public static class OpenLoop
{
    /// <param name="action">Called with the call's index and its intended <see cref="Stopwatch.GetTimestamp"/> value.</param>
    public static async Task RunAsync(int count, double ratePerSecond, Func<int, long, Task> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (ratePerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(ratePerSecond), "The rate must be positive.");
        var tasks = new List<Task>(count);
        var ticksPerCall = Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp();
        var next = 0;
        while (next < count && !cancellationToken.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetTimestamp() - start;
            var due = Math.Min(count, (int)(elapsed / ticksPerCall) + 1);
            for (; next < due; next++)
            {
                var index = next;
                var intended = start + (long)(index * ticksPerCall);
                tasks.Add(Task.Run(() => action(index, intended), CancellationToken.None));
            }
            if (next < count) await Task.Delay(1, CancellationToken.None);
        }
        await Task.WhenAll(tasks);
    }
}
