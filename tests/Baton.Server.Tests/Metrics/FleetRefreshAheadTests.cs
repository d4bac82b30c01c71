using Baton.Server.Metrics;
using Baton.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests.Metrics;

/// <summary>The fleet figures are read again before they expire while someone reads them, and not when nobody does.</summary>
public sealed class FleetRefreshAheadTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(400);

    [Fact]
    public async Task Figures_in_demand_are_read_again_before_they_expire_without_a_reader_waiting()
    {
        await using var server = await new ServerHarness().StartAsync(o => o.Metrics.FleetMaxAge = MaxAge);
        var cache = server.Server.Services.GetRequiredService<FleetSnapshotCache>();
        var first = await cache.GetAsync(CancellationToken.None);

        // Nobody reads again, yet newer figures arrive: the refresher read them ahead of their expiry.
        await WaitUntilAsync(() => cache.Latest is { } latest && !ReferenceEquals(latest, first), "a read ahead of expiry");
        var second = cache.Latest;
        await WaitUntilAsync(() => cache.Latest is { } latest && !ReferenceEquals(latest, second), "a second read ahead");
    }

    [Fact]
    public async Task Figures_nobody_reads_are_not_read_again()
    {
        await using var server = await new ServerHarness().StartAsync(o => o.Metrics.FleetMaxAge = MaxAge);
        var cache = server.Server.Services.GetRequiredService<FleetSnapshotCache>();
        // The start-up read (tenant labels from the start) is the only one.
        await WaitUntilAsync(() => cache.Latest is not null, "the start-up read");
        var startup = cache.Latest;
        await Task.Delay(MaxAge * 4);
        Assert.Same(startup, cache.Latest);
    }

    [Fact]
    public async Task Refresh_ahead_can_be_turned_off()
    {
        await using var server = await new ServerHarness().StartAsync(o =>
        {
            o.Metrics.FleetMaxAge = MaxAge;
            o.Metrics.FleetRefreshAhead = false;
        });
        var cache = server.Server.Services.GetRequiredService<FleetSnapshotCache>();
        var first = await cache.GetAsync(CancellationToken.None);
        await Task.Delay(MaxAge * 4);
        Assert.Same(first, cache.Latest);
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) =>
        WebhookReceiver.WaitUntilAsync(() => Task.FromResult(condition()), TimeSpan.FromSeconds(20), what);
}
