using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton schedule …</c> and <c>baton calendar …</c>.</summary>
public sealed class ScheduleCommandTests : IDisposable
{
    private static readonly DateTimeOffset Next = new(2025, 3, 30, 1, 0, 0, TimeSpan.Zero);
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static ScheduleDto Schedule(string name, bool paused = false) => new(
        "sch_1", name, "30 2 * * *", "Europe/Berlin", "hello", null, JsonSerializer.SerializeToElement(new { name = "Ada" }), "default", 0,
        "de", "business-days-only", "skip", "fire-once-now", "PT0S", paused, paused ? "auto-paused after 5 failed runs in a row" : null, paused ? 5 : 0, 5,
        paused ? null : Next, null, null, Dtos.At, Dtos.At);

    private static CalendarDto Calendar(string name, int holidays) =>
        new(name, ["mon", "tue", "wed", "thu", "fri"], [.. Enumerable.Range(0, holidays).Select(i => new DateOnly(2025, 12, 24).AddDays(i))], null, Dtos.At, Dtos.At);

    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
    {
        app.MapPost("/api/v1/schedules", (CreateScheduleRequest request) => FakeBatonServer.Json(Schedule(request.Name), 201));
        app.MapGet("/api/v1/schedules", () => FakeBatonServer.Json(new ListResponse<ScheduleDto>([Schedule("nightly"), Schedule("broken", paused: true)])));
        app.MapGet("/api/v1/schedules/{id}", (string id) => FakeBatonServer.Json(Schedule(id, paused: true)));
        app.MapPost("/api/v1/schedules/{id}/pause", (string id) => FakeBatonServer.Json(Schedule(id, paused: true)));
        app.MapPost("/api/v1/schedules/{id}/resume", (string id) => FakeBatonServer.Json(Schedule(id)));
        app.MapGet("/api/v1/schedules/{id}/next", (string id) => FakeBatonServer.Json(new ScheduleFiresDto("sch_1", id, "Europe/Berlin", [Next, Next.AddDays(1)])));
        app.MapDelete("/api/v1/schedules/{id}", () => Microsoft.AspNetCore.Http.Results.NoContent());
        app.MapPost("/api/v1/calendars", (CalendarRequest request) => FakeBatonServer.Json(Calendar(request.Name!, request.Holidays?.Count ?? 0), 201));
        app.MapPut("/api/v1/calendars/{name}", (string name) => FakeBatonServer.Json(Calendar(name, 3)));
        app.MapGet("/api/v1/calendars", () => FakeBatonServer.Json(new ListResponse<CalendarDto>([Calendar("de", 2)])));
        app.MapGet("/api/v1/calendars/{name}", (string name) => name == "de"
            ? FakeBatonServer.Json(Calendar(name, 2))
            : FakeBatonServer.Problem(404, "Not found", $"Calendar '{name}' was not found.", ProblemTypes.NotFound));
        app.MapDelete("/api/v1/calendars/{name}", () => Microsoft.AspNetCore.Http.Results.NoContent());
    });

    [Fact]
    public async Task Schedule_times_are_shown_in_the_schedules_zone_and_in_utc_whatever_the_readers_zone()
    {
        await using var server = await StartServerAsync();
        _cli.Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

        var list = await _cli.RunAgainstAsync(server, "schedule", "list");
        var resumed = await _cli.RunAgainstAsync(server, "schedule", "resume", "nightly");

        Assert.Equal(0, list.ExitCode);
        // 01:00 UTC on the night Berlin moves to summer time is 03:00 there; Tokyo's 10:00 is not shown.
        Assert.Contains("2025-03-30 03:00:00 Europe/Berlin (01:00:00 UTC)", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("next fire 2025-03-30 03:00:00 Europe/Berlin (01:00:00 UTC).", resumed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedule_create_sends_the_definition()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "schedule", "create", "nightly", "--cron", "30 2 * * *", "--package", "hello",
            "--tz", "Europe/Berlin", "--input", "name=Ada", "--calendar", "de", "--concurrency", "skip", "--misfire", "catch-up", "--catch-up-window", "2h",
            "--auto-pause-after", "3");

        Assert.Equal(0, result.ExitCode);
        var sent = JsonSerializer.Deserialize<CreateScheduleRequest>(server.Single("POST", "/api/v1/schedules").Body, BatonJson.Wire)!;
        Assert.Equal(("nightly", "30 2 * * *", "hello", "Europe/Berlin", "de", "skip", "catch-up", "2h", 3),
            (sent.Name, sent.Cron, sent.Package, sent.TimeZone, sent.Calendar, sent.ConcurrencyPolicy, sent.MisfirePolicy, sent.CatchUpWindow, sent.AutoPauseAfter));
        Assert.Equal("Ada", sent.Inputs!["name"].GetString());
        Assert.Contains("Created schedule 'nightly' (sch_1)", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schedule_list_show_next_pause_resume_and_delete()
    {
        await using var server = await StartServerAsync();

        var list = await _cli.RunAgainstAsync(server, "schedule", "list");
        Assert.Contains("nightly", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("paused", list.Stdout, StringComparison.Ordinal);
        var show = await _cli.RunAgainstAsync(server, "schedule", "show", "broken");
        Assert.Contains("auto-paused after 5 failed runs in a row", show.Stdout, StringComparison.Ordinal);
        var next = await _cli.RunAgainstAsync(server, "schedule", "next", "nightly", "-n", "2");
        Assert.Equal(0, next.ExitCode);
        Assert.Contains("2025-03-30 01:00:00Z  (2025-03-30 03:00:00 +02:00 Europe/Berlin)", next.Stdout, StringComparison.Ordinal);
        Assert.Contains("/api/v1/schedules/nightly/next?count=2", server.Single("GET", "/api/v1/schedules/nightly/next").PathAndQuery, StringComparison.Ordinal);
        Assert.Contains("is paused", (await _cli.RunAgainstAsync(server, "schedule", "pause", "nightly")).Stdout, StringComparison.Ordinal);
        Assert.Contains("is active", (await _cli.RunAgainstAsync(server, "schedule", "resume", "nightly")).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.RunAgainstAsync(server, "schedule", "delete", "nightly")).ExitCode);
        Assert.Single(server.Requests, r => r.Method == "DELETE");
        Assert.Equal(2, (await _cli.RunAgainstAsync(server, "schedule", "next", "nightly", "-n", "500")).ExitCode);
    }

    [Fact]
    public async Task Calendar_create_import_list_and_delete()
    {
        await using var server = await StartServerAsync();

        var created = await _cli.RunAgainstAsync(server, "calendar", "create", "de", "--holiday", "2025-12-25", "--holiday", "2025-12-26", "--tz", "Europe/Berlin");
        Assert.Equal(0, created.ExitCode);
        var sent = JsonSerializer.Deserialize<CalendarRequest>(server.Single("POST", "/api/v1/calendars").Body, BatonJson.Wire)!;
        Assert.Equal([new DateOnly(2025, 12, 25), new DateOnly(2025, 12, 26)], sent.Holidays);
        Assert.Equal("Europe/Berlin", sent.TimeZone);
        Assert.Equal(2, (await _cli.RunAgainstAsync(server, "calendar", "create", "x", "--holiday", "25.12.2025")).ExitCode);

        var ics = Path.Combine(_cli.Home, "holidays.ics");
        await File.WriteAllTextAsync(ics, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
        // By default an import adds to the calendar (merge) and says what changed; --replace replaces it.
        var imported = await _cli.RunAgainstAsync(server, "calendar", "import", "de", ics, "--working-days", "mon,tue");
        Assert.Contains("Updated calendar 'de': 1 holiday(s) added, 3 in all, time zone (each schedule's) kept.", imported.Stdout, StringComparison.Ordinal);
        var put = server.Single("PUT", "/api/v1/calendars/de");
        Assert.Contains("merge=true", put.PathAndQuery, StringComparison.Ordinal);
        Assert.Contains("workingDays=mon%2Ctue", put.PathAndQuery, StringComparison.Ordinal);
        var replaced = await _cli.RunAgainstAsync(server, "calendar", "import", "fresh", ics, "--replace");
        Assert.Contains("Created calendar 'fresh' from the file: 3 holiday(s)", replaced.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("merge", server.Single("PUT", "/api/v1/calendars/fresh").PathAndQuery, StringComparison.Ordinal);
        Assert.StartsWith("text/calendar", put.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Contains("BEGIN:VCALENDAR", put.BodyText, StringComparison.Ordinal);

        Assert.Contains("de", (await _cli.RunAgainstAsync(server, "calendar", "list")).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.RunAgainstAsync(server, "calendar", "delete", "de")).ExitCode);
    }
}
