using Baton.Core.Scheduling;

namespace Baton.Core.Tests.Scheduling;

public sealed class CronScheduleTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("", "UTC", "cron is required")]
    [InlineData("* * * *", "UTC", "has 4 field(s)")]
    [InlineData("* * * * * * *", "UTC", "has 7 field(s)")]
    [InlineData("61 * * * *", "UTC", "is not valid")]
    [InlineData("0 9 * * *", "Mars/Olympus", "not a known IANA time zone")]
    public void Invalid_definitions_say_why(string cron, string zone, string reason)
    {
        Assert.False(CronSchedule.TryParse(cron, zone, out var schedule, out var why));
        Assert.Null(schedule);
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    [Fact]
    public void Five_fields_are_minutes_and_six_fields_start_with_seconds()
    {
        var minutes = CronSchedule.Parse("*/15 * * * *", "UTC");
        var seconds = CronSchedule.Parse("*/2 * * * * *", "UTC");
        Assert.False(minutes.HasSeconds);
        Assert.True(seconds.HasSeconds);
        Assert.Equal(Utc("2025-01-01T10:15:00Z"), minutes.NextAfter(Utc("2025-01-01T10:00:00Z")));
        Assert.Equal(Utc("2025-01-01T10:00:02Z"), seconds.NextAfter(Utc("2025-01-01T10:00:00Z")));
        Assert.Equal(Utc("2025-01-01T10:00:02Z"), seconds.NextAfter(Utc("2025-01-01T10:00:01.500Z")));
    }

    [Fact]
    public void Berlin_spring_forward_moves_a_skipped_time_to_the_end_of_the_gap_once()
    {
        // 2025-03-30 02:00 CET jumps to 03:00 CEST: 02:30 does not exist that day.
        var timeline = new FireTimeline(CronSchedule.Parse("30 2 * * *", "Europe/Berlin"));
        var fires = timeline.NextFires(Utc("2025-03-28T12:00:00Z"), 4);
        Assert.Equal(
            [Utc("2025-03-29T01:30:00Z"), Utc("2025-03-30T01:00:00Z"), Utc("2025-03-31T00:30:00Z"), Utc("2025-04-01T00:30:00Z")],
            fires);
    }

    [Fact]
    public void Berlin_fall_back_fires_a_daily_time_once_but_an_interval_in_both_hours()
    {
        // 2025-10-26 03:00 CEST falls back to 02:00 CET: 02:00-02:59 happens twice.
        var daily = new FireTimeline(CronSchedule.Parse("30 2 * * *", "Europe/Berlin"));
        Assert.Equal([Utc("2025-10-26T00:30:00Z"), Utc("2025-10-27T01:30:00Z")], daily.NextFires(Utc("2025-10-25T12:00:00Z"), 2));

        var halfHourly = new FireTimeline(CronSchedule.Parse("*/30 2 * * *", "Europe/Berlin"));
        Assert.Equal(
            [Utc("2025-10-26T00:00:00Z"), Utc("2025-10-26T00:30:00Z"), Utc("2025-10-26T01:00:00Z"), Utc("2025-10-26T01:30:00Z")],
            halfHourly.NextFires(Utc("2025-10-25T12:00:00Z"), 4));
    }

    [Fact]
    public void New_York_keeps_nine_o_clock_local_across_both_transitions()
    {
        var timeline = new FireTimeline(CronSchedule.Parse("0 9 * * *", "America/New_York"));
        // DST starts 2025-03-09: 09:00 EST is 14:00Z, 09:00 EDT is 13:00Z.
        Assert.Equal([Utc("2025-03-08T14:00:00Z"), Utc("2025-03-09T13:00:00Z")], timeline.NextFires(Utc("2025-03-08T00:00:00Z"), 2));
        // DST ends 2025-11-02.
        Assert.Equal([Utc("2025-11-01T13:00:00Z"), Utc("2025-11-02T14:00:00Z")], timeline.NextFires(Utc("2025-11-01T00:00:00Z"), 2));
    }

    [Fact]
    public void A_yearly_leap_day_fires_only_in_leap_years()
    {
        var timeline = new FireTimeline(CronSchedule.Parse("0 12 29 2 *", "UTC"));
        Assert.Equal(
            [Utc("2028-02-29T12:00:00Z"), Utc("2032-02-29T12:00:00Z")],
            timeline.NextFires(Utc("2025-01-01T00:00:00Z"), 2));
    }

    [Fact]
    public void Fires_between_two_instants_are_the_missed_ones_in_order()
    {
        var timeline = new FireTimeline(CronSchedule.Parse("0 * * * *", "UTC"));
        var missed = timeline.FiresBetween(Utc("2025-01-01T10:00:00Z"), Utc("2025-01-01T13:30:00Z"), 100);
        Assert.Equal([Utc("2025-01-01T11:00:00Z"), Utc("2025-01-01T12:00:00Z"), Utc("2025-01-01T13:00:00Z")], missed);
        Assert.Equal(2, timeline.FiresBetween(Utc("2025-01-01T10:00:00Z"), Utc("2025-01-01T13:30:00Z"), 2).Count);
    }
}
