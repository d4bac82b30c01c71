using System.CommandLine;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton workitem trigger set|show|delete</c>: start jobs of a package while a queue's items wait.</summary>
public static class WorkItemTriggerCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var command = new Command("trigger", "A queue's trigger: while items wait, the server keeps up to N jobs of a package working the queue");
        command.Subcommands.Add(SetCommand(context, globals));
        command.Subcommands.Add(ShowCommand(context, globals));
        command.Subcommands.Add(DeleteCommand(context, globals));
        return command;
    }

    private static Command SetCommand(CliContext context, GlobalOptions globals)
    {
        var queue = CommandActions.RequiredArgument("queue", "The work-item queue (it may hold no items yet)");
        var package = new Option<string>("--package") { Description = "The package whose jobs consume the queue", Required = true };
        var version = new Option<string?>("--version") { Description = "A version of it (default: the latest when each job starts)" };
        var maxJobs = new Option<int?>("--max-jobs") { Description = "At most this many of its jobs active at once (1-100, default 1)" };
        var minItems = new Option<int?>("--min-items") { Description = "Start jobs only once this many items wait (1-10000, default 1)" };
        var command = new Command("set", "Create or change the queue's trigger") { queue, package, version, maxJobs, minItems };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var trigger = await api.SetWorkItemTriggerAsync(parse.GetValue(queue)!,
                new SetWorkItemTriggerRequest(parse.GetValue(package), parse.GetValue(version), parse.GetValue(maxJobs), parse.GetValue(minItems)), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, trigger);
            else context.Out.WriteLine($"Work-item queue '{trigger.Queue}' starts up to {trigger.MaxJobs} job(s) of {Package(trigger)} " +
                $"while at least {trigger.MinItems} item(s) wait.");
            return 0;
        });
    }

    private static Command ShowCommand(CliContext context, GlobalOptions globals)
    {
        var queue = CommandActions.RequiredArgument("queue", "The work-item queue");
        var command = new Command("show", "Show the queue's trigger, its active jobs and its last refusal") { queue };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var trigger = await api.GetWorkItemTriggerAsync(parse.GetValue(queue)!, ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, trigger);
                return 0;
            }
            var o = context.Out;
            o.WriteLine($"Queue        {trigger.Queue}");
            o.WriteLine($"Package      {Package(trigger)}");
            o.WriteLine($"Jobs         up to {trigger.MaxJobs} while at least {trigger.MinItems} item(s) wait");
            o.WriteLine($"Active       {(trigger.ActiveJobs.Count == 0 ? "none" : string.Join(", ", trigger.ActiveJobs))}");
            o.WriteLine($"Last start   {(trigger.LastStartedAt is null ? "never" : Humanize.Timestamp(trigger.LastStartedAt, context.Zone))}");
            if (trigger.LastError is { } error) o.WriteLine($"Last error   {error} ({Humanize.Timestamp(trigger.LastErrorAt, context.Zone)})");
            return 0;
        });
    }

    private static Command DeleteCommand(CliContext context, GlobalOptions globals)
    {
        var queue = CommandActions.RequiredArgument("queue", "The work-item queue");
        var command = new Command("delete", "Remove the queue's trigger (the jobs it started run on)") { queue };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var name = parse.GetValue(queue)!;
            await api.DeleteWorkItemTriggerAsync(name, ct);
            context.Out.WriteLine($"Removed the trigger of work-item queue '{name}'.");
            return 0;
        });
    }

    private static string Package(WorkItemTriggerDto trigger) => trigger.Version is null ? $"{trigger.Package} (latest)" : $"{trigger.Package} {trigger.Version}";
}
