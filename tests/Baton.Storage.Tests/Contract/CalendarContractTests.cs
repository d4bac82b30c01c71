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
        Assert.Equal(CalendarWriteResult.Created, await Store.Calendars.SaveAsync(calendar, replace: false, Ct));
        Assert.Equal(CalendarWriteResult.NameTaken, await Store.Calendars.SaveAsync(calendar, replace: false, Ct));

        var read = await Store.Calendars.GetAsync(tenant, "de", Ct);
        Assert.NotNull(read);
        Assert.Equal(calendar.WorkingDays, read.WorkingDays);
        Assert.Equal([new DateOnly(2025, 12, 25), new DateOnly(2025, 12, 26), new DateOnly(2028, 2, 29)], read.Holidays);
        Assert.Equal("Europe/Berlin", read.TimeZone);

        Time.Advance(TimeSpan.FromMinutes(1));
        var replaced = calendar with { WorkingDays = [DayOfWeek.Sunday], Holidays = [], TimeZone = null, UpdatedAt = Time.GetUtcNow() };
        Assert.Equal(CalendarWriteResult.Replaced, await Store.Calendars.SaveAsync(replaced, replace: true, Ct));
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
        await Store.Calendars.SaveAsync(Germany(acme), replace: false, Ct);
        Assert.Null(await Store.Calendars.GetAsync(globex, "de", Ct));
        Assert.Empty(await Store.Calendars.ListAsync(globex, Ct));
        Assert.Equal(CalendarDeleteResult.NotFound, await Store.Calendars.DeleteAsync(globex, "de", Ct));

        await Store.Schedules.CreateAsync(ScheduleSamples.NewSchedule(acme, "nightly", Time.GetUtcNow()) with { CalendarName = "de", CalendarMode = Core.Scheduling.CalendarMode.BusinessDaysOnly }, 10, Ct);
        Assert.Equal(CalendarDeleteResult.InUse, await Store.Calendars.DeleteAsync(acme, "de", Ct));
        await Store.Schedules.DeleteAsync(acme, "sch_nightly", Ct);
        Assert.Equal(CalendarDeleteResult.Deleted, await Store.Calendars.DeleteAsync(acme, "de", Ct));
        Assert.Null(await Store.Calendars.GetAsync(acme, "de", Ct));
    }
}
