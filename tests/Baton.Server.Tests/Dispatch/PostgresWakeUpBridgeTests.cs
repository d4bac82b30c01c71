using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Baton.Server.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Server.Tests.Dispatch;

/// <summary>
/// Wake-ups between replicas over LISTEN/NOTIFY: replicas find each other by saying hello, a lone replica publishes
/// nothing (a notification is a transaction of its own), and two replicas still wake each other at once.
/// </summary>
public sealed class PostgresWakeUpBridgeTests : IAsyncLifetime
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private TestPostgres? _postgres;

    public async Task InitializeAsync() => _postgres = await TestPostgres.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    private PostgresWakeUpBridge Bridge(WakeUpSignals signals) => new(
        signals, Options.Create(new ServerOptions { Storage = "postgres", Postgres = _postgres!.AppConnectionString }),
        TimeProvider.System, NullLogger<PostgresWakeUpBridge>.Instance);

    [Fact]
    public async Task A_lone_replica_says_hello_and_publishes_no_wake_ups()
    {
        var signals = new WakeUpSignals();
        using var bridge = Bridge(signals);
        await bridge.StartAsync(default);
        try
        {
            await Eventually(() => bridge.Notifications >= 1);
            for (var i = 0; i < 20; i++) signals.Signal(WakeUpSignals.TenantWork("t1"));
            await Task.Delay(300);
            Assert.False(bridge.Peers.Any);
            Assert.Equal(1, bridge.Notifications);
        }
        finally
        {
            await bridge.StopAsync(default);
        }
    }

    [Fact]
    public async Task Two_replicas_find_each_other_and_a_signal_on_one_wakes_the_other_at_once()
    {
        var signalsA = new WakeUpSignals();
        var signalsB = new WakeUpSignals();
        using var a = Bridge(signalsA);
        using var b = Bridge(signalsB);
        await a.StartAsync(default);
        await Eventually(() => a.Notifications >= 1);
        // B starts later: its hello reaches A, and A answers, so each knows the other long before a periodic hello.
        await b.StartAsync(default);
        try
        {
            await Eventually(() => a.Peers.Any && b.Peers.Any);
            using var waiterOnB = signalsB.Subscribe(WakeUpSignals.TenantWork("t1"));
            using var waiterOnA = signalsA.Subscribe(WakeUpSignals.TenantWork("t2"));

            signalsA.Signal(WakeUpSignals.TenantWork("t1"));
            signalsB.Signal(WakeUpSignals.TenantWork("t2"));

            await waiterOnB.Task.WaitAsync(TimeSpan.FromSeconds(2));
            await waiterOnA.Task.WaitAsync(TimeSpan.FromSeconds(2));
        }
        finally
        {
            await a.StopAsync(default);
            await b.StopAsync(default);
        }
    }

    [Fact]
    public void A_peer_counts_as_present_for_its_lifetime_after_it_was_last_heard()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var peers = new ReplicaPeers(time);
        Assert.False(peers.Any);

        Assert.True(peers.Heard("b"));
        Assert.False(peers.Heard("b"));
        Assert.True(peers.Any);

        time.Advance(ReplicaPeers.Lifetime - TimeSpan.FromSeconds(1));
        Assert.True(peers.Any);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(peers.Any);
        // Heard again after it lapsed: new again, so it is greeted back.
        Assert.True(peers.Heard("b"));
    }

    [Theory]
    [InlineData("abc|hello", "abc")]
    [InlineData("0123456789ab|hello", "0123456789ab")]
    public void Hellos_round_trip_and_are_not_wake_ups(string payload, string replica)
    {
        Assert.True(PostgresWakeUpBridge.TryParseHello(payload, out var parsed));
        Assert.Equal(replica, parsed);
        Assert.Equal(payload, PostgresWakeUpBridge.FormatHello(replica));
        Assert.False(PostgresWakeUpBridge.TryParse(payload, out _, out _, out _));
        Assert.False(PostgresWakeUpBridge.TryParseHello("abc|1|work:t", out _));
        Assert.False(PostgresWakeUpBridge.TryParseHello("|hello", out _));
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Soon) throw new TimeoutException("The condition did not hold in time.");
            await Task.Delay(20);
        }
    }
}
