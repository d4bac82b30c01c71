using Baton.Core.Scheduling;

namespace Baton.Core.Tests.Scheduling;

public sealed class IcsHolidayReaderTests
{
    private const string Ics = """
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//test//EN
        X-WR-CALNAME:German holidays
        BEGIN:VEVENT
        UID:1
        DTSTART;VALUE=DATE:20251225
        DTEND;VALUE=DATE:20251227
        SUMMARY:Christmas
        END:VEVENT
        BEGIN:VEVENT
        UID:2
        DTSTART;VALUE=DATE:20250501
        RRULE:FREQ=YEARLY
        SUMMARY:Labour day
        END:VEVENT
        BEGIN:VEVENT
        UID:3
        DTSTART;TZID=Europe/Berlin:20251003T000000
        SUMMARY:Unity day
        END:VEVENT
        BEGIN:VEVENT
        UID:4
        DTSTART;VALUE=DATE:20240229
        RRULE:FREQ=YEARLY;COUNT=3
        SUMMARY:Leap
         day (folded)
        END:VEVENT
        END:VCALENDAR
        """;

    [Fact]
    public void Reads_all_day_ranges_date_times_and_yearly_rules()
    {
        Assert.True(IcsHolidayReader.TryRead(Ics.Replace("\n", "\r\n", StringComparison.Ordinal), 2030, out var import, out var reason), reason);
        Assert.Equal("German holidays", import!.CalendarName);
        Assert.Equal(4, import.Events);
        var h = import.Holidays;
        Assert.Contains(new DateOnly(2025, 12, 25), h);
        Assert.Contains(new DateOnly(2025, 12, 26), h);
        Assert.DoesNotContain(new DateOnly(2025, 12, 27), h);
        Assert.Equal(6, h.Count(d => d.Month == 5 && d.Day == 1)); // 2025 … 2030
        Assert.Contains(new DateOnly(2025, 10, 3), h);
        // Feb 29 yearly, COUNT=3: 2024, 2028, 2032 — only two within 2030, and never Feb 28 or Mar 1.
        Assert.Equal([new DateOnly(2024, 2, 29), new DateOnly(2028, 2, 29)], h.Where(d => d.Month == 2).Order());
    }

    [Fact]
    public void Refuses_what_it_cannot_read()
    {
        Assert.False(IcsHolidayReader.TryRead("hello", 2030, out _, out var reason));
        Assert.Contains("not an iCalendar", reason, StringComparison.Ordinal);
        Assert.False(IcsHolidayReader.TryRead("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20250101\nRRULE:FREQ=WEEKLY\nEND:VEVENT\nEND:VCALENDAR", 2030, out _, out reason));
        Assert.Contains("FREQ=YEARLY", reason, StringComparison.Ordinal);
        Assert.False(IcsHolidayReader.TryRead("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR", 2030, out _, out reason));
        Assert.Contains("DTSTART", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "no events")]
    [InlineData("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Holidays\r\nEND:VCALENDAR\r\n", "no events")]
    [InlineData("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20251225\r\n", "END:VEVENT")]
    [InlineData("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20251225\r\nEND:VEVENT\r\n", "END:VCALENDAR")]
    public void Refuses_a_calendar_without_events_or_cut_short(string text, string expected)
    {
        Assert.False(IcsHolidayReader.TryRead(text, 2030, out var import, out var reason));
        Assert.Null(import);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }
}
