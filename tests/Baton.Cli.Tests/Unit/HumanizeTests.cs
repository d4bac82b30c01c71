using Baton.Cli.Output;

namespace Baton.Cli.Tests.Unit;

public sealed class HumanizeTests
{
    [Theory]
    [InlineData(0.25, "250ms")]
    [InlineData(12.34, "12.3s")]
    [InlineData(245, "4m 05s")]
    [InlineData(7380, "2h 03m")]
    [InlineData(3 * 86400 + 4 * 3600, "3d 04h")]
    [InlineData(-5, "0ms")]
    public void Durations_read_at_a_glance(double seconds, string expected)
    {
        Assert.Equal(expected, Humanize.Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData(512, "512 B")]
    [InlineData(1536, "1.50 KB")]
    [InlineData(20L * 1024 * 1024, "20.0 MB")]
    [InlineData(3L * 1024 * 1024 * 1024 + 256L * 1024 * 1024, "3.25 GB")]
    public void Sizes_use_binary_units(long bytes, string expected)
    {
        Assert.Equal(expected, Humanize.Bytes(bytes));
    }

    [Fact]
    public void Relative_times_count_back_or_forward_from_now()
    {
        var now = new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal("12s ago", Humanize.Ago(now.AddSeconds(-12), now));
        Assert.Equal("5m ago", Humanize.Ago(now.AddMinutes(-5.5), now));
        Assert.Equal("30h ago", Humanize.Ago(now.AddHours(-30), now));
        Assert.Equal("3d ago", Humanize.Ago(now.AddDays(-3), now));
        Assert.Equal("in 2m", Humanize.Ago(now.AddMinutes(2), now));
        Assert.Equal("-", Humanize.Ago(null, now));
    }

    [Fact]
    public void Timestamps_carry_their_zone()
    {
        var at = new DateTimeOffset(2026, 12, 6, 8, 30, 0, TimeSpan.Zero);

        Assert.Equal("2026-12-06 09:30:00 +01:00", Humanize.Timestamp(at, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")));
        Assert.Equal("2026-12-06 17:30:00 +09:00", Humanize.Timestamp(at, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")));
        Assert.Equal("2026-12-06 08:30:00 UTC", Humanize.Timestamp(at, TimeZoneInfo.Utc));
        Assert.Equal("-", Humanize.Timestamp(null, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Schedule_times_read_in_their_zone_and_utc()
    {
        var at = new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero);

        Assert.Equal("2026-12-07 03:00:00 Europe/Berlin (02:00:00 UTC)", Humanize.InZone(at, "Europe/Berlin"));
        Assert.Equal("2026-12-06 21:00:00 America/New_York (2026-12-07 02:00:00 UTC)", Humanize.InZone(at, "America/New_York"));
        Assert.Equal("2026-12-07 02:00:00 UTC", Humanize.InZone(at, "UTC"));
        Assert.Equal("2026-12-07 02:00:00 UTC", Humanize.InZone(at, "Not/AZone"));
    }

    [Fact]
    public void Elapsed_runs_until_now_while_unfinished()
    {
        var start = new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal("-", Humanize.Elapsed(null, null, start));
        Assert.Equal("1m 30s", Humanize.Elapsed(start, null, start.AddSeconds(90)));
        Assert.Equal("2.0s", Humanize.Elapsed(start, start.AddSeconds(2), start.AddHours(1)));
    }
}
