using Baton.Core.Jobs;

namespace Baton.Agent.Tests.Python.Warm;

/// <summary>
/// Memory over a thousand warm jobs. The agent side is measured as the test process's managed heap, so this runs
/// alone (<see cref="AllocationMeasured"/>): another test's allocations in parallel would be counted as a leak.
/// </summary>
[Collection(AllocationMeasured.Name)]
public sealed class WarmMemoryTests
{
    [Fact]
    public async Task Memory_stays_bounded_over_a_thousand_jobs()
    {
        await using var harness = await WarmHarness.StartAsync();
        var package = harness.Package("pkg", ("job.py", "import json\n\ndef main(i=0):\n    data = [str(n) * 10 for n in range(2000)]\n    return {'i': i, 'n': len(json.dumps(data))}\n"));
        long agentBefore = 0;
        long warmAfterWarmUp = 0;
        var failures = 0;
        const int jobs = 1000;
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && i <= jobs)
            {
                var (result, _, _, _) = await harness.RunAsync(package, "job:main", $$"""{"i":{{i}}}""");
                if (result.Outcome != JobOutcome.Succeeded)
                    Interlocked.Increment(ref failures);
                if (i == 50)
                {
                    GC.Collect();
                    agentBefore = GC.GetTotalMemory(forceFullCollection: true);
                    warmAfterWarmUp = WarmLifecycleTests.ResidentKb(Assert.Single(harness.Pool.Interpreters).Pid);
                }
            }
        })));

        Assert.Equal(0, failures);
        var interpreter = Assert.Single(harness.Pool.Interpreters);
        Assert.Equal(jobs, interpreter.Forks);
        Assert.Equal(0, interpreter.RunningJobs);
        // The warm process runs no job code: it does not grow with the jobs it forked.
        var warmAfter = WarmLifecycleTests.ResidentKb(interpreter.Pid);
        Assert.True(warmAfter - warmAfterWarmUp < 4 * 1024, $"warm interpreter grew from {warmAfterWarmUp} KB to {warmAfter} KB");
        // Nor does the agent keep anything per job.
        var agentAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(agentAfter - agentBefore < 16 * 1024 * 1024, $"agent heap grew from {agentBefore} to {agentAfter} bytes");
    }
}
