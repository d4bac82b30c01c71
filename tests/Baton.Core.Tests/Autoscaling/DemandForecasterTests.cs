using Baton.Core.Autoscaling;
using Baton.Core.Autoscaling.Forecasting;

namespace Baton.Core.Tests.Autoscaling;

/// <summary>
/// The forecaster on synthetic seasonal series. Stated bound: over the next 24 hours the weighted absolute
/// error (Σ|forecast − actual| / Σ actual) stays within 10 % with ±10 % noise on the demand.
/// </summary>
public sealed class DemandForecasterTests
{
    private const double ErrorBound = 0.10;
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Business-hours shape: a quiet night, a working day peaking after lunch, quiet weekends.</summary>
    private static double Shape(DateTimeOffset at)
    {
        var hour = at.TimeOfDay.TotalHours;
        var weekend = at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        var day = hour is >= 8 and < 18 ? 4000 * Math.Sin(Math.PI * (hour - 8) / 10) : 0;
        return (600 + day) * (weekend ? 0.25 : 1);
    }

    private static double Noisy(DateTimeOffset at, Random random) => Shape(at) * (0.9 + random.NextDouble() * 0.2);

    private static DemandHistory Fill(DateTimeOffset from, DateTimeOffset to, Random random, Func<DateTimeOffset, double>? demand = null)
    {
        var history = new DemandHistory();
        for (var at = from; at < to; at += DemandHistory.Bucket) history.Add(at, demand?.Invoke(at) ?? Noisy(at, random));
        return history;
    }

    private static double WeightedError(IReadOnlyList<ForecastBucket> forecast, Func<DateTimeOffset, double> actual)
    {
        var error = forecast.Sum(b => Math.Abs(b.AgentSeconds - actual(b.Start)));
        return error / forecast.Sum(b => actual(b.Start));
    }

    [Theory]
    [InlineData(0)] // Monday after three weeks of history
    [InlineData(5)] // Saturday
    [InlineData(3)] // Thursday
    public void With_three_weeks_of_history_the_next_day_is_within_the_bound(int dayOffset)
    {
        var random = new Random(7 + dayOffset);
        var now = Monday.AddDays(21 + dayOffset);
        var history = Fill(Monday, now, random);
        var truth = new Random(99);
        var actual = new Dictionary<DateTimeOffset, double>();
        double Actual(DateTimeOffset at) => actual.TryGetValue(at, out var v) ? v : actual[at] = Noisy(at, truth);

        var forecast = DemandForecaster.Forecast(history, now, TimeSpan.FromHours(24));

        Assert.Equal(288, forecast.Count);
        Assert.All(forecast, b => Assert.Equal("weekly median", b.Method));
        var error = WeightedError(forecast, Actual);
        Assert.True(error <= ErrorBound, $"weighted error {error:P1} above {ErrorBound:P0}");
    }

    [Fact]
    public void With_two_days_of_history_the_daily_profile_is_within_the_bound()
    {
        var random = new Random(3);
        var now = Monday.AddDays(2); // Wednesday, history Monday and Tuesday
        var history = Fill(Monday, now, random);
        var truth = new Random(5);
        var actual = new Dictionary<DateTimeOffset, double>();
        double Actual(DateTimeOffset at) => actual.TryGetValue(at, out var v) ? v : actual[at] = Noisy(at, truth);

        var forecast = DemandForecaster.Forecast(history, now, TimeSpan.FromHours(24));

        Assert.All(forecast, b => Assert.Equal("daily median", b.Method));
        var error = WeightedError(forecast, Actual);
        Assert.True(error <= 0.12, $"weighted error {error:P1}"); // two samples per bucket: a little noisier than the weekly median
    }

    [Fact]
    public void A_busier_morning_lifts_the_next_hour_but_not_tomorrow()
    {
        var random = new Random(11);
        var now = Monday.AddDays(21).AddHours(11);
        var history = Fill(Monday, now.AddHours(-1), random);
        for (var at = now.AddHours(-1); at < now; at += DemandHistory.Bucket) history.Add(at, Shape(at) * 1.5);

        var forecast = DemandForecaster.Forecast(history, now, TimeSpan.FromHours(24));

        Assert.InRange(forecast[0].AgentSeconds / Shape(forecast[0].Start), 1.3, 1.6);
        Assert.InRange(forecast[^1].AgentSeconds / Shape(forecast[^1].Start), 0.85, 1.15);
    }

