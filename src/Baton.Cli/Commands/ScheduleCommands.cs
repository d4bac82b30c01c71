using System.CommandLine;
using System.Globalization;
using Baton.Cli.Inputs;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton schedule create|list|show|pause|resume|next|delete</c>: cron schedules that submit jobs.</summary>
public static class ScheduleCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var schedule = new Command("schedule", "Schedules: run a package on a cron in a time zone, optionally on business days only");
        schedule.Subcommands.Add(CreateCommand(context, globals));
        schedule.Subcommands.Add(ListCommand(context, globals));
        schedule.Subcommands.Add(ShowCommand(context, globals));
        schedule.Subcommands.Add(PauseCommand(context, globals, pause: true));
        schedule.Subcommands.Add(PauseCommand(context, globals, pause: false));
        schedule.Subcommands.Add(NextCommand(context, globals));
        schedule.Subcommands.Add(DeleteCommand(context, globals));
        return schedule;
    }

    private static Command CreateCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The schedule's name (lower-case letters, digits, '-', '_', '.')");
        var cron = new Option<string>("--cron") { Description = "Cron: 5 fields, or 6 with seconds first ('*/2 * * * * *')", Required = true };
        var package = new Option<string>("--package") { Description = "The package to run", Required = true };
        var version = new Option<string?>("--version") { Description = "Pin a version (default: the latest at fire time)" };
        var zone = new Option<string?>("--tz", "--time-zone") { Description = "IANA time zone (default UTC)" };
        var input = new Option<string[]>("--input") { Description = "An input as key=value (repeatable; values are JSON when they parse)", AllowMultipleArgumentsPerToken = false };
        var queue = new Option<string?>("--queue") { Description = "The queue its jobs enter (default: default)" };
        var priority = new Option<int?>("--priority") { Description = "Job priority, -100..100" };
        var calendar = new Option<string?>("--calendar") { Description = "A business calendar of your tenant" };
        var calendarMode = new Option<string?>("--calendar-mode") { Description = "business-days-only (default with --calendar), next-business-day, previous-business-day" };
        var concurrency = new Option<string?>("--concurrency") { Description = "While the previous run is active: allow (default), skip, queue-one, cancel-previous" };
        var misfire = new Option<string?>("--misfire") { Description = "After downtime: fire-once-now (default), skip-to-next, catch-up" };
        var catchUp = new Option<string?>("--catch-up-window") { Description = "For catch-up: how far back missed fires are made up (PT1H, 30m; default 1h)" };
        var autoPause = new Option<int?>("--auto-pause-after") { Description = "Pause after this many failed runs in a row (default 5, 0 never)" };
        var paused = new Option<bool>("--paused") { Description = "Create it paused" };
        var command = new Command("create", "Create a schedule")
        {
            name, cron, package, version, zone, input, queue, priority, calendar, calendarMode, concurrency, misfire, catchUp, autoPause, paused,
        };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var inputs = JobInputParser.Parse(parse.GetValue(input) ?? []);
            var created = await api.CreateScheduleAsync(new CreateScheduleRequest(
                parse.GetValue(name)!, parse.GetValue(cron)!, parse.GetValue(package)!, parse.GetValue(zone), parse.GetValue(version),
                inputs.Count > 0 ? inputs : null, parse.GetValue(queue), parse.GetValue(priority), parse.GetValue(calendar), parse.GetValue(calendarMode),
                parse.GetValue(concurrency), parse.GetValue(misfire), parse.GetValue(catchUp), parse.GetValue(autoPause),
                parse.GetValue(paused) ? true : null), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, created);
            else context.Out.WriteLine($"Created schedule '{created.Name}' ({created.Id}); next fire {NextText(created)}.");
            return 0;
        });
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals) =>
        new Command("list", "List schedules").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var schedules = await api.ListSchedulesAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, schedules);
                return 0;
            }
            var table = Tables.Create("NAME", "CRON", "TIME ZONE", "PACKAGE", "STATUS", "NEXT FIRE", "ID");
            foreach (var s in schedules.Items)
            {
                table.AddTextRow(s.Name, s.Cron, s.TimeZone, s.Package + "@" + (s.Version ?? "latest"),
                    s.Paused ? "paused" : "active", NextText(s), s.Id);
            }
            context.Console.Write(table);
            return 0;
        });

    private static Command ShowCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("schedule", "The schedule's id or name");
        return new Command("show", "Show a schedule") { id }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var s = await api.GetScheduleAsync(parse.GetValue(id)!, ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, s);
                return 0;
            }
            context.Console.Write(Tables.Details(
            [
                ("Id", s.Id), ("Name", s.Name), ("Cron", s.Cron), ("Time zone", s.TimeZone),
                ("Package", s.Package + "@" + (s.Version ?? "latest")), ("Inputs", s.Inputs.GetRawText()),
                ("Queue", s.Queue), ("Priority", s.Priority.ToString(CultureInfo.InvariantCulture)),
                ("Calendar", s.Calendar is null ? null : $"{s.Calendar} ({s.CalendarMode})"),
                ("Concurrency", s.ConcurrencyPolicy), ("Misfire", s.MisfirePolicy + (s.MisfirePolicy == "catch-up" ? $" within {s.CatchUpWindow}" : "")),
                ("Status", s.Paused ? $"paused: {s.PauseReason}" : "active"),
                ("Failures in a row", $"{s.ConsecutiveFailures} (pauses at {s.AutoPauseAfter})"),
                ("Next fire", NextText(s)), ("Last fire", s.LastFireAt is null ? null : Humanize.InZone(s.LastFireAt, s.TimeZone)), ("Last job", s.LastJobId),
            ]));
            return 0;
        });
    }

    private static Command PauseCommand(CliContext context, GlobalOptions globals, bool pause)
    {
        var id = CommandActions.RequiredArgument("schedule", "The schedule's id or name");
        var command = new Command(pause ? "pause" : "resume", pause ? "Pause a schedule" : "Resume a paused schedule (missed fires are not made up)") { id };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var s = pause ? await api.PauseScheduleAsync(parse.GetValue(id)!, ct) : await api.ResumeScheduleAsync(parse.GetValue(id)!, ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, s);
            else context.Out.WriteLine(s.Paused ? $"Schedule '{s.Name}' is paused." : $"Schedule '{s.Name}' is active; next fire {NextText(s)}.");
            return 0;
        });
    }

    private static Command NextCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("schedule", "The schedule's id or name");
        var count = new Option<int>("--count", "-n") { Description = "How many fires, 1..100", DefaultValueFactory = _ => 5 };
        count.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 100) result.AddError("--count must be between 1 and 100.");
        });
        return new Command("next", "The schedule's next fire times, with its calendar applied") { id, count }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var fires = await api.NextFiresAsync(parse.GetValue(id)!, parse.GetValue(count), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, fires);
                return 0;
            }
            var zone = TimeZoneInfo.FindSystemTimeZoneById(fires.TimeZone);
            foreach (var fire in fires.Fires)
            {
                var local = TimeZoneInfo.ConvertTime(fire, zone);
                context.Out.WriteLine($"{fire.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  ({local:yyyy-MM-dd HH:mm:ss zzz} {fires.TimeZone})");
            }
            return 0;
        });
    }

    private static Command DeleteCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("schedule", "The schedule's id or name");
        return new Command("delete", "Delete a schedule (its jobs stay)") { id }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            await api.DeleteScheduleAsync(parse.GetValue(id)!, ct);
            context.Out.WriteLine($"Deleted schedule '{parse.GetValue(id)}'.");
            return 0;
        });
    }

    /// <summary>A schedule's times read in its own zone, where its cron is evaluated, and in UTC.</summary>
    private static string NextText(ScheduleDto s) => s.Paused ? "none (paused)" : s.NextFireAt is { } next ? Humanize.InZone(next, s.TimeZone) : "none";
}
