using Baton.Core.Autoscaling;
using Baton.Core.Autoscaling.Anomalies;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Core.Tests.Autoscaling;

/// <summary>The detector in front of the real engine, on the seed's policy, every 15 s of a fake clock.</summary>
public sealed class AnomalyDetectorTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));
    private readonly AnomalyDetector _detector = new(new AnomalyThresholds());
    private readonly ScalingPolicy _policy = ScalingPolicyReader.ReadOne(ScalingPolicyReaderTests.SeedExample).Policies[0];
    private readonly List<Anomaly> _detected = [];
    private ScalingState _state = ScalingState.Empty;
    private int _replicas = 2;
    private readonly Random _random = new(17);

    private ScalingDecision Tick(double queue, IReadOnlyList<TenantActivity>? tenants = null, IReadOnlyList<RequestActivity>? requests = null)
    {
        var outcome = _detector.Evaluate(new AnomalyInput(_clock.GetUtcNow(), new Dictionary<string, double> { ["QueueDepth"] = queue, ["CPUUtilization"] = 50 })
        {
            Tenants = tenants ?? [],
            Requests = requests ?? [],
        });
        _detected.AddRange(outcome.Detected);
        var decision = ScalingEngine.Decide(_policy, _state, new ScalingInput(_replicas, outcome.Readings, _clock.GetUtcNow())
        {
            AnomalyNotes = outcome.Notes,
            ScaleUpHeld = outcome.ScaleUpHeld,
        });
        _state = decision.State;
        _replicas = decision.To;
        _clock.Advance(TimeSpan.FromSeconds(15));
        return decision;
    }

    private void Warm(int ticks = 60)
    {
        for (var i = 0; i < ticks; i++) Assert.Equal(2, Tick(50 + _random.Next(-10, 11)).To);
    }

    [Fact]
    public void A_transient_spike_is_ignored()
    {
        Warm();
        var during = new[] { Tick(900), Tick(950), Tick(880) };
        for (var i = 0; i < 30; i++) Tick(50 + _random.Next(-10, 11));

        Assert.All(during, d => Assert.Equal(2, d.To));
        Assert.Contains("is a spike", during[0].Explanation, StringComparison.Ordinal);
        Assert.Equal(2, _replicas);
        Assert.Contains(_detected, a => a.Kind == AnomalyKinds.Spike && a.Subject == "QueueDepth");
    }

    [Fact]
    public void A_persistent_spike_is_followed_once_it_lasts()
    {
        Warm();
        var decisions = Enumerable.Range(0, 16).Select(_ => Tick(900)).ToList();

        var firstUp = decisions.FindIndex(d => d.Direction == ScaleDirection.Up);
        Assert.InRange(firstUp, 12, 13); // 3 minutes at 15 s a tick
        Assert.Contains("spike lasted", decisions[firstUp].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_spike_explained_by_scheduled_fires_is_followed_at_once()
    {
        Warm();
        var tenants = new[] { new TenantActivity("acme", 900, 5, 0, 0) { ScheduledPending = 860 } };
        var decision = Tick(900, tenants);
        Assert.Equal(ScaleDirection.Up, decision.Direction);
        Assert.Equal(4, decision.To);
    }

    [Fact]
    public void A_tenant_far_outside_its_own_history_is_flagged_and_its_excess_not_scaled_for()
    {
        TenantActivity[] Steady() =>
        [
            new("acme", 20 + _random.Next(0, 5), 12 + _random.Next(-2, 3), 0, 0),
            new("globex", 30 + _random.Next(0, 5), 15 + _random.Next(-2, 3), 0, 0),
            new("initech", 5, 2, 0, 0),
        ];
        for (var i = 0; i < 60; i++)
        {
            var tenants = Steady();
            Tick(tenants.Sum(t => t.Pending), tenants);
            _clock.Advance(TimeSpan.FromSeconds(45)); // one history sample a minute
        }

        var decisions = new List<ScalingDecision>();
        for (var i = 0; i < 30; i++)
        {
            var tenants = Steady();
            tenants[2] = new TenantActivity("initech", 600 + 100 * i, 400, 0, 0); // a flash crowd, far beyond its own 2/min
            decisions.Add(Tick(tenants.Sum(t => t.Pending), tenants));
        }

        var flagged = Assert.Single(_detected, a => a.Kind == AnomalyKinds.TenantOutlier);
        Assert.Equal("initech", flagged.Subject);
        Assert.Equal(2, flagged.Usual);
        Assert.All(decisions, d => Assert.Equal(2, d.To));
        Assert.Contains("tenant initech is an outlier", decisions[^1].Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_storm_is_not_scaled_for()
    {
        Warm();
        var storm = new[] { new TenantActivity("acme", 800, 300, FinishedRecently: 120, FailedFastRecently: 110) };
        var decisions = Enumerable.Range(0, 30).Select(_ => Tick(800, storm)).ToList();

        Assert.All(decisions, d => Assert.Equal(2, d.To));
        Assert.Contains(_detected, a => a.Kind == AnomalyKinds.FailureStorm && a.Subject == "acme");
        Assert.Contains("failure storm", decisions[0].Explanation, StringComparison.Ordinal);
        Assert.Single(_detected, a => a.Kind == AnomalyKinds.FailureStorm && a.Subject == "acme"); // flagged once, not every tick
    }

    [Fact]
    public void When_the_whole_fleet_fails_fast_scale_up_is_held()
    {
        // Readings say scale (no history yet, so no spike filtering), but every tenant's jobs fail within seconds.
        var tenants = new[] { new TenantActivity("a", 0, 50, 15, 12), new TenantActivity("b", 0, 50, 15, 12) };
        var decision = Tick(900, tenants);
        Assert.Equal(2, decision.To);
        Assert.Contains("scale-up held: failure storm: 24 of 30", decision.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_and_authentication_failure_floods_from_one_key_or_address_are_flagged()
    {
        RequestActivity[] Normal() =>
        [
            new("key:k1", 30 + _random.Next(-5, 6), 0),
            new("key:k2", 20 + _random.Next(-5, 6), 0),
            new("address:10.0.0.7", 40 + _random.Next(-5, 6), _random.Next(0, 2)),
        ];
        for (var i = 0; i < 30; i++)
        {
            Tick(50, requests: Normal());
            _clock.Advance(TimeSpan.FromSeconds(45));
        }
        var flood = Normal();
        flood[1] = new RequestActivity("key:k2", 6000, 0);
        flood[2] = new RequestActivity("address:10.0.0.7", 45, 400);
        Tick(50, requests: flood);

        Assert.Contains(_detected, a => a.Kind == AnomalyKinds.RequestFlood && a.Subject == "key:k2");
        Assert.Contains(_detected, a => a.Kind == AnomalyKinds.AuthFailureFlood && a.Subject == "address:10.0.0.7");
        Assert.DoesNotContain(_detected, a => a.Subject == "key:k1");
    }

    [Fact]
    public void The_request_rate_reading_loses_the_flood_excess()
    {
        var requests = new[] { new RequestActivity("key:a", 60, 0), new RequestActivity("key:b", 60, 0), new RequestActivity("key:c", 60_060, 0) };
        var outcome = _detector.Evaluate(new AnomalyInput(_clock.GetUtcNow(), new Dictionary<string, double> { ["RequestRate"] = 1003 }) { Requests = requests });
        Assert.Equal(3, outcome.Readings["RequestRate"], 6); // 1000 req/s above the typical caller's 1 req/s
        Assert.Equal(["key:c"], outcome.FlaggedSubjects);
    }

    [Fact]
    public void Robust_statistics_shrug_off_outliers_in_the_window()
    {
        var window = new RobustWindow(100);
        for (var i = 0; i < 95; i++) window.Add(100 + (i % 5));
        for (var i = 0; i < 5; i++) window.Add(10_000);
        var (median, deviation) = window.Statistics();
        Assert.Equal(102, median);
        Assert.InRange(deviation, 1, 3.5);
        Assert.True(window.Score(200) > 6);
        Assert.True(window.Score(106) < 6);
    }
}
