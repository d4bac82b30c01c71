using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Server.Audit;
using Baton.Core.Scheduling;
using Baton.Server.Scheduling;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Api;

/// <summary>
/// Business calendars: a JSON body (<c>workingDays</c>, <c>holidays</c>, <c>timeZone</c>), or an iCalendar
/// file (<c>Content-Type: text/calendar</c>, or <c>?format=ics</c>) whose events become holidays, with
/// <c>?workingDays=mon,tue…</c> and <c>?timeZone=…</c> alongside. Viewers read; operators write.
/// </summary>
public static class CalendarEndpoints
{
    public const int MaxHolidays = 10_000;
    /// <summary>Yearly iCalendar rules are expanded this many years ahead.</summary>
    public const int IcsYearsAhead = 10;
    private const long MaxBodyBytes = 1024 * 1024;

    private static readonly RawRequestBody IcsBody = new(
        "The calendar as JSON, or an iCalendar file (text/calendar, or ?format=ics) whose events become holidays, with ?name, ?workingDays and ?timeZone alongside.",
        "text/calendar", JsonBody: typeof(CalendarRequest));

    public static void MapCalendarEndpoints(this IEndpointRouteBuilder api)
    {
        var calendars = api.MapGroup("/calendars");
        calendars.MapPost("", (HttpContext context, IBatonStore store, TimeProvider time, CancellationToken ct) =>
            SaveAsync(null, context, store, time, ct)).RequireAuthorization(AuthPolicies.Operator)
            .WithMetadata(IcsBody).Produces<CalendarDto>(StatusCodes.Status201Created)
            .Audited(AuditSnapshots.Calendar, AuditActions.Created, null);
        calendars.MapPut("/{name}", (string name, HttpContext context, IBatonStore store, TimeProvider time, CancellationToken ct) =>
            SaveAsync(name, context, store, time, ct)).RequireAuthorization(AuthPolicies.Operator)
            .WithMetadata(IcsBody).Produces<CalendarDto>().Produces<CalendarDto>(StatusCodes.Status201Created)
            .Audited(AuditSnapshots.Calendar, AuditActions.Saved, "name");
        calendars.MapGet("", async (HttpContext context, IBatonStore store, CancellationToken ct) =>
            Results.Ok(new ListResponse<CalendarDto>([.. (await store.Calendars.ListAsync(context.GetCaller().TenantId, ct)).Select(c => c.ToDto())])))
            .RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<CalendarDto>>();
        calendars.MapGet("/{name}", async (string name, HttpContext context, IBatonStore store, CancellationToken ct) =>
            await store.Calendars.GetAsync(context.GetCaller().TenantId, name, ct) is { } calendar
                ? Results.Ok(calendar.ToDto())
                : Problems.NotFound($"Calendar '{name}'")).RequireAuthorization(AuthPolicies.Viewer).Produces<CalendarDto>();
        calendars.MapDelete("/{name}", DeleteAsync).RequireAuthorization(AuthPolicies.Operator).ProducesNoContent().Audited(AuditSnapshots.Calendar, AuditActions.Deleted, "name");
    }

