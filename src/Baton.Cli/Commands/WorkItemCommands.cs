using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton workitem add|list|show|stats|trigger</c>: the tenant's work-item queues.</summary>
public static class WorkItemCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var command = new Command("workitem", "Work-item queues: items a job claims one at a time (done, failed, retried), with counts and history");
        command.Subcommands.Add(AddCommand(context, globals));
        command.Subcommands.Add(ListCommand(context, globals));
        command.Subcommands.Add(ShowCommand(context, globals));
        command.Subcommands.Add(StatsCommand(context, globals));
        command.Subcommands.Add(WorkItemTriggerCommands.Create(context, globals));
        return command;
    }

    private static Command AddCommand(CliContext context, GlobalOptions globals)
    {
        var queue = CommandActions.RequiredArgument("queue", "The work-item queue (created by its first item)");
        var file = new Option<string>("--file")
        {
            Description = "A JSON Lines file, one item per line: {\"payload\":…,\"reference\":\"INV-1\",\"priority\":0,\"deadline\":\"2026-12-24T12:00:00Z\",\"maxAttempts\":3}; - reads standard input",
            Required = true,
        };
        var command = new Command("add", "Add items from a JSON Lines file, up to 1,000 per request (each request all or none)") { queue, file };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var path = parse.GetValue(file)!;
            var items = await ReadAsync(context, path, ct);
            if (items.Count == 0) throw new UsageException($"{path} holds no items.");
            var name = parse.GetValue(queue)!;
            var added = new List<WorkItemDto>(items.Count);
            for (var start = 0; start < items.Count; start += AddWorkItemsRequest.MaxItems)
            {
                try
                {
                    var answer = await api.AddWorkItemsAsync(name, new AddWorkItemsRequest([.. items.Skip(start).Take(AddWorkItemsRequest.MaxItems)]), ct);
                    added.AddRange(answer.Items);
                }
                catch (Http.BatonApiException) when (start > 0)
                {
                    context.Error.WriteLine($"{added.Count} item(s) were added before this refusal (lines 1 to {start}); lines from {start + 1} on were not.");
                    throw;
                }
            }
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, new AddWorkItemsResponse(added));
            else context.Out.WriteLine($"Added {added.Count} item(s) to work-item queue '{name}'.");
            return 0;
        });
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals)
    {
        var queue = CommandActions.RequiredArgument("queue", "The work-item queue");
        var state = new Option<string?>("--state") { Description = "Only items in this state: pending, in_progress, done, failed" };
        state.AcceptOnlyFromAmong("pending", "in_progress", "done", "failed");
        var limit = new Option<int>("--limit") { Description = "At most this many items (1-1000)", DefaultValueFactory = _ => 100 };
        var after = new Option<string?>("--after") { Description = "Items after this id (the previous page's last)" };
        var command = new Command("list", "List a queue's items, oldest first") { queue, state, limit, after };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var page = await api.ListWorkItemsAsync(parse.GetValue(queue)!, parse.GetValue(state), parse.GetValue(limit), parse.GetValue(after), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, page);
                return 0;
            }
            var table = Tables.Create("ID", "REFERENCE", "STATE", "PRIORITY", "ATTEMPTS", "DEADLINE", "CREATED", "ERROR");
            foreach (var item in page.Items)
            {
                table.AddTextRow(item.Id, item.Reference ?? "-", State(item), item.Priority.ToString(CultureInfo.InvariantCulture),
                    $"{item.Attempts}/{item.MaxAttempts}", item.Deadline is null ? "-" : Humanize.Timestamp(item.Deadline, context.Zone) + (item.SlaMissed ? " (missed)" : ""),
                    Humanize.Timestamp(item.CreatedAt, context.Zone), Humanize.OneLine(item.Error, 60) ?? "");
            }
            context.Console.Write(table);
            if (page.NextCursor is { } next) context.Out.WriteLine($"More: --after {next}");
            return 0;
        });
    }

    private static Command ShowCommand(CliContext context, GlobalOptions globals)
    {
        var queue = CommandActions.RequiredArgument("queue", "The work-item queue");
        var id = CommandActions.RequiredArgument("id", "The item's id");
        var command = new Command("show", "Show one item with its payload, output and history") { queue, id };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var item = await api.GetWorkItemAsync(parse.GetValue(queue)!, parse.GetValue(id)!, ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, item);
                return 0;
            }
            var o = context.Out;
            o.WriteLine($"Item      {item.Id} ({item.Queue}{(item.Reference is null ? "" : ", reference " + item.Reference)})");
            o.WriteLine($"State     {State(item)}, attempt {item.Attempts} of {item.MaxAttempts}, priority {item.Priority}");
            if (item.Deadline is { } deadline) o.WriteLine($"Deadline  {Humanize.Timestamp(deadline, context.Zone)}{(item.SlaMissed ? " (missed)" : "")}");
            o.WriteLine($"Payload   {item.Payload.GetRawText()}");
            if (item.Output is { } output) o.WriteLine($"Output    {output.GetRawText()}");
            if (item.Error is { } error) o.WriteLine($"Error     {error}");
            o.WriteLine("History");
            foreach (var step in item.History ?? [])
            {
                o.WriteLine($"  {Humanize.Timestamp(step.At, context.Zone)}  {step.Type,-13} attempt {step.Attempt}{(step.JobId is null ? "" : "  job " + step.JobId)}{(step.Detail is null ? "" : "  " + step.Detail)}");
            }
            return 0;
        });
    }

    private static Command StatsCommand(CliContext context, GlobalOptions globals)
    {
        var queue = CommandActions.OptionalArgument("queue", "One queue (default: every queue)");
        var command = new Command("stats", "Counts per queue: waiting, in progress, done, failed (business), SLA misses, retries") { queue };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var name = parse.GetValue(queue);
            IReadOnlyList<WorkItemQueueDto> queues = name is null ? (await api.ListWorkItemQueuesAsync(ct)).Items : [await api.GetWorkItemQueueAsync(name, ct)];
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, new ListResponse<WorkItemQueueDto>(queues));
                return 0;
            }
            var table = Tables.Create("QUEUE", "PENDING", "IN PROGRESS", "DONE", "FAILED", "BUSINESS", "SLA MISSED", "RETRIES", "OLDEST WAITING");
            foreach (var q in queues)
            {
                table.AddTextRow(q.Name, N(q.Pending), N(q.InProgress), N(q.Done), N(q.Failed), N(q.BusinessFailures), N(q.SlaMissed), N(q.Retries),
                    q.OldestPendingAt is null ? "-" : Humanize.Timestamp(q.OldestPendingAt, context.Zone));
            }
            context.Console.Write(table);
            return 0;
        });
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string State(WorkItemDto item) =>
        item.State == "failed" && item.FailureKind is { } kind ? $"failed ({kind})" : item.State;

    private static async Task<List<NewWorkItemRequest>> ReadAsync(CliContext context, string path, CancellationToken ct)
    {
        TextReader reader;
        if (path == "-")
        {
            reader = context.In;
        }
        else
        {
            if (!File.Exists(path)) throw new UsageException($"No such file: {path}");
            reader = new StreamReader(path);
        }
        try
        {
            var items = new List<NewWorkItemRequest>();
            var number = 0;
            while (await reader.ReadLineAsync(ct) is { } text)
            {
                number++;
                if (string.IsNullOrWhiteSpace(text)) continue;
                try
                {
                    items.Add(JsonSerializer.Deserialize(text, BatonJson.Lines.InfoOf<NewWorkItemRequest>())
                        ?? throw new JsonException("the line is null"));
                }
                catch (JsonException ex)
                {
                    throw new UsageException($"{path} line {number} is not a work item ({{\"payload\":…,\"reference\":…}}): {ex.Message} Nothing was sent.");
                }
            }
            return items;
        }
        finally
        {
            if (path != "-") reader.Dispose();
        }
    }
}
