using System.CommandLine;
using System.Globalization;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton queue create|list|pause|resume</c>: the tenant's named queues.</summary>
public static class QueueCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var queue = new Command("queue", "Named queues of your tenant: priority, concurrency cap, pause");
        queue.Subcommands.Add(CreateCommand(context, globals));
        queue.Subcommands.Add(ListCommand(context, globals));
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
        var command = new Command("create", "Create a queue") { name, priority, maxConcurrency };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var created = await api.CreateQueueAsync(
                new CreateQueueRequest(parse.GetValue(name)!, parse.GetValue(priority), parse.GetValue(maxConcurrency)), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, created);
            else context.Out.WriteLine($"Created queue '{created.Name}' (priority {created.Priority}, {Cap(created)}).");
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
            var table = Tables.Create("NAME", "PRIORITY", "MAX CONCURRENCY", "STATUS", "CREATED");
            foreach (var q in queues.Items)
            {
                table.AddTextRow(
                    q.Name, q.Priority.ToString(CultureInfo.InvariantCulture),
                    q.MaxConcurrency?.ToString(CultureInfo.InvariantCulture) ?? "unlimited",
                    q.Paused ? "paused" : "active", Humanize.Timestamp(q.CreatedAt));
            }
            context.Console.Write(table);
            return 0;
        });

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
}