    /// <param name="routeName">The name in the URL for PUT (create or replace); null for POST (create only, name in the body or query).</param>
    private static async Task<IResult> SaveAsync(string? routeName, HttpContext context, IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (request, problem) = await ReadAsync(context.Request, now, ct);
        if (problem is not null) return problem;
        var name = routeName ?? request!.Name?.Trim();
        // An iCalendar file's own name is only a fallback; a JSON body that names another calendar than the URL is a mistake.
        if (routeName is not null && !IsIcs(context.Request) && request!.Name is { } bodyName && bodyName.Trim() != routeName)
        {
            return Problems.Validation($"name '{bodyName}' in the body differs from '{routeName}' in the URL.", "name");
        }
        var tenantId = context.GetCaller().TenantId;
        // ?merge=true (an import's default in the CLI): the file's holidays join the calendar's; the working days and
        // time zone stay unless given. Without it a PUT replaces the whole calendar.
        if (routeName is not null && IsMerge(context.Request) && await store.Calendars.GetAsync(tenantId, routeName, ct) is { } existing)
        {
            request = request! with
            {
                WorkingDays = request.WorkingDays ?? Weekdays.ToText(existing.WorkingDays),
                Holidays = [.. existing.Holidays, .. request.Holidays ?? []],
                TimeZone = string.IsNullOrWhiteSpace(request.TimeZone) ? existing.TimeZone : request.TimeZone,
            };
        }
        if (!Weekdays.TryParseAll(request!.WorkingDays ?? Weekdays.ToText(BusinessCalendar.MondayToFriday), out var days, out var dayReason))
        {
            return Problems.Validation(dayReason!, "workingDays");
        }
        var holidays = request.Holidays ?? [];
        if (holidays.Count > MaxHolidays) return Problems.Validation($"at most {MaxHolidays} holidays.", "holidays");
        var timeZone = string.IsNullOrWhiteSpace(request.TimeZone) ? null : request.TimeZone.Trim();
        var calendar = new BusinessCalendar(name ?? "", days, holidays.ToHashSet(), timeZone);
        if (calendar.Validate() is { } reason)
        {
            var field = reason.StartsWith("name", StringComparison.Ordinal) ? "name" : reason.StartsWith("time zone", StringComparison.Ordinal) ? "timeZone" : "workingDays";
            return Problems.Validation(reason, field);
        }

        var record = new CalendarRecord(tenantId, calendar.Name, [.. days], [.. holidays.Distinct().Order()], timeZone, now, now);
        // The schedules on this calendar get their next fire from the new one in the same transaction.
        DateTimeOffset? NextFire(ScheduleRecord schedule) => ScheduleTimelines.For(schedule, record).NextAfter(now);
        return await store.Calendars.SaveAsync(record, replace: routeName is not null, NextFire, ct) switch
        {
            CalendarWriteResult.Created => Results.Created($"/api/v1/calendars/{record.Name}", (await store.Calendars.GetAsync(tenantId, record.Name, ct))!.ToDto()),
            CalendarWriteResult.Replaced => Results.Ok((await store.Calendars.GetAsync(tenantId, record.Name, ct))!.ToDto()),
            _ => Problems.Conflict($"Calendar '{record.Name}' already exists; PUT /api/v1/calendars/{record.Name} replaces it.", "name"),
        };
    }

    private static async Task<(CalendarRequest? Request, IResult? Problem)> ReadAsync(HttpRequest http, DateTimeOffset now, CancellationToken ct)
    {
        var query = http.Query;
        if (http.ContentLength > MaxBodyBytes) return (null, Problems.Validation($"The body is larger than {MaxBodyBytes} bytes.", "body"));
        if (!IsIcs(http))
        {
            try
            {
                var body = await http.ReadFromJsonAsync<CalendarRequest>(ct);
                return body is null ? (null, Problems.Validation("A JSON body is required.", "body")) : (body, null);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return (null, Problems.Validation($"The body is not a calendar in JSON (or send text/calendar): {ex.Message}", "body"));
            }
        }

        using var reader = new StreamReader(http.Body);
        var text = await reader.ReadToEndAsync(ct);
        if (!IcsHolidayReader.TryRead(text, now.Year + IcsYearsAhead, out var import, out var reason))
        {
            return (null, Problems.Validation($"The iCalendar file was not read: {reason}", "body"));
        }
        string? days = query["workingDays"];
        return (new CalendarRequest(
            query["name"].FirstOrDefault() ?? Slug(import!.CalendarName),
            days is null ? null : days.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            [.. import!.Holidays],
            query["timeZone"].FirstOrDefault()), null);
    }

    private static bool IsMerge(HttpRequest http) => bool.TryParse(http.Query["merge"], out var merge) && merge;

    private static bool IsIcs(HttpRequest http) =>
        (http.ContentType?.StartsWith("text/calendar", StringComparison.OrdinalIgnoreCase) ?? false)
        || string.Equals(http.Query["format"], "ics", StringComparison.OrdinalIgnoreCase);

    /// <summary>A calendar name from an iCalendar X-WR-CALNAME ("German holidays" → "german-holidays").</summary>
    private static string? Slug(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var chars = text.Trim().ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' ? c : '-').ToArray();
        var slug = new string(chars).Trim('-', '.', '_');
        return slug.Length > 63 ? slug[..63] : slug;
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, IBatonStore store, CancellationToken ct) =>
        await store.Calendars.DeleteAsync(context.GetCaller().TenantId, name, ct) switch
        {
            CalendarDeleteResult.Deleted => Results.NoContent(),
            CalendarDeleteResult.InUse => Problems.Conflict($"Calendar '{name}' is used by a schedule; change or delete the schedule first.", "name"),
            _ => Problems.NotFound($"Calendar '{name}'"),
        };
}
