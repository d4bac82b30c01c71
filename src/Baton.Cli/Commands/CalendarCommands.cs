using System.CommandLine;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton calendar create|list|show|import|delete</c>: business calendars for schedules.</summary>
public static class CalendarCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var calendar = new Command("calendar", "Business calendars: working weekdays and holidays, for schedules");
        calendar.Subcommands.Add(CreateCommand(context, globals));
        calendar.Subcommands.Add(ListCommand(context, globals));
        calendar.Subcommands.Add(ShowCommand(context, globals));
        calendar.Subcommands.Add(ImportCommand(context, globals));
        calendar.Subcommands.Add(DeleteCommand(context, globals));
        return calendar;
    }

    private static Option<string?> WorkingDaysOption() =>
        new("--working-days") { Description = "Comma-separated weekdays, e.g. mon,tue,wed,thu,fri (the default)" };

    private static Option<string?> TimeZoneOption() =>
        new("--tz", "--time-zone") { Description = "The calendar's own IANA time zone (default: each schedule's)" };

    private static IReadOnlyList<string>? Days(string? text) =>
        text is null ? null : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Command CreateCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The calendar's name");
        var days = WorkingDaysOption();
        var holidays = new Option<string[]>("--holiday") { Description = "A holiday date, yyyy-MM-dd (repeatable)" };
        var zone = TimeZoneOption();
        var command = new Command("create", "Create a calendar") { name, days, holidays, zone };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var dates = new List<DateOnly>();
            foreach (var text in parse.GetValue(holidays) ?? [])
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date))
                {
                    throw new UsageException($"--holiday '{text}' is not a date like 2025-12-25.");
                }
                dates.Add(date);
            }
            var created = await api.CreateCalendarAsync(new CalendarRequest(parse.GetValue(name), Days(parse.GetValue(days)), dates, parse.GetValue(zone)), ct);
            return Print(context, globals, parse, created, "Created");
        });
    }

    private static Command ImportCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The calendar's name (created, or its holidays added to when it exists)");
        var file = new Argument<FileInfo>("file") { Description = "An iCalendar (.ics) file; its events become holidays" };
        var days = WorkingDaysOption();
        var zone = TimeZoneOption();
        var replace = new Option<bool>("--replace")
        {
            Description = "Replace an existing calendar with the file's holidays (and the default working days and zone unless given), instead of adding to it",
        };
        var command = new Command("import", "Add an iCalendar file's events to a calendar as holidays (created when missing)") { name, file, days, zone, replace };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) throw new UsageException($"file '{path.FullName}' does not exist.");
            var ics = await File.ReadAllTextAsync(path.FullName, ct);
            var calendarName = parse.GetValue(name)!;
            var before = await TryGetCalendarAsync(api, calendarName, ct);
            var imported = await api.ImportCalendarAsync(calendarName, ics, Days(parse.GetValue(days)), parse.GetValue(zone), merge: !parse.GetValue(replace), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, imported);
            else context.Out.WriteLine(DescribeImport(before, imported));
            return 0;
        });
    }

    private static async Task<CalendarDto?> TryGetCalendarAsync(Http.BatonApiClient api, string name, CancellationToken ct)
    {
        try
        {
            return await api.GetCalendarAsync(name, ct);
        }
        catch (Http.BatonApiException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>What an import changed: holidays added and removed, working days and zone when they changed.</summary>
    public static string DescribeImport(CalendarDto? before, CalendarDto after)
    {
        if (before is null)
            return $"Created calendar '{after.Name}' from the file: {after.Holidays.Count} holiday(s), {string.Join(',', after.WorkingDays)}, time zone {after.TimeZone ?? "(each schedule's)"}.";
        var added = after.Holidays.Except(before.Holidays).Count();
        var removed = before.Holidays.Except(after.Holidays).Count();
        var changes = new List<string> { $"{added} holiday(s) added" };
        if (removed > 0) changes.Add($"{removed} removed");
        changes.Add($"{after.Holidays.Count} in all");
        if (!before.WorkingDays.SequenceEqual(after.WorkingDays)) changes.Add($"working days {string.Join(',', before.WorkingDays)} -> {string.Join(',', after.WorkingDays)}");
        if (before.TimeZone != after.TimeZone) changes.Add($"time zone {before.TimeZone ?? "(each schedule's)"} -> {after.TimeZone ?? "(each schedule's)"}");
        else changes.Add($"time zone {after.TimeZone ?? "(each schedule's)"} kept");
        return $"Updated calendar '{after.Name}': {string.Join(", ", changes)}.";
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals) =>
        new Command("list", "List calendars").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var calendars = await api.ListCalendarsAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, calendars);
                return 0;
            }
            var table = Tables.Create("NAME", "WORKING DAYS", "HOLIDAYS", "TIME ZONE", "UPDATED");
            foreach (var c in calendars.Items)
            {
                table.AddTextRow(c.Name, string.Join(',', c.WorkingDays), c.Holidays.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    c.TimeZone ?? "(schedule's)", Humanize.Timestamp(c.UpdatedAt, context.Zone));
            }
            context.Console.Write(table);
            return 0;
        });

    private static Command ShowCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The calendar's name");
        return new Command("show", "Show a calendar with its holidays") { name }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var c = await api.GetCalendarAsync(parse.GetValue(name)!, ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, c);
                return 0;
            }
            context.Console.Write(Tables.Details(
            [
                ("Name", c.Name), ("Working days", string.Join(',', c.WorkingDays)), ("Time zone", c.TimeZone ?? "(each schedule's)"),
                ("Holidays", c.Holidays.Count == 0 ? "none" : string.Join(' ', c.Holidays.Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))),
            ]));
            return 0;
        });
    }

    private static Command DeleteCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The calendar's name");
        return new Command("delete", "Delete a calendar no schedule uses") { name }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            await api.DeleteCalendarAsync(parse.GetValue(name)!, ct);
            context.Out.WriteLine($"Deleted calendar '{parse.GetValue(name)}'.");
            return 0;
        });
    }

    private static int Print(CliContext context, GlobalOptions globals, ParseResult parse, CalendarDto calendar, string verb)
    {
        if (globals.IsJson(parse)) JsonOutput.Write(context.Out, calendar);
        else context.Out.WriteLine($"{verb} calendar '{calendar.Name}': {string.Join(',', calendar.WorkingDays)}, {calendar.Holidays.Count} holiday(s).");
        return 0;
    }
}
