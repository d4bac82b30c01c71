using System.Diagnostics;
using Baton.Bench.Hosting;

namespace Baton.Bench.Metrics;

/// <summary>
/// Samples CPU time and resident memory of the server process (a child process, or this one when the
/// server runs in process) and of this bench process while a scenario runs, and reports them with a
/// note saying what they cover.
/// </summary>
public sealed class ProcessSampler : IAsyncDisposable
{
    private readonly ServerPlacement _placement;
    private readonly ProcessUsage _bench;
    private readonly ProcessUsage? _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ProcessSampler(BenchTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _placement = target.Placement;
        _bench = new ProcessUsage(Process.GetCurrentProcess());
        _server = target.Placement switch
        {
            ServerPlacement.InProcess => _bench,
            ServerPlacement.ChildProcess when target.ServerProcessId is { } pid => new ProcessUsage(Process.GetProcessById(pid)),
            _ => null,
        };
        _loop = SampleAsync();
    }

    /// <summary>Ends the measured window: figures reported later cover the time up to now.</summary>
    public void Freeze()
    {
        _bench.Freeze();
        if (_server != _bench) _server?.Freeze();
    }

    /// <summary>
    /// Adds <c>server_cpu_percent</c> and <c>server_peak_rss_mb</c> (unless remote) and, when the server
    /// has its own process, <c>bench_cpu_percent</c>, with a note on what they cover: the window up to
    /// <see cref="Freeze"/> when it was called, else up to now.
    /// </summary>
    /// <param name="simulators">What the bench process simulates, for the note ("500 simulated agents").</param>
    public BenchResult AddFigures(BenchResult result, string simulators)
    {
        ArgumentNullException.ThrowIfNull(result);
        Freeze();
        var cores = Environment.ProcessorCount;
        switch (_placement)
        {
            case ServerPlacement.ChildProcess:
                result.Add("server_cpu_percent", _server!.CpuPercentOfMachine).Add("server_peak_rss_mb", _server.PeakRssMb)
                    .Add("bench_cpu_percent", _bench.CpuPercentOfMachine)
                    .Note($"Separate process: server_cpu_percent and server_peak_rss_mb cover only the server (pid {_server.ProcessId}); "
                        + $"bench_cpu_percent is the bench process with the {simulators}. CPU is a percentage of all {cores} cores.");
                break;
            case ServerPlacement.InProcess:
                result.Add("server_cpu_percent", _bench.CpuPercentOfMachine).Add("server_peak_rss_mb", _bench.PeakRssMb)
                    .Note($"In process (--in-process): server_cpu_percent and server_peak_rss_mb cover the server AND the {simulators} in one process; "
                        + $"CPU is a percentage of all {cores} cores.");
                break;
            default:
                result.Add("bench_cpu_percent", _bench.CpuPercentOfMachine)
                    .Note($"Remote server: measure its CPU and memory on its own host; bench_cpu_percent is the bench process with the {simulators} "
                        + $"(percentage of all {cores} cores).");
                break;
        }
        return result;
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                _bench.Sample();
                if (_server != _bench) _server?.Sample();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        if (_server != _bench) _server?.Dispose();
        _bench.Dispose();
    }
}