    [Fact]
    public void One_odd_week_does_not_move_the_weekly_median()
    {
        var now = Monday.AddDays(28);
        // Week three had a holiday on its Monday: nothing ran.
        var history = Fill(Monday, now, new Random(1), at => at.Date == Monday.AddDays(14).Date ? 0 : Shape(at));

        var forecast = DemandForecaster.Forecast(history, now, TimeSpan.FromHours(12));

        Assert.All(forecast, b => Assert.Equal(Shape(b.Start), b.AgentSeconds, 6));
    }

    [Fact]
    public void Without_seasonal_history_the_recent_level_persists()
    {
        var now = Monday.AddHours(10);
        var history = Fill(Monday.AddHours(9), now, new Random(1), _ => 1200);
        var forecast = DemandForecaster.Forecast(history, now, TimeSpan.FromHours(1));
        Assert.All(forecast, b => Assert.Equal(1200, b.AgentSeconds, 6));
        Assert.All(forecast, b => Assert.Equal("recent level", b.Method));
    }

    [Fact]
    public void Scheduled_runs_spread_over_the_buckets_they_span()
    {
        var nine = Monday.AddHours(9);
        var runs = new[]
        {
            new UpcomingRun(nine, "acme/report", TimeSpan.FromSeconds(30), Jobs: 400),
            new UpcomingRun(nine.AddMinutes(4), "acme/long", TimeSpan.FromMinutes(3)),
        };
        var demand = ScheduledDemand.PerBucket(runs, nine.AddMinutes(-5), 4);

        Assert.Equal([0, 12_000 + 60, 120, 0], demand);
    }

    [Fact]
    public void The_plan_asks_for_the_scheduled_burst_a_lead_time_ahead_and_never_past_max()
    {
        var settings = new PredictiveSettings(PredictiveMode.ForecastAndScale, TimeSpan.FromSeconds(90), SlotsPerReplica: 4, TargetUtilization: 0.8);
        var limits = new ReplicaLimits(2, 20);
        var nine = Monday.AddDays(1).AddHours(9);
        var burst = new[] { new UpcomingRun(nine, "acme/report", TimeSpan.FromSeconds(30), Jobs: 400) };
        var history = new DemandHistory();

        var early = CapacityPlanner.Plan(history, burst, nine.AddMinutes(-5), TimeSpan.FromHours(1), TimeSpan.FromSeconds(90), settings, limits);
        Assert.Equal(0, early.ReplicasNow);
        var ahead = CapacityPlanner.Plan(history, burst, nine.AddSeconds(-90), TimeSpan.FromHours(1), TimeSpan.FromSeconds(90), settings, limits);
        Assert.Equal(13, ahead.ReplicasNow); // 12,000 agent-s / (300 s × 4 slots × 0.8)
        Assert.Contains("12000 agent-s due 09:00–09:05 (12000 scheduled", ahead.Note, StringComparison.Ordinal);

        var huge = new[] { new UpcomingRun(nine, "acme/report", TimeSpan.FromMinutes(10), Jobs: 400) };
        Assert.Equal(20, CapacityPlanner.Plan(history, huge, nine.AddSeconds(-60), TimeSpan.FromHours(1), TimeSpan.FromSeconds(90), settings, limits).ReplicasNow);
    }

    [Fact]
    public void Measured_run_time_is_the_median_of_recent_runs()
    {
        var estimator = new RunTimeEstimator(TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.FromMinutes(1), estimator.Estimate("acme/report"));
        foreach (var seconds in new[] { 20, 22, 21, 600, 19 }) estimator.Record("acme/report", TimeSpan.FromSeconds(seconds));
        Assert.Equal(TimeSpan.FromSeconds(21), estimator.Estimate("acme/report"));
    }
}
