using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton events [--follow] [--type T]…</c>: the tenant's event log, or live events as they happen.</summary>
public static class EventsCommand
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Stream events as they happen (from now on, or after --after)" };
        var types = new Option<string[]>("--type") { Description = "Only this event type (repeatable), e.g. job.failed" };
        var after = new Option<long?>("--after") { Description = "Start after this event id" };
        var limit = new Option<int?>("--limit") { Description = "At most this many events (default 100 listed; unlimited when following)" };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 or > 1000) result.AddError("--limit must be between 1 and 1000.");
        });
        var command = new Command("events", "Your tenant's events: job endings, agents offline/online, quota alerts") { follow, types, after, limit };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var filter = parse.GetValue(types) ?? [];
            var json = globals.IsJson(parse);
            if (!parse.GetValue(follow))
            {
                var page = await api.ListEventsAsync(parse.GetValue(after) ?? 0, filter, parse.GetValue(limit) ?? 100, ct);
                if (json) JsonOutput.Write(context.Out, page);
                else if (page.Items.Count == 0) context.Out.WriteLine("No events.");
                else foreach (var item in page.Items) context.Out.WriteLine(Line(context, item));
                return 0;
            }

            var position = parse.GetValue(after);
            var remaining = parse.GetValue(limit) ?? int.MaxValue;
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await foreach (var item in api.StreamEventsAsync(position, filter, ct))
                    {
                        position = item.Id;
                        if (json) JsonOutput.WriteLine(context.Out, item);
                        else context.Out.WriteLine(Line(context, item));
                        if (--remaining == 0) return 0;
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    break;
                }
                // The connection closed: resume after the last event seen.
                await Task.Delay(context.PollInterval, ct);
            }
            return 0;
        });
    }

    private static string Line(CliContext context, TenantEventDto e) =>
        $"{Humanize.Timestamp(e.CreatedAt, context.Zone)}  #{e.Id.ToString(CultureInfo.InvariantCulture)}  {e.Type,-20}  {e.SubjectId}  {Summary(e)}".TrimEnd();

    private static string Summary(TenantEventDto e)
    {
        string? Text(string name) => e.Data.ValueKind == JsonValueKind.Object && e.Data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return e.Type switch
        {
            _ when e.Type.StartsWith("job.", StringComparison.Ordinal) => $"{Text("package")} {Text("version")} {Output.Humanize.OneLine(Text("error"))}".Trim(),
            _ when e.Type.StartsWith("agent.", StringComparison.Ordinal) => Text("name") ?? "",
            _ => Text("detail") ?? Text("reason") ?? Text("name") ?? "",
        };
    }
}
