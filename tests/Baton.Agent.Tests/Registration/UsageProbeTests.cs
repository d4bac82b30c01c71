using Baton.Agent.Registration;

namespace Baton.Agent.Tests.Registration;

public sealed class UsageProbeTests
{
    [Fact]
    public async Task Cpu_use_is_a_percentage_from_the_second_sample_on_and_memory_in_use_is_below_the_total()
    {
        Assert.True(OperatingSystem.IsLinux(), "The agent's usage figures are read from /proc (Linux).");
        var probe = new UsageProbe();
        Assert.Null(probe.CpuPercent());
        // Burn a little CPU so the machine's counters move between the samples.
        var until = System.Diagnostics.Stopwatch.StartNew();
        while (until.ElapsedMilliseconds < 200) _ = Math.Sqrt(until.ElapsedTicks);
        await Task.Delay(50);

        Assert.InRange(probe.CpuPercent() ?? -1, 0, 100);
        Assert.InRange(UsageProbe.MemoryUsedMb() ?? -1, 1, SystemProbe.TotalMemoryMb());
    }
}
