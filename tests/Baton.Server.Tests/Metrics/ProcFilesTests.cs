using Baton.Server.Metrics.Machine;

namespace Baton.Server.Tests.Metrics;

public sealed class ProcFilesTests
{
    [Fact]
    public void Cpu_times_come_from_the_first_cpu_line_in_seconds()
    {
        var times = ProcFiles.CpuSeconds("cpu  1000 20 300 50000 40 0 10 0 0 0\ncpu0 500 10 150 25000 20 0 5 0 0 0\n");

        Assert.Equal(10, times["user"]);
        Assert.Equal(0.2, times["nice"], 6);
        Assert.Equal(500, times["idle"]);
        Assert.Equal(0.1, times["softirq"], 6);
    }

    [Fact]
    public void Memory_lines_are_read_in_bytes()
    {
        const string memInfo = "MemTotal:       16318480 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n";

        Assert.Equal(16318480L * 1024, ProcFiles.MemInfoBytes(memInfo, "MemTotal"));
        Assert.Equal(8000000L * 1024, ProcFiles.MemInfoBytes(memInfo, "MemAvailable"));
        Assert.Null(ProcFiles.MemInfoBytes(memInfo, "SwapTotal"));
        Assert.Equal(37, ProcFiles.StatusValue("Name:\tdotnet\nThreads:\t37\nVmRSS:\t  1000 kB\n", "Threads"));
    }

    [Fact]
    public void Network_bytes_leave_loopback_out_and_disk_bytes_take_whole_disks_only()
    {
        const string netDev = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo: 5000      10    0    0    0     0          0         0     5000      10    0    0    0     0       0          0
              eth0: 123456    100    0    0    0     0          0         0   654321     90    0    0    0     0       0          0
            """;
        Assert.Equal([("eth0", 123456L, 654321L)], ProcFiles.NetworkBytes(netDev));

        const string diskStats = """
             259       0 nvme0n1 100 0 2000 50 200 0 4000 60 0 100 110 0 0 0 0
             259       1 nvme0n1p1 90 0 1800 45 190 0 3800 55 0 90 100 0 0 0 0
               7       0 loop0 5 0 10 1 0 0 0 0 0 1 1 0 0 0 0
            """;
        Assert.Equal([("nvme0n1", 2000L * 512, 4000L * 512)], ProcFiles.DiskBytes(diskStats, device => device == "nvme0n1"));
        Assert.Equal(0.52, ProcFiles.LoadAverage1("0.52 0.40 0.30 1/234 5678"));
    }
}
