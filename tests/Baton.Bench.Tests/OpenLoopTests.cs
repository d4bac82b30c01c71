using System.Collections.Concurrent;
using System.Diagnostics;
using Baton.Bench.Scenarios;

namespace Baton.Bench.Tests;

public sealed class OpenLoopTests
{
    [Fact]
    public async Task Calls_follow_the_schedule_even_when_earlier_calls_are_slow()
    {
        var intended = new ConcurrentDictionary<int, long>();
        var clock = Stopwatch.StartNew();

        // 50 calls at 200/s, each taking 500 ms: a closed loop would need seconds, the schedule a quarter of one.
        await OpenLoop.RunAsync(50, 200, async (i, at) =>
        {
            intended[i] = at;
            await Task.Delay(500);
        }, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 50), intended.Keys.Order());
        var gaps = Enumerable.Range(1, 49).Select(i => Stopwatch.GetElapsedTime(intended[i - 1], intended[i]).TotalMilliseconds).ToList();
        Assert.All(gaps, gap => Assert.InRange(gap, 4.9, 5.1));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.7, 5);
    }
}
