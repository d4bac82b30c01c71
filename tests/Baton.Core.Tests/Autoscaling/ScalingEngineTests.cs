using Baton.Core.Autoscaling;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Core.Tests.Autoscaling;

public sealed class ScalingEngineTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 2, 12, 2, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Noon);
    private ScalingState _state = ScalingState.Empty;

    private static ScalingPolicy Seed() => ScalingPolicyReader.ReadOne(ScalingPolicyReaderTests.SeedExample).Policies[0];

    private static ScalingPolicy Policy(string yaml)
    {
        var result = ScalingPolicyReader.ReadOne(yaml);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.Policies[0];
    }

    private ScalingDecision Step(ScalingPolicy policy, int replicas, double? queue, double? cpu = 50, int? forecast = null)
    {
        var readings = new Dictionary<string, double>();
        if (queue is { } q) readings["QueueDepth"] = q;
        if (cpu is { } c) readings["CPUUtilization"] = c;
        var decision = ScalingEngine.Decide(policy, _state, new ScalingInput(replicas, readings, _clock.GetUtcNow())
        {
            ForecastReplicas = forecast,
            ForecastNote = forecast is null ? null : "test forecast",
        });
        _state = decision.State;
        return decision;
    }

    [Fact]
    public void A_deep_queue_scales_up_by_the_increment_and_explains_why()
    {
        var decision = Step(Seed(), replicas: 2, queue: 340);

        Assert.Equal(ScaleDirection.Up, decision.Direction);
        Assert.Equal(4, decision.To);
        Assert.Equal("QueueDepth", decision.Rule);
        Assert.Equal("queue depth 340 > 100 × 2 agents → +2; next scale-up after 12:04", decision.Explanation);
        Assert.Equal(Noon.AddMinutes(2), decision.NextScaleUpAt);
    }

    [Fact]
    public void Scale_up_waits_for_its_cooldown()
    {
        var policy = Seed();
        Assert.Equal(4, Step(policy, 2, 900).To);

        _clock.Advance(TimeSpan.FromSeconds(119));
        var cooling = Step(policy, 4, 900);
        Assert.Equal(4, cooling.To);
        Assert.Equal(TriggerVerdict.UpCoolingDown, cooling.Triggers[0].Verdict);
        Assert.Contains("cooling down until 12:04", cooling.Explanation, StringComparison.Ordinal);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(6, Step(policy, 4, 900).To);
    }

    [Fact]
    public void With_several_triggers_the_largest_wanted_size_wins()
    {
        var policy = Seed();
        var both = Step(policy, 5, queue: 1000, cpu: 90);
        Assert.Equal(7, both.To); // queue wants +2, CPU +1
        Assert.Equal("QueueDepth", both.Rule);
        Assert.Equal([7, 6], both.Triggers.Select(t => t.Wanted));

        _clock.Advance(TimeSpan.FromMinutes(3));
        var cpuOnly = Step(policy, 7, queue: 300, cpu: 85);
        Assert.Equal(8, cpuOnly.To);
        Assert.Equal("CPUUtilization", cpuOnly.Rule);
        Assert.Contains("CPU % 85 > 70 → +1", cpuOnly.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Scale_down_waits_for_every_trigger_and_its_cooldown()
    {
        var policy = Seed();
        // The queue is nearly empty but CPU is in its band: nothing moves.
        var held = Step(policy, 6, queue: 5, cpu: 50);
        Assert.Equal(6, held.To);
        Assert.Contains("CPU % 50 within 30–70", held.Explanation, StringComparison.Ordinal);

        // Both below from 12:03: the scale-down waits for five minutes of that.
        _clock.Advance(TimeSpan.FromMinutes(1));
        var first = Step(policy, 6, queue: 5, cpu: 10);
        Assert.Equal(6, first.To);
        Assert.Contains("scale-down waits until 12:08", first.Explanation, StringComparison.Ordinal);
        _clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(6, Step(policy, 6, 5, 10).To);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var down = Step(policy, 6, queue: 5, cpu: 10);
        Assert.Equal(ScaleDirection.Down, down.Direction);
        Assert.Equal(5, down.To);
        Assert.EndsWith("→ -1; next scale-down after 12:13", down.Explanation, StringComparison.Ordinal);

        // The next step down waits for its cooldown after that change.
        _clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(5, Step(policy, 5, 5, 10).To);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(4, Step(policy, 5, 5, 10).To);

        // One trigger coming back into its band resets its wait.
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(4, Step(policy, 4, 5, 40).To);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(4, Step(policy, 4, 5, 10).To);
    }

    [Fact]
    public void A_scale_up_restarts_the_scale_down_cooldown()
    {
        var policy = Seed();
        Step(policy, 4, queue: 500);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Step(policy, 6, queue: 0, cpu: 0);
        _clock.Advance(TimeSpan.FromMinutes(4.5));
        Assert.Equal(6, Step(policy, 6, 0, 0).To);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(5, Step(policy, 6, 0, 0).To);
    }

    [Fact]
    public void Limits_always_hold()
    {
        var policy = Seed();
        Assert.Equal(20, Step(policy, 19, queue: 100_000).To);
        _clock.Advance(TimeSpan.FromMinutes(5));
        var atMax = Step(policy, 20, queue: 100_000);
        Assert.Equal(20, atMax.To);
        Assert.Contains("already at maxReplicas 20", atMax.Explanation, StringComparison.Ordinal);

        var below = Step(policy, 0, queue: 0, cpu: 0);
        Assert.Equal(2, below.To);
        Assert.Equal("0 agents < minReplicas 2 → +2", below.Explanation);
        var above = Step(policy, 25, queue: 0, cpu: 0);
        Assert.Equal(20, above.To);

        // Idle for an hour: down to the minimum and never below it.
        var replicas = 20;
        for (var minute = 0; minute < 200; minute++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            replicas = Step(policy, replicas, 0, 0).To;
        }
        Assert.Equal(2, replicas);
    }

    [Fact]
    public void A_missing_reading_holds_the_size()
    {
        var decision = Step(Seed(), 6, queue: 0, cpu: null);
        Assert.Equal(6, decision.To);
        Assert.Equal(TriggerVerdict.NoData, decision.Triggers[1].Verdict);
        Assert.Contains("CPU %: no reading", decision.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void From_zero_any_queued_work_activates_the_target()
    {
        var policy = Policy("triggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 0, maxReplicas: 5}");
        var decision = Step(policy, 0, queue: 3, cpu: null);
        Assert.Equal(1, decision.To);
        Assert.Contains("queue depth 3 with 0 agents → +1", decision.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Scale_down_never_lands_a_trigger_above_its_scale_up_threshold()
    {
        var policy = Policy("""
            triggers:
              - {type: QueueDepth, threshold: 100, scaleDown: {threshold: 80, decrementSize: 3, cooldownSeconds: 0}}
            limits: {minReplicas: 1, maxReplicas: 10}
            """);
        // 4 agents × 75 = 300 queued: below 80 each, but 3 fewer would be 300 per agent; 1 fewer is 100 (not above).
        var decision = Step(policy, 4, queue: 300, cpu: null);
        Assert.Equal(3, decision.To);
    }

    [Fact]
    public void A_noisy_metric_does_not_flap_the_size()
    {
        // Closed loop: 2.6 cores of steady work spread over the replicas, CPU read with ±15 points of noise each 15 s.
        var policy = Policy("""
            triggers:
              - {type: CPUUtilization, threshold: 70, scaleUp: {incrementSize: 1, cooldownMinutes: 2}, scaleDown: {decrementSize: 1, cooldownMinutes: 5}}
            limits: {minReplicas: 1, maxReplicas: 20}
            """);
        var random = new Random(42);
        var replicas = 1;
        var sizes = new List<int>();
        for (var tick = 0; tick < 4 * 60 * 6; tick++)
        {
            var cpu = Math.Clamp(260.0 / replicas + (random.NextDouble() * 30 - 15), 0, 100);
            var decision = Step(policy, replicas, queue: null, cpu: cpu);
            replicas = decision.To;
            sizes.Add(replicas);
            _clock.Advance(TimeSpan.FromSeconds(15));
        }
        var changes = sizes.Zip(sizes.Skip(1)).Count(p => p.First != p.Second);
        var reversals = sizes.Zip(sizes.Skip(1)).Where(p => p.First != p.Second)
            .Select(p => Math.Sign(p.Second - p.First)).Zip(sizes.Zip(sizes.Skip(1)).Where(p => p.First != p.Second).Select(p => Math.Sign(p.Second - p.First)).Skip(1))
            .Count(p => p.First != p.Second);
        Assert.InRange(replicas, 4, 6);
        Assert.True(changes <= 5, $"{changes} size changes in six hours: {string.Join(",", sizes.Distinct())}");
        Assert.Equal(0, reversals);
    }

    [Fact]
    public void The_forecast_is_a_floor_in_forecast_and_scale_mode_and_only_reported_in_forecast_only()
    {
        var scaling = Policy("predictive: {mode: forecast-and-scale}\ntriggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 8}");
        var up = Step(scaling, 2, queue: 0, cpu: null, forecast: 6);
        Assert.Equal(6, up.To);
        Assert.Equal("forecast", up.Rule);

        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(6, Step(scaling, 6, 0, null, forecast: 6).To); // idle, but the forecast holds the floor
        Assert.Equal(8, Step(scaling, 6, 0, null, forecast: 50).To); // never past maxReplicas

        _state = ScalingState.Empty;
        var only = Policy("predictive: {mode: forecast-only}\ntriggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 8}");
        var reported = Step(only, 2, queue: 50, cpu: null, forecast: 6);
        Assert.Equal(2, reported.To);
        Assert.Contains("forecast (not acted on): 6 agents", reported.Explanation, StringComparison.Ordinal);
    }
}
