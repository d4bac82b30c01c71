using System.CommandLine;
using System.Globalization;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton queue create|list|update|pause|resume</c>: the tenant's named queues.</summary>
public static class QueueCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var queue = new Command("queue", "Named queues of your tenant: priority, concurrency cap, agent groups, reserved capacity, pause");
        queue.Subcommands.Add(CreateCommand(context, globals));
        queue.Subcommands.Add(ListCommand(context, globals));
        queue.Subcommands.Add(UpdateCommand(context, globals));
        queue.Subcommands.Add(PauseCommand(context, globals, pause: true));
        queue.Subcommands.Add(PauseCommand(context, globals, pause: false));
        return queue;
    }

    private static Command CreateCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The queue's name (lower-case letters, digits, '-', '_', '.')");
        var priority = new Option<int?>("--priority") { Description = "Added to each job's priority, -100..100 (default 0)" };
        priority.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < -100 or > 100) result.AddError("--priority must be between -100 and 100.");
        });
        var maxConcurrency = new Option<int?>("--max-concurrency") { Description = "At most this many of its jobs at once (default: no cap)" };
        maxConcurrency.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1) result.AddError("--max-concurrency must be at least 1.");
        });
        var dispatch = new DispatchOptions();
        var command = new Command("create", "Create a queue") { name, priority, maxConcurrency, dispatch.Groups, dispatch.ReservedSlots, dispatch.ReservedMinPriority };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var created = await api.CreateQueueAsync(new CreateQueueRequest(
                parse.GetValue(name)!, parse.GetValue(priority), parse.GetValue(maxConcurrency),
                dispatch.GroupsOf(parse), parse.GetValue(dispatch.ReservedSlots), parse.GetValue(dispatch.ReservedMinPriority)), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, created);
            else context.Out.WriteLine($"Created queue '{created.Name}' (priority {created.Priority}, {Cap(created)}, {Groups(created)}{Reserve(created)}).");
            return 0;
        });
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals) =>
        new Command("list", "List queues").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var queues = await api.ListQueuesAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, queues);
                return 0;
            }
            var table = Tables.Create("NAME", "PRIORITY", "MAX CONCURRENCY", "GROUPS", "RESERVED", "STATUS", "CREATED");
            foreach (var q in queues.Items)
            {
                table.AddTextRow(
                    q.Name, q.Priority.ToString(CultureInfo.InvariantCulture),
                    q.MaxConcurrency?.ToString(CultureInfo.InvariantCulture) ?? "unlimited",
                    q.AgentGroups is { Count: > 0 } groups ? string.Join(",", groups) : "any",
                    q.ReservedSlots > 0 ? $"{q.ReservedSlots} for priority >= {q.ReservedMinPriority}" : "-",
                    q.Paused ? "paused" : "active", Humanize.Timestamp(q.CreatedAt, context.Zone));
            }
            context.Console.Write(table);
            return 0;
        });

    private static Command UpdateCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The queue's name");
        var priority = new Option<int?>("--priority") { Description = "Added to each job's priority, -100..100" };
        var maxConcurrency = new Option<int?>("--max-concurrency") { Description = "At most this many of its jobs at once" };
        var unlimited = new Option<bool>("--unlimited") { Description = "Remove the concurrency cap" };
        var dispatch = new DispatchOptions();
        var command = new Command("update", "Change a queue's priority, cap, agent groups or reserved capacity; omitted settings stay")
        {
            name, priority, maxConcurrency, unlimited, dispatch.Groups, dispatch.ReservedSlots, dispatch.ReservedMinPriority,
        };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var queue = await api.UpdateQueueAsync(parse.GetValue(name)!, new UpdateQueueRequest(
                parse.GetValue(priority), parse.GetValue(maxConcurrency), parse.GetValue(unlimited) ? true : null, null,
                dispatch.GroupsOf(parse), parse.GetValue(dispatch.ReservedSlots), parse.GetValue(dispatch.ReservedMinPriority)), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, queue);
            else context.Out.WriteLine($"Queue '{queue.Name}': priority {queue.Priority}, {Cap(queue)}, {Groups(queue)}{Reserve(queue)}.");
            return 0;
        });
    }

    private static Command PauseCommand(CliContext context, GlobalOptions globals, bool pause)
    {
        var name = CommandActions.RequiredArgument("name", "The queue's name");
        var command = new Command(pause ? "pause" : "resume",
            pause ? "Pause a queue: its pending jobs wait, running ones finish" : "Resume a paused queue") { name };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var queue = pause ? await api.PauseQueueAsync(parse.GetValue(name)!, ct) : await api.ResumeQueueAsync(parse.GetValue(name)!, ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, queue);
            else context.Out.WriteLine(queue.Paused ? $"Queue '{queue.Name}' is paused." : $"Queue '{queue.Name}' is active.");
            return 0;
        });
    }

    private static string Cap(QueueDto queue) =>
        queue.MaxConcurrency is { } max ? $"at most {max} at once" : "no concurrency cap";

    private static string Groups(QueueDto queue) =>
        queue.AgentGroups is { Count: > 0 } groups ? $"served by group(s) {string.Join(", ", groups)}" : "served by any agent group";

    private static string Reserve(QueueDto queue) =>
        queue.ReservedSlots > 0 ? $", {queue.ReservedSlots} of the tenant's slots reserved for priority >= {queue.ReservedMinPriority}" : "";

    /// <summary>The dispatch settings shared by create and update.</summary>
    private sealed class DispatchOptions
    {
        public Option<string?> Groups { get; } = new("--groups") { Description = "Agent groups that serve the queue, comma-separated ('' for any group)" };
        public Option<int?> ReservedSlots { get; } = new("--reserved-slots") { Description = "Of the tenant's concurrency cap, slots held for this queue's high-priority jobs" };
        public Option<int?> ReservedMinPriority { get; } = new("--reserved-min-priority") { Description = "The job priority (-100..100) that may use the reserved slots" };

        public DispatchOptions()
        {
            ReservedSlots.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int?>() is < 0) r.AddError("--reserved-slots must be zero or more.");
            });
            ReservedMinPriority.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int?>() is < -100 or > 100) r.AddError("--reserved-min-priority must be between -100 and 100.");
            });
        }

        public IReadOnlyList<string>? GroupsOf(ParseResult parse) =>
            parse.GetValue(Groups) is { } text
                ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : null;
    }
}
