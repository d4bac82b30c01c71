namespace Baton.Core.Autoscaling.Forecasting;

/// <summary>One forecast bucket: its start, the agent-seconds expected, and the method that produced it.</summary>
public sealed record ForecastBucket(DateTimeOffset Start, double AgentSeconds, string Method);

/// <summary>
/// Forecasts unscheduled demand per 5-minute bucket with daily and weekly seasonality. The method is a
/// robust seasonal profile with a damped level correction, chosen because it needs no fitting, has no
/// parameters to drift, and degrades gracefully with short history:
/// <list type="number">
/// <item>Weekly profile: the median of the same bucket 1–4 weeks earlier (the median ignores one odd week,
/// e.g. a holiday, outright).</item>
/// <item>With less than two earlier weeks, the daily profile: the median of the same bucket on up to 7
/// earlier days of the same kind (weekday or weekend), blended half and half with a single earlier week.</item>
/// <item>With no earlier day either: the mean of the last hour (persistence).</item>
/// <item>Level: the last hour's actual demand over what the profile said for it (clamped to ½–2×) scales
/// the profile, the correction fading with the horizon (half gone after about an hour), so a busier-than-usual
/// morning lifts the next hour but not tomorrow.</item>
/// </list>
/// On synthetic seasonal series with ±10 % noise the error over the next 24 hours stays within 10 %
/// of the demand (tests/Baton.Core.Tests/Autoscaling/DemandForecasterTests.cs).
/// </summary>
public static class DemandForecaster
{
    private const int LevelBuckets = 12;
    private const double LevelHalfLifeBuckets = 12;

    public static IReadOnlyList<ForecastBucket> Forecast(DemandHistory history, DateTimeOffset now, TimeSpan horizon)
    {
        var current = DemandHistory.BucketOf(now);
        var count = Math.Max(1, (int)Math.Ceiling(horizon.TotalSeconds / DemandHistory.BucketSeconds));
        var level = LevelRatio(history, current);
        var recent = RecentMean(history, current);
        var result = new ForecastBucket[count];
        for (var i = 0; i < count; i++)
        {
            var bucket = current + i;
            var (profile, method) = Profile(history, bucket);
            double value;
            if (profile is { } p)
            {
                var fade = Math.Pow(0.5, i / LevelHalfLifeBuckets);
                value = p * (1 + (level - 1) * fade);
            }
            else
            {
                value = recent;
                method = "recent level";
            }
            result[i] = new ForecastBucket(DemandHistory.StartOf(bucket), Math.Max(0, value), method);
        }
        return result;
    }

    /// <summary>The seasonal profile of a bucket, or null without seasonal history.</summary>
    internal static (double? Value, string Method) Profile(DemandHistory history, long bucket)
    {
        var weekly = new List<double>(4);
        for (var k = 1; k <= 4; k++)
        {
            if (history.Get(bucket - k * DemandHistory.BucketsPerWeek) is { } v) weekly.Add(v);
        }
        if (weekly.Count >= 2) return (Median(weekly), "weekly median");

        var weekend = IsWeekend(bucket);
        var daily = new List<double>(7);
        for (var k = 1; k <= 7; k++)
        {
            var earlier = bucket - k * DemandHistory.BucketsPerDay;
            if (IsWeekend(earlier) == weekend && history.Get(earlier) is { } v) daily.Add(v);
        }
        if (weekly.Count == 1) return daily.Count > 0 ? ((weekly[0] + Median(daily)) / 2, "weekly and daily") : (weekly[0], "last week");
        return daily.Count > 0 ? (Median(daily), "daily median") : (null, "");
    }

    private static double LevelRatio(DemandHistory history, long current)
    {
        double actual = 0, expected = 0;
        var seen = 0;
        for (var b = current - LevelBuckets; b < current; b++)
        {
            if (history.Get(b) is not { } value || Profile(history, b).Value is not { } profile) continue;
            actual += value;
            expected += profile;
            seen++;
        }
        if (seen < LevelBuckets / 2) return 1;
        // A floor of one busy-ish minute per bucket keeps a quiet night from turning noise into a ratio.
        var floor = 60.0 * seen;
        return Math.Clamp((actual + floor) / (expected + floor), 0.5, 2);
    }

    private static double RecentMean(DemandHistory history, long current)
    {
        double sum = 0;
        var seen = 0;
        for (var b = current - LevelBuckets; b < current; b++)
        {
            if (history.Get(b) is not { } value) continue;
            sum += value;
            seen++;
        }
        return seen == 0 ? 0 : sum / seen;
    }

    private static bool IsWeekend(long bucket) => DemandHistory.StartOf(bucket).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    internal static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
