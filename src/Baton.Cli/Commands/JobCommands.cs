using System.CommandLine;
using Baton.Cli.Http;
using Baton.Cli.Jobs;
using Baton.Cli.Output;
using Baton.Core.Api;
using Baton.Core.Jobs;

namespace Baton.Cli.Commands;

/// <summary><c>baton job run|run-many|list|show|logs|cancel|retry|priority|events|why|artifacts|download</c>.</summary>
public static class JobCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var job = new Command("job", "Jobs: run packages, watch them, read their logs");
        job.Subcommands.Add(JobRunCommand.Create(context, globals));
        job.Subcommands.Add(JobRunManyCommand.Create(context, globals));
        job.Subcommands.Add(ListCommand(context, globals));
        job.Subcommands.Add(ShowCommand(context, globals));
        job.Subcommands.Add(LogsCommand(context, globals));
        job.Subcommands.Add(CancelCommand(context, globals));
        job.Subcommands.Add(JobRetryCommand.Create(context, globals));
        job.Subcommands.Add(PriorityCommand(context, globals));
        job.Subcommands.Add(EventsCommand(context, globals));
        job.Subcommands.Add(WhyCommand(context, globals));
        job.Subcommands.Add(JobArtifactCommands.List(context, globals));
        job.Subcommands.Add(JobArtifactCommands.Download(context, globals));
        return job;
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals)
    {
        var state = new Option<string?>("--state", "-s") { Description = "Only jobs in this state" };
        state.AcceptOnlyFromAmong(JobStates.All.Select(s => s.ToText()).ToArray());
        var package = new Option<string?>("--package", "-p") { Description = "Only jobs of this package" };
        var queue = new Option<string?>("--queue", "-q") { Description = "Only jobs of this queue" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only jobs submitted at or after this time (ISO 8601)" };
        var limit = new Option<int?>("--limit", "-n") { Description = "Jobs per page (the server caps it)" };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is <= 0) r.AddError("--limit must be positive.");
        });
        var cursor = new Option<string?>("--cursor") { Description = "Continue from a previous page's cursor" };
        var all = new Option<bool>("--all") { Description = "Fetch every page, not just the first" };
        var command = new Command("list", "List jobs, newest first") { state, package, queue, since, limit, cursor, all };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var query = new JobQuery(parse.GetValue(state), parse.GetValue(package), parse.GetValue(since), parse.GetValue(cursor), parse.GetValue(limit),
                parse.GetValue(queue));
            var jobs = new List<JobDto>();
            string? next;
            do
            {
                var page = await api.ListJobsAsync(query, ct);
                jobs.AddRange(page.Items);
                next = page.NextCursor;
                query = query with { Cursor = next };
            }
            while (parse.GetValue(all) && next is not null);

            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, new ListResponse<JobDto>(jobs, next));
                return 0;
            }
            if (jobs.Count == 0) context.Out.WriteLine("No jobs.");
            else JobPrinter.PrintList(context, jobs);
            if (next is not null) context.Error.WriteLine($"More jobs: pass --all, or --cursor {next} for the next page.");
            return 0;
        });
    }

    private static Command ShowCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The job's id");
        var command = new Command("show", "Show a job's state, timestamps, inputs, result and error") { id };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var job = await api.GetJobAsync(parse.GetValue(id)!, ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, job);
            else JobPrinter.PrintDetails(context, job);
            return 0;
        });
    }

    private static Command LogsCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The job's id");
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming new lines until the job ends" };
        var after = new Option<long>("--after") { Description = "Only lines after this sequence number", DefaultValueFactory = _ => 0 };
        var command = new Command("logs", "Print a job's stdout and stderr lines (--json: one JSON line per log line)") { id, follow, after };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var json = globals.IsJson(parse);
            var watcher = new JobWatcher(api, context);
            if (!parse.GetValue(follow))
            {
                await watcher.DrainAsync(parse.GetValue(id)!, parse.GetValue(after), json, ct);
                return 0;
            }
            var ended = await watcher.FollowAsync(parse.GetValue(id)!, parse.GetValue(after), json, ct);
            if (!json) context.Error.WriteLine($"Job {ended.Id} ended: {ended.State}.");
            return 0;
        });
    }

    private static Command CancelCommand(CliContext context, GlobalOptions globals)
    {
        var ids = new Argument<string[]>("id") { Description = "The ids of the jobs to cancel", Arity = ArgumentArity.OneOrMore };
        var command = new Command("cancel", "Cancel jobs: pending ends at once, running is stopped on its agent") { ids };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            // Each id on its own: one that fails (unknown, already ended) is reported and the others are still cancelled.
            var failed = 0;
            var cancelled = new List<JobDto>();
            foreach (var jobId in parse.GetValue(ids)!)
            {
                JobDto job;
                try
                {
                    job = await api.CancelJobAsync(jobId, ct);
                }
                catch (Http.BatonApiException e)
                {
                    failed++;
                    context.Error.WriteLine($"error: job {jobId}: {e.Message}");
                    continue;
                }
                cancelled.Add(job);
                if (globals.IsJson(parse)) continue;
                if (JobWatcher.IsTerminal(job)) context.Out.WriteLine($"Job {job.Id} is {job.State}.");
                else context.Out.WriteLine($"Cancel requested for job {job.Id} (now {job.State}); its agent stops it shortly.");
            }
            if (globals.IsJson(parse))
            {
                if (parse.GetValue(ids)!.Length == 1 && cancelled.Count == 1) JsonOutput.Write(context.Out, cancelled[0]);
                else JsonOutput.Write(context.Out, cancelled);
            }
            return failed == 0 ? 0 : ErrorReporter.Failure;
        });
    }

    private static Command PriorityCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The job's id");
        var priority = new Argument<int>("priority") { Description = "The new priority, -100..100 (higher runs first)" };
        priority.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < -100 or > 100) r.AddError("priority must be between -100 and 100.");
        });
        var command = new Command("priority", "Change a pending job's priority") { id, priority };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var job = await api.ChangeJobPriorityAsync(parse.GetValue(id)!, parse.GetValue(priority), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, job);
            else context.Out.WriteLine($"Job {job.Id} now has priority {job.Priority}.");
            return 0;
        });
    }

    private static Command EventsCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The job's id");
        var command = new Command("events", "Show a job's timeline: every state change and attempt") { id };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var events = await api.ListJobEventsAsync(parse.GetValue(id)!, ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, events);
            else JobPrinter.PrintEvents(context, events.Items);
            return 0;
        });
    }

    private static Command WhyCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The job's id");
        var command = new Command("why", "Explain why a job is waiting (or what it is doing)") { id };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var why = await api.WhyJobAsync(parse.GetValue(id)!, ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, why);
                return 0;
            }
            context.Out.WriteLine($"Job {why.JobId} is {why.State}.");
            foreach (var reason in why.Reasons) context.Out.WriteLine($"  - {reason}");
            return 0;
        });
    }
}
