using System.Net;
using System.Net.Http.Json;
using System.Text;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary>Business calendars over HTTP: JSON and iCalendar bodies, replacement, use by schedules, roles and isolation.</summary>
public sealed class CalendarTests : IAsyncLifetime
{
    private const string Ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:German Holidays\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20251225\r\nDTEND;VALUE=DATE:20251227\r\nEND:VEVENT\r\n" +
        "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20250101\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync(o => o.Roles = "api,janitor");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_JSON_calendar_is_created_replaced_and_listed()
    {
        using var tenant = await _server.CreateTenantAsync();
        var created = await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest(
            "ops", ["mon", "tue", "wed", "thu", "fri", "sat"], [new DateOnly(2025, 12, 25)], "Europe/Berlin")).ReadAsync<CalendarDto>(HttpStatusCode.Created);
        Assert.Equal(("ops", 6, "Europe/Berlin"), (created.Name, created.WorkingDays.Count, created.TimeZone));
        await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("ops")).ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.Conflict);

        var replaced = await tenant.Client.PutAsJsonAsync("/api/v1/calendars/ops", new CalendarRequest(Holidays: [new DateOnly(2026, 1, 1)])).ReadAsync<CalendarDto>();
        Assert.Equal(["mon", "tue", "wed", "thu", "fri"], replaced.WorkingDays);
        Assert.Equal([new DateOnly(2026, 1, 1)], replaced.Holidays);
        Assert.Null(replaced.TimeZone);
        Assert.Equal(["ops"], (await tenant.Client.GetAsync("/api/v1/calendars").ReadAsync<ListResponse<CalendarDto>>()).Items.Select(c => c.Name));

        var problem = await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("bad", ["funday"])).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal("workingDays", problem.GetProperty("field").GetString());
        problem = await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("bad", TimeZone: "Nowhere/Land")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("timeZone", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_ics_file_becomes_holidays_by_content_type_or_query_flag()
    {
        using var tenant = await _server.CreateTenantAsync();
        var imported = await tenant.Client.PostAsync("/api/v1/calendars?workingDays=mon,tue,wed,thu,fri", new StringContent(Ics, Encoding.UTF8, "text/calendar"))
            .ReadAsync<CalendarDto>(HttpStatusCode.Created);
        Assert.Equal("german-holidays", imported.Name);
        Assert.Contains(new DateOnly(2025, 12, 26), imported.Holidays);
        Assert.Contains(new DateOnly(2030, 1, 1), imported.Holidays);

        var flagged = await tenant.Client.PutAsync("/api/v1/calendars/de?format=ics&timeZone=Europe/Berlin", new StringContent(Ics, Encoding.UTF8, "application/octet-stream"))
            .ReadAsync<CalendarDto>(HttpStatusCode.Created);
        Assert.Equal(("de", "Europe/Berlin"), (flagged.Name, flagged.TimeZone));

        var problem = await tenant.Client.PostAsync("/api/v1/calendars?name=x", new StringContent("not a calendar", Encoding.UTF8, "text/calendar"))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Contains("iCalendar", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_schedule_on_a_calendar_skips_holidays_and_keeps_the_calendar_from_deletion()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        // Every day is a holiday for the next 30 days except one: the next fire lands on it.
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        var workday = today.AddDays(10);
        var holidays = Enumerable.Range(0, 30).Select(i => today.AddDays(i)).Where(d => d != workday).ToList();
        await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("closed", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], holidays))
            .ShouldBeAsync(HttpStatusCode.Created);
        var schedule = await tenant.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("daily", "0 12 * * *", "hello", Calendar: "closed"))
            .ReadAsync<ScheduleDto>(HttpStatusCode.Created);
        Assert.Equal(("closed", "business-days-only"), (schedule.Calendar, schedule.CalendarMode));
        Assert.Equal(workday.ToDateTime(new TimeOnly(12, 0)), schedule.NextFireAt!.Value.UtcDateTime);

        var next = await tenant.Client.GetAsync($"/api/v1/schedules/{schedule.Id}/next?count=2").ReadAsync<ScheduleFiresDto>();
        Assert.Equal(today.AddDays(30).ToDateTime(new TimeOnly(12, 0)), next.Fires[1].UtcDateTime);

        await tenant.Client.DeleteAsync("/api/v1/calendars/closed").ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.Conflict);
        await tenant.Client.DeleteAsync($"/api/v1/schedules/{schedule.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await tenant.Client.DeleteAsync("/api/v1/calendars/closed").ShouldBeAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Viewers_read_operators_write_and_other_tenants_get_404()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("ops")).ShouldBeAsync(HttpStatusCode.Created);
        var viewer = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("viewer", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var viewerClient = _server.Client(viewer.Secret);
        await viewerClient.GetAsync("/api/v1/calendars/ops").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.PutAsJsonAsync("/api/v1/calendars/ops", new CalendarRequest()).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await viewerClient.DeleteAsync("/api/v1/calendars/ops").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);

        using var other = await _server.CreateTenantAsync();
        await other.Client.GetAsync("/api/v1/calendars/ops").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.DeleteAsync("/api/v1/calendars/ops").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        Assert.Empty((await other.Client.GetAsync("/api/v1/calendars").ReadAsync<ListResponse<CalendarDto>>()).Items);
    }

    [Fact]
    public async Task A_holiday_imported_for_the_next_fire_moves_the_schedule_so_show_and_next_agree()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("de", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]))
            .ShouldBeAsync(HttpStatusCode.Created);
        var schedule = await tenant.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("daily", "0 12 * * *", "hello", Calendar: "de"))
            .ReadAsync<ScheduleDto>(HttpStatusCode.Created);
        var firstDay = DateOnly.FromDateTime(schedule.NextFireAt!.Value.UtcDateTime);

        // An iCalendar import (merged) makes the day of the next fire a holiday: the stored next fire moves a day on.
        var ics = $"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:{firstDay:yyyyMMdd}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        await tenant.Client.PutAsync("/api/v1/calendars/de?merge=true", new StringContent(ics, Encoding.UTF8, "text/calendar")).ShouldBeAsync(HttpStatusCode.OK);
        var shown = await tenant.Client.GetAsync($"/api/v1/schedules/{schedule.Id}").ReadAsync<ScheduleDto>();
        var next = await tenant.Client.GetAsync($"/api/v1/schedules/{schedule.Id}/next?count=1").ReadAsync<ScheduleFiresDto>();
        Assert.Equal(firstDay.AddDays(1).ToDateTime(new TimeOnly(12, 0)), shown.NextFireAt!.Value.UtcDateTime);
        Assert.Equal(next.Fires[0], shown.NextFireAt);

        // Replacing the calendar without the holiday moves it back.
        await tenant.Client.PutAsJsonAsync("/api/v1/calendars/de", new CalendarRequest(WorkingDays: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])).ShouldBeAsync(HttpStatusCode.OK);
        shown = await tenant.Client.GetAsync($"/api/v1/schedules/{schedule.Id}").ReadAsync<ScheduleDto>();
        Assert.Equal(firstDay.ToDateTime(new TimeOnly(12, 0)), shown.NextFireAt!.Value.UtcDateTime);
        Assert.True(today <= firstDay);
    }

    [Fact]
    public async Task An_import_with_merge_adds_holidays_and_keeps_the_zone_and_days_a_plain_put_replaces()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new CalendarRequest("de", ["mon", "tue"], [new DateOnly(2025, 12, 24)], "Europe/Berlin"))
            .ShouldBeAsync(HttpStatusCode.Created);

        var merged = await tenant.Client.PutAsync("/api/v1/calendars/de?merge=true", new StringContent(Ics, Encoding.UTF8, "text/calendar")).ReadAsync<CalendarDto>();
        Assert.Contains(new DateOnly(2025, 12, 24), merged.Holidays);
        Assert.Contains(new DateOnly(2025, 12, 25), merged.Holidays);
        Assert.Equal(["mon", "tue"], merged.WorkingDays);
        Assert.Equal("Europe/Berlin", merged.TimeZone);

        var replaced = await tenant.Client.PutAsync("/api/v1/calendars/de", new StringContent(Ics, Encoding.UTF8, "text/calendar")).ReadAsync<CalendarDto>();
        Assert.DoesNotContain(new DateOnly(2025, 12, 24), replaced.Holidays);
        Assert.Null(replaced.TimeZone);
    }
}
