using System.Diagnostics;

namespace Baton.Bench.Metrics;

/// <summary>
/// Samples this process's CPU time and resident memory while a scenario runs. With an in-process
/// server the figures cover the server and the simulators together.
/// </summary>
public sealed class ProcessSampler : IAsyncDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly TimeSpan _startCpu;
    private readonly Task _loop;
    private long _peakBytes;

    public ProcessSampler()
    {
        _process.Refresh();
        _startCpu = _process.TotalProcessorTime;
        _peakBytes = _process.WorkingSet64;
        _loop = SampleAsync();
    }

    public double PeakRssMb
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peakBytes) / (1024.0 * 1024.0);
        }
    }

    /// <summary>CPU used since the sampler started, as a percentage of the whole machine (all cores).</summary>
    public double CpuPercentOfMachine
    {
        get
        {
            _process.Refresh();
            var cpu = (_process.TotalProcessorTime - _startCpu).TotalSeconds;
            var wall = Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
            return wall <= 0 ? 0 : 100.0 * cpu / (wall * Environment.ProcessorCount);
        }
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token)) Sample();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sample()
    {
        _process.Refresh();
        var rss = _process.WorkingSet64;
        var seen = Interlocked.Read(ref _peakBytes);
        while (rss > seen)
        {
            var previous = Interlocked.CompareExchange(ref _peakBytes, rss, seen);
            if (previous == seen) break;
            seen = previous;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _process.Dispose();
    }
}
