using System.Diagnostics;
using Baton.Server.Hosting;
using Prometheus;

namespace Baton.Server.Metrics.Machine;

/// <summary>
/// The system family for this process: CPU, memory, garbage collection, threads and open file descriptors, read from
/// the runtime and <c>/proc/self</c> at each scrape.
/// </summary>
public sealed class ProcessMetrics
{
    private readonly Counter _cpuSeconds, _allocated, _gcPause, _gcCollections;
    private readonly Gauge _cpuUsage, _resident, _virtual, _heap, _threads, _poolThreads, _poolQueue, _openFds, _maxFds, _startTime;
    private readonly Lock _gate = new();
    private readonly UsageSampler _usage = new();

    public ProcessMetrics(MetricRegistry registry)
    {
        _cpuSeconds = registry.Counter("orchestrator_process_cpu_seconds_total", "CPU time this server process used (user and system).");
        _cpuUsage = registry.Gauge("orchestrator_process_cpu_usage_ratio", "Share of the machine's CPU this process used since the previous scrape or read (0-1 of all cores).");
        _resident = registry.Gauge("orchestrator_process_resident_memory_bytes", "Resident memory of this process.");
        _virtual = registry.Gauge("orchestrator_process_virtual_memory_bytes", "Virtual memory of this process.");
        _heap = registry.Gauge("orchestrator_process_managed_heap_bytes", "Bytes in the .NET managed heap.");
        _allocated = registry.Counter("orchestrator_process_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.");
        _gcCollections = registry.Counter("orchestrator_process_gc_collections_total", "Garbage collections by generation.", "generation");
        _gcPause = registry.Counter("orchestrator_process_gc_pause_seconds_total", "Time the process was paused for garbage collection.");
        _threads = registry.Gauge("orchestrator_process_threads", "Operating-system threads of this process.");
        _poolThreads = registry.Gauge("orchestrator_process_threadpool_threads", "Thread-pool threads.");
        _poolQueue = registry.Gauge("orchestrator_process_threadpool_queue_length", "Work items waiting for a thread-pool thread.");
        _openFds = registry.Gauge("orchestrator_process_open_fds", "Open file descriptors (sockets included).");
        _maxFds = registry.Gauge("orchestrator_process_max_fds", "The soft limit on open file descriptors.");
        _startTime = registry.Gauge("orchestrator_process_start_time_seconds", "When the process started, in unix seconds.");
        registry.OnRefresh(_ =>
        {
            Refresh();
            return Task.CompletedTask;
        });
    }

    private void Refresh()
    {
        using var process = Process.GetCurrentProcess();
        lock (_gate)
        {
            var cpu = process.TotalProcessorTime.TotalSeconds;
            _cpuSeconds.IncTo(cpu);
            if (_usage.Sample(cpu) is { } ratio) _cpuUsage.Set(ratio);
            _resident.Set(process.WorkingSet64);
            _virtual.Set(process.VirtualMemorySize64);
            _heap.Set(GC.GetTotalMemory(forceFullCollection: false));
            _allocated.IncTo(GC.GetTotalAllocatedBytes());
            for (var generation = 0; generation <= GC.MaxGeneration; generation++)
            {
                _gcCollections.WithLabels(generation.ToString(System.Globalization.CultureInfo.InvariantCulture)).IncTo(GC.CollectionCount(generation));
            }
            _gcPause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
            // /proc/self/status names the count; Process.Threads would build an object per thread at every scrape.
            if (ProcFiles.TryRead("/proc/self/status") is { } status && ProcFiles.StatusValue(status, "Threads") is { } threads) _threads.Set(threads);
            _poolThreads.Set(ThreadPool.ThreadCount);
            _poolQueue.Set(ThreadPool.PendingWorkItemCount);
            if (OperatingSystem.IsLinux() && Directory.Exists("/proc/self/fd")) _openFds.Set(Directory.EnumerateFileSystemEntries("/proc/self/fd").Count());
            if (OpenFileLimit.Read() is { } limits) _maxFds.Set(limits.Soft);
            _startTime.Set(new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000d);
        }
    }

    /// <summary>CPU seconds used between two samples over the wall time between them and the cores: a 0-1 share.</summary>
    private sealed class UsageSampler
    {
        private double? _lastCpu;
        private long _lastAt;

        public double? Sample(double cpuSeconds)
        {
            var now = Stopwatch.GetTimestamp();
            double? ratio = null;
            if (_lastCpu is { } last)
            {
                var wall = Stopwatch.GetElapsedTime(_lastAt, now).TotalSeconds;
                // Two scrapes a moment apart say nothing: keep the previous figure.
                if (wall < 0.5) return null;
                ratio = Math.Clamp((cpuSeconds - last) / (wall * Environment.ProcessorCount), 0, 1);
            }
            _lastCpu = cpuSeconds;
            _lastAt = now;
            return ratio;
        }
    }
}
