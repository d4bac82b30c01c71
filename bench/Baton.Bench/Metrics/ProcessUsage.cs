using System.Diagnostics;

namespace Baton.Bench.Metrics;

/// <summary>
/// CPU time and peak resident memory of one process since this object was created. A process that has
/// exited keeps the last figures read; <see cref="Freeze"/> ends the measured window.
/// </summary>
public sealed class ProcessUsage : IDisposable
{
    private readonly Process _process;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();
    private readonly TimeSpan _startCpu;
    private TimeSpan _lastCpu;
    private long _peakBytes;
    private long? _endTimestamp;

    public ProcessUsage(Process process)
    {
        _process = process;
        _process.Refresh();
        _startCpu = _lastCpu = _process.TotalProcessorTime;
        _peakBytes = _process.WorkingSet64;
    }

    public int ProcessId => _process.Id;

    public double PeakRssMb
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peakBytes) / (1024.0 * 1024.0);
        }
    }

    /// <summary>CPU used since the start, as a percentage of the whole machine (all cores).</summary>
    public double CpuPercentOfMachine
    {
        get
        {
            Sample();
            var cpu = (_lastCpu - _startCpu).TotalSeconds;
            var wall = Stopwatch.GetElapsedTime(_startTimestamp, _endTimestamp ?? Stopwatch.GetTimestamp()).TotalSeconds;
            return wall <= 0 ? 0 : 100.0 * cpu / (wall * Environment.ProcessorCount);
        }
    }

    /// <summary>Takes a last sample; later reads return the figures of the window up to now.</summary>
    public void Freeze()
    {
        Sample();
        lock (_process) _endTimestamp ??= Stopwatch.GetTimestamp();
    }

    public void Sample()
    {
        long rss;
        lock (_process)
        {
            if (_endTimestamp is not null) return;
            try
            {
                _process.Refresh();
                _lastCpu = _process.TotalProcessorTime;
                rss = _process.WorkingSet64;
            }
            catch (InvalidOperationException)
            {
                return; // Exited: keep what was seen.
            }
        }
        var seen = Interlocked.Read(ref _peakBytes);
        while (rss > seen)
        {
            var previous = Interlocked.CompareExchange(ref _peakBytes, rss, seen);
            if (previous == seen) break;
            seen = previous;
        }
    }

    public void Dispose() => _process.Dispose();
}
