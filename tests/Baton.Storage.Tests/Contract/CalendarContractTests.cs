using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Business calendars: create, replace, read, isolation, and no deleting one a schedule uses.</summary>
public abstract class CalendarContractTests : StoreContractTests
{
    private CalendarRecord Germany(string tenantId, params DateOnly[] holidays) => new(
        tenantId, "de", [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
        holidays, "Europe/Berlin", Time.GetUtcNow(), Time.GetUtcNow());

    [Fact]
    public async Task Create_replace_and_read_a_calendar()
    {
        var tenant = await CreateTenantAsync("acme");
        var calendar = Germany(tenant, new DateOnly(2025, 12, 26), new DateOnly(2025, 12, 25), new DateOnly(2028, 2, 29));
        Assert.Equal(CalendarWriteResult.Created, await Store.Calendars.SaveAsync(calendar, replace: false, null, Ct));
        Assert.Equal(CalendarWriteResult.NameTaken, await Store.Calendars.SaveAsync(calendar, replace: false, null, Ct));

        var read = await Store.Calendars.GetAsync(tenant, "de", Ct);
        Assert.NotNull(read);
        Assert.Equal(calendar.WorkingDays, read.WorkingDays);
        Assert.Equal([new DateOnly(2025, 12, 25), new DateOnly(2025, 12, 26), new DateOnly(2028, 2, 29)], read.Holidays);
        Assert.Equal("Europe/Berlin", read.TimeZone);

        Time.Advance(TimeSpan.FromMinutes(1));
        var replaced = calendar with { WorkingDays = [DayOfWeek.Sunday], Holidays = [], TimeZone = null, UpdatedAt = Time.GetUtcNow() };
        Assert.Equal(CalendarWriteResult.Replaced, await Store.Calendars.SaveAsync(replaced, replace: true, null, Ct));
        read = await Store.Calendars.GetAsync(tenant, "de", Ct);
        Assert.Equal([DayOfWeek.Sunday], read!.WorkingDays);
        Assert.Equal((0, (string?)null, calendar.CreatedAt, Time.GetUtcNow()), (read.Holidays.Count, read.TimeZone, read.CreatedAt, read.UpdatedAt));
        Assert.Equal(["de"], (await Store.Calendars.ListAsync(tenant, Ct)).Select(c => c.Name));
    }

    [Fact]
    public async Task Calendars_belong_to_their_tenant_and_one_in_use_is_not_deleted()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        await Store.Calendars.SaveAsync(Germany(acme), replace: false, null, Ct);
        Assert.Null(await Store.Calendars.GetAsync(globex, "de", Ct));
        Assert.Empty(await Store.Calendars.ListAsync(globex, Ct));
        Assert.Equal(CalendarDeleteResult.NotFound, await Store.Calendars.DeleteAsync(globex, "de", Ct));

        await Store.Schedules.CreateAsync(ScheduleSamples.NewSchedule(acme, "nightly", Time.GetUtcNow()) with { CalendarName = "de", CalendarMode = Core.Scheduling.CalendarMode.BusinessDaysOnly }, 10, Ct);
        Assert.Equal(CalendarDeleteResult.InUse, await Store.Calendars.DeleteAsync(acme, "de", Ct));
        await Store.Schedules.DeleteAsync(acme, "sch_nightly", Ct);
        Assert.Equal(CalendarDeleteResult.Deleted, await Store.Calendars.DeleteAsync(acme, "de", Ct));
        Assert.Null(await Store.Calendars.GetAsync(acme, "de", Ct));
    }

    [Fact]
    public async Task Saving_a_calendar_retimes_the_schedules_on_it_whose_next_fire_is_ahead_in_the_same_write()
    {
        var acme = await CreateTenantAsync("acme");
        var now = Time.GetUtcNow();
        await Store.Calendars.SaveAsync(Germany(acme), replace: false, null, Ct);
        var onCalendar = ScheduleSamples.NewSchedule(acme, "payroll", now, now.AddHours(5)) with { CalendarName = "de", CalendarMode = Core.Scheduling.CalendarMode.BusinessDaysOnly };
        var due = ScheduleSamples.NewSchedule(acme, "due", now, now.AddSeconds(-1)) with { CalendarName = "de", CalendarMode = Core.Scheduling.CalendarMode.BusinessDaysOnly };
        var paused = ScheduleSamples.NewSchedule(acme, "paused", now, now.AddHours(5)) with { CalendarName = "de", CalendarMode = Core.Scheduling.CalendarMode.BusinessDaysOnly, Paused = true };
        var other = ScheduleSamples.NewSchedule(acme, "other", now, now.AddHours(5));
        foreach (var schedule in new[] { onCalendar, due, paused, other }) Assert.Equal(ScheduleWriteResult.Ok, await Store.Schedules.CreateAsync(schedule, 10, Ct));

        Time.Advance(TimeSpan.FromSeconds(1));
        var asked = new List<string>();
        var moved = now.AddDays(1);
        var replaced = Germany(acme, DateOnly.FromDateTime(now.UtcDateTime)) with { UpdatedAt = Time.GetUtcNow() };
        Assert.Equal(CalendarWriteResult.Replaced, await Store.Calendars.SaveAsync(replaced, replace: true, s =>
        {
            asked.Add(s.Name);
            return moved;
        }, Ct));

        // Only the unpaused schedule on this calendar whose fire is still ahead; a due one is the scheduler's to fire.
        Assert.Equal(["payroll"], asked);
        Assert.Equal(PgRound(moved), (await Store.Schedules.GetAsync(acme, "payroll", Ct))!.NextFireAt);
        Assert.Equal(PgRound(now.AddSeconds(-1)), (await Store.Schedules.GetAsync(acme, "due", Ct))!.NextFireAt);
        Assert.Equal(PgRound(now.AddHours(5)), (await Store.Schedules.GetAsync(acme, "paused", Ct))!.NextFireAt);
        Assert.Equal(PgRound(now.AddHours(5)), (await Store.Schedules.GetAsync(acme, "other", Ct))!.NextFireAt);

        // A calendar of another tenant with the same name moves nothing here.
        var globex = await CreateTenantAsync("globex");
        await Store.Calendars.SaveAsync(Germany(globex), replace: false, _ => throw new InvalidOperationException("not this tenant's schedule"), Ct);
    }

    private static DateTimeOffset PgRound(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());
}
