using Baton.Core.Throttling;
using Baton.Server.Security.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Server.Tests.Security;

public sealed class RequestSourceTrackerTests
{
    [Fact]
    public void A_snapshot_puts_the_noisiest_sources_first_with_their_cumulative_counts()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero));
        var tracker = new RequestSourceTracker(time);
        tracker.Wrote(RequestSourceKind.ApiKey, "k-busy");
        tracker.Wrote(RequestSourceKind.ApiKey, "k-busy");
        tracker.AuthenticationFailed(RequestSourceKind.Address, "198.51.100.7");
        time.Advance(TimeSpan.FromMinutes(1));
        tracker.AuthenticationFailed(RequestSourceKind.Address, "198.51.100.7");
        tracker.Refused(RequestSourceKind.Address, "198.51.100.7");
        tracker.Refused(RequestSourceKind.ApiKey, "k-leaked");

        var snapshot = tracker.Snapshot();

        Assert.Equal(
            [(RequestSourceKind.Address, "198.51.100.7"), (RequestSourceKind.ApiKey, "k-leaked"), (RequestSourceKind.ApiKey, "k-busy")],
            snapshot.Select(s => (s.Kind, s.Source)));
        Assert.Equal((2L, 1L, 0L), (snapshot[0].AuthenticationFailures, snapshot[0].Refusals, snapshot[0].Writes));
        Assert.Equal(time.GetUtcNow() - TimeSpan.FromMinutes(1), snapshot[0].FirstSeen);
        Assert.Equal(time.GetUtcNow(), snapshot[0].LastSeen);
        Assert.Equal(2L, snapshot[2].Writes);
        Assert.Single(tracker.Snapshot(top: 1));
    }

    [Fact]
    public void Past_its_bound_the_sources_idle_longest_are_forgotten()
    {
        var time = new FakeTimeProvider();
        var tracker = new RequestSourceTracker(time);
        tracker.Refused(RequestSourceKind.Address, "oldest");
        for (var i = 0; i < RequestSourceTracker.MaxSources; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            tracker.Wrote(RequestSourceKind.Address, "a-" + i);
        }

        var all = tracker.Snapshot(int.MaxValue);

        Assert.InRange(all.Count, RequestSourceTracker.MaxSources * 9 / 10, RequestSourceTracker.MaxSources);
        Assert.DoesNotContain(all, s => s.Source == "oldest");
        Assert.Contains(all, s => s.Source == "a-" + (RequestSourceTracker.MaxSources - 1));
    }
}
