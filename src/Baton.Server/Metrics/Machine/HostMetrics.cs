using Baton.Server.Hosting;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Baton.Server.Metrics.Machine;

/// <summary>
/// The system family for the machine (or container) the server runs on: CPU, memory, load, the data folder's disk,
/// disk and network traffic, read from <c>/proc</c> at each scrape. Off Linux only the disk figures appear.
/// </summary>
public sealed class HostMetrics
{
    private readonly Counter _cpuSeconds, _diskRead, _diskWritten, _networkReceived, _networkSent;
    private readonly Gauge _cpuUsage, _cpus, _load1, _memoryTotal, _memoryAvailable, _diskTotal, _diskFree;
    private readonly string _dataDirectory;
    private readonly Lock _gate = new();
    private (double Busy, double Total)? _lastCpu;

    public HostMetrics(MetricRegistry registry, IOptions<ServerOptions> options)
    {
        _dataDirectory = options.Value.DataDirectory;
        _cpuSeconds = registry.Counter("orchestrator_host_cpu_seconds_total", "CPU time of the whole machine by mode (user, system, idle, iowait, …).", "mode");
        _cpuUsage = registry.Gauge("orchestrator_host_cpu_usage_ratio", "Share of the machine's CPU busy since the previous scrape or read (0-1).");
        _cpus = registry.Gauge("orchestrator_host_cpus", "Processors available to this process.");
        _load1 = registry.Gauge("orchestrator_host_load1", "The machine's one-minute load average.");
        _memoryTotal = registry.Gauge("orchestrator_host_memory_total_bytes", "The machine's memory.");
        _memoryAvailable = registry.Gauge("orchestrator_host_memory_available_bytes", "Memory available for new work without swapping (MemAvailable).");
        _diskTotal = registry.Gauge("orchestrator_host_disk_total_bytes", "Size of the filesystem holding the data folder.");
        _diskFree = registry.Gauge("orchestrator_host_disk_free_bytes", "Free space on the filesystem holding the data folder.");
        _diskRead = registry.Counter("orchestrator_host_disk_read_bytes_total", "Bytes read from each disk.", "device");
        _diskWritten = registry.Counter("orchestrator_host_disk_written_bytes_total", "Bytes written to each disk.", "device");
        _networkReceived = registry.Counter("orchestrator_host_network_receive_bytes_total", "Bytes received per network interface (loopback left out).", "interface");
        _networkSent = registry.Counter("orchestrator_host_network_transmit_bytes_total", "Bytes sent per network interface (loopback left out).", "interface");
        registry.OnRefresh(_ =>
        {
            Refresh();
            return Task.CompletedTask;
        });
    }

    private void Refresh()
    {
        lock (_gate)
        {
            _cpus.Set(Environment.ProcessorCount);
            if (ProcFiles.TryRead("/proc/stat") is { } stat)
            {
                var seconds = ProcFiles.CpuSeconds(stat);
                foreach (var (mode, value) in seconds) _cpuSeconds.WithLabels(mode).IncTo(value);
                var total = seconds.Values.Sum();
                var busy = total - seconds.GetValueOrDefault("idle") - seconds.GetValueOrDefault("iowait");
                if (_lastCpu is { } last && total - last.Total > 0.5) _cpuUsage.Set(Math.Clamp((busy - last.Busy) / (total - last.Total), 0, 1));
                if (_lastCpu is null || total - _lastCpu.Value.Total > 0.5) _lastCpu = (busy, total);
            }
            if (ProcFiles.TryRead("/proc/loadavg") is { } loadAvg && ProcFiles.LoadAverage1(loadAvg) is { } load) _load1.Set(load);
            if (ProcFiles.TryRead("/proc/meminfo") is { } memInfo)
            {
                if (ProcFiles.MemInfoBytes(memInfo, "MemTotal") is { } total) _memoryTotal.Set(total);
                if (ProcFiles.MemInfoBytes(memInfo, "MemAvailable") is { } available) _memoryAvailable.Set(available);
            }
            if (ProcFiles.TryRead("/proc/diskstats") is { } diskStats)
            {
                foreach (var (device, read, written) in ProcFiles.DiskBytes(diskStats, IsWholeDisk))
                {
                    _diskRead.WithLabels(device).IncTo(read);
                    _diskWritten.WithLabels(device).IncTo(written);
                }
            }
            if (ProcFiles.TryRead("/proc/net/dev") is { } netDev)
            {
                foreach (var (name, received, sent) in ProcFiles.NetworkBytes(netDev))
                {
                    _networkReceived.WithLabels(name).IncTo(received);
                    _networkSent.WithLabels(name).IncTo(sent);
                }
            }
            try
            {
                var drive = new DriveInfo(Path.GetFullPath(_dataDirectory));
                _diskTotal.Set(drive.TotalSize);
                _diskFree.Set(drive.AvailableFreeSpace);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // No figure rather than a failed scrape (the folder's filesystem went away).
            }
        }
    }

    // /sys/block lists whole disks; loop and RAM devices are no disks.
    private static bool IsWholeDisk(string device) =>
        !device.StartsWith("loop", StringComparison.Ordinal) && !device.StartsWith("ram", StringComparison.Ordinal) && Directory.Exists("/sys/block/" + device);
}
