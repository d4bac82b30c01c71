using Baton.Core.Scheduling;

namespace Baton.Core.Tests.Scheduling;

public sealed class BusinessCalendarTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    // Friday 2025-12-19 … : Christmas 25th and 26th are holidays, weekends off.
    private static readonly BusinessCalendar Germany = new(
        "de", BusinessCalendar.MondayToFriday, new HashSet<DateOnly> { new(2025, 12, 25), new(2025, 12, 26), new(2026, 1, 1) });

    private static FireTimeline Daily(CalendarMode mode, BusinessCalendar? calendar = null) =>
        new(CronSchedule.Parse("0 9 * * *", "Europe/Berlin"), calendar ?? Germany, mode);

    [Fact]
    public void Business_days_only_drops_weekends_and_holidays()
    {
        var fires = Daily(CalendarMode.BusinessDaysOnly).NextFires(Utc("2025-12-23T12:00:00Z"), 3);
        // Wed 24th, then Thu 25/Fri 26 holidays and the weekend are dropped: Mon 29th, Tue 30th.
        Assert.Equal([Utc("2025-12-24T08:00:00Z"), Utc("2025-12-29T08:00:00Z"), Utc("2025-12-30T08:00:00Z")], fires);
    }

    [Fact]
    public void Next_business_day_moves_a_fire_forward_and_counts_a_landing_instant_once()
    {
        // Monthly on the 1st at 09:00: 2026-01-01 is a holiday (Thu) so it fires Fri 2nd; 2026-02-01 is a Sunday so Mon 2nd.
        var monthly = new FireTimeline(CronSchedule.Parse("0 9 1 * *", "Europe/Berlin"), Germany, CalendarMode.NextBusinessDay);
        Assert.Equal([Utc("2026-01-02T08:00:00Z"), Utc("2026-02-02T08:00:00Z")], monthly.NextFires(Utc("2025-12-15T00:00:00Z"), 2));

        // Daily: Thu, Fri, Sat and Sun all land on Monday 09:00, which fires once.
        var daily = Daily(CalendarMode.NextBusinessDay).NextFires(Utc("2025-12-24T12:00:00Z"), 2);
        Assert.Equal([Utc("2025-12-29T08:00:00Z"), Utc("2025-12-30T08:00:00Z")], daily);
    }

    [Fact]
    public void Previous_business_day_moves_a_fire_back_without_going_before_now()
    {
        // 2026-02-01 (Sun) moves back to Fri 2026-01-30, 2026-03-01 (Sun) to Fri 2026-02-27.
        var monthly = new FireTimeline(CronSchedule.Parse("0 9 1 * *", "Europe/Berlin"), Germany, CalendarMode.PreviousBusinessDay);
        Assert.Equal([Utc("2026-01-30T08:00:00Z"), Utc("2026-02-27T08:00:00Z")], monthly.NextFires(Utc("2026-01-10T00:00:00Z"), 2));
        // 2026-01-01 (holiday) would move to Wed 2025-12-31; asked after that, it is gone.
        Assert.Equal(Utc("2026-01-30T08:00:00Z"), monthly.NextAfter(Utc("2025-12-31T09:00:00Z")));
        Assert.Equal(Utc("2025-12-31T08:00:00Z"), monthly.NextAfter(Utc("2025-12-20T00:00:00Z")));
    }

    [Fact]
    public void A_calendar_in_its_own_zone_judges_the_day_there()
    {
        // 23:30 New York on Thursday 2025-12-24 is already the 25th (a holiday) in Tokyo.
        var tokyo = Germany with { TimeZone = "Asia/Tokyo" };
        var timeline = new FireTimeline(CronSchedule.Parse("30 23 * * *", "America/New_York"), tokyo, CalendarMode.BusinessDaysOnly);
        var fires = timeline.NextFires(Utc("2025-12-23T00:00:00Z"), 2);
        // Mon 22nd NY = Tue 23rd Tokyo fires (23rd 04:30Z), Tue 23rd NY = Wed 24th Tokyo fires, Wed 24th NY = 25th Tokyo does not.
        Assert.Equal([Utc("2025-12-23T04:30:00Z"), Utc("2025-12-24T04:30:00Z")], fires);
        Assert.Equal(Utc("2025-12-29T04:30:00Z"), timeline.NextAfter(Utc("2025-12-24T05:00:00Z")));
    }

    [Fact]
    public void Shifting_keeps_the_wall_clock_time_across_a_DST_change()
    {
        // Sunday 2025-03-30 (Berlin springs forward) moves to Monday 31st 09:00 CEST = 07:00Z.
        var weekly = new FireTimeline(CronSchedule.Parse("0 9 * * 0", "Europe/Berlin"), Germany, CalendarMode.NextBusinessDay);
        Assert.Equal(Utc("2025-03-31T07:00:00Z"), weekly.NextAfter(Utc("2025-03-29T00:00:00Z")));
        // Saturday 2025-03-29 09:00 CET moves back to Friday 28th 09:00 CET = 08:00Z.
        var saturdays = new FireTimeline(CronSchedule.Parse("0 9 * * 6", "Europe/Berlin"), Germany, CalendarMode.PreviousBusinessDay);
        Assert.Equal(Utc("2025-03-28T08:00:00Z"), saturdays.NextAfter(Utc("2025-03-27T00:00:00Z")));
    }

    [Fact]
    public void A_leap_day_holiday_is_a_non_working_day()
    {
        var calendar = new BusinessCalendar("leap", BusinessCalendar.MondayToFriday, new HashSet<DateOnly> { new(2028, 2, 29) });
        var timeline = new FireTimeline(CronSchedule.Parse("0 12 * * *", "UTC"), calendar, CalendarMode.BusinessDaysOnly);
        Assert.Equal(Utc("2028-03-01T12:00:00Z"), timeline.NextAfter(Utc("2028-02-28T13:00:00Z")));
    }

    [Fact]
    public void Validation_and_the_longest_non_working_run()
    {
        Assert.Equal(4, Germany.LongestNonBusinessRun()); // Thu 25 … Sun 28
        Assert.Equal(2, (Germany with { Holidays = new HashSet<DateOnly>() }).LongestNonBusinessRun());
        Assert.Contains("at least one weekday", new BusinessCalendar("x", new HashSet<DayOfWeek>(), new HashSet<DateOnly>()).Validate(), StringComparison.Ordinal);
        Assert.Contains("IANA", (Germany with { TimeZone = "Nowhere/Land" }).Validate(), StringComparison.Ordinal);
        Assert.Contains("not valid", (Germany with { Name = "Bad Name" }).Validate(), StringComparison.Ordinal);
        Assert.Null(Germany.Validate());
        Assert.True(Weekdays.TryParseAll(["mon", "Tuesday", "FRI"], out var days, out _));
        Assert.Equal(["mon", "tue", "fri"], Weekdays.ToText(days));
        Assert.False(Weekdays.TryParseAll(["funday"], out _, out var reason));
        Assert.Contains("funday", reason, StringComparison.Ordinal);
    }
}
