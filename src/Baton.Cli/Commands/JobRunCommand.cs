using System.CommandLine;
using Baton.Cli.Inputs;
using Baton.Cli.Jobs;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton job run PACKAGE</c>: submits a job; with <c>--wait</c> or <c>--follow</c> it stays until the job ends
/// and exits 0 only when it succeeded, printing its result JSON.
/// </summary>
public static class JobRunCommand
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var package = CommandActions.RequiredArgument("package", "The package to run");
        var version = new Option<string?>("--version") { Description = "Package version (default: the latest)" };
        var input = new Option<string[]>("--input", "-i")
        {
            Description = "An input as key=value; repeatable. The value is sent as JSON when it is a JSON number, "
                + "true/false, object, array or \"quoted string\", else as the literal text (so name=Ada is the string \"Ada\", "
                + "count=3 the number 3 and id='\"007\"' the string \"007\")",
        };
        var inputsFile = new Option<FileInfo?>("--inputs-file") { Description = "A JSON object of inputs; --input values override its keys" };
        var priority = new Option<int?>("--priority") { Description = "Higher runs first (default: the server's)" };
        var queue = new Option<string?>("--queue", "-q") { Description = "The queue the job enters (default: default)" };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds before the job is stopped as timed_out (default: the package's)" };
        var maxAttempts = new Option<int?>("--max-attempts") { Description = "Attempts including retries (default: the package's)" };
        var cpu = new Option<decimal?>("--cpu") { Description = "CPU cores the job needs on its agent, e.g. 0.5 (default: the package's, else none)" };
        var memory = new Option<long?>("--memory") { Description = "Memory in MB the job needs on its agent (default: the package's, else none)" };
        cpu.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<decimal?>() is <= 0) r.AddError("--cpu must be positive.");
        });
        memory.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long?>() is <= 0) r.AddError("--memory must be positive.");
        });
        var requirement = new Option<string[]>("--requirement", "-r") { Description = "An agent requirement such as os=linux; repeatable" };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Submitting again with the same key returns the first job" };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait for the job to end; exit 0 only if it succeeded and print its result" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Stream the job's logs until it ends, then as --wait" };
        foreach (var positive in new[] { timeout, maxAttempts })
        {
            positive.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int?>() is <= 0) r.AddError($"{r.Option.Name} must be positive.");
            });
        }

        var command = new Command("run", "Submit a job for a package; prints its id unless --wait or --follow")
        {
            package, version, input, inputsFile, priority, queue, timeout, maxAttempts, cpu, memory, requirement, idempotencyKey, wait, follow,
        };
        command.SetAction(async (parse, ct) =>
        {
            // Inputs first: a malformed --input is a usage error even before any server is configured.
            var inputs = JobInputParser.Parse(parse.GetValue(input) ?? [], parse.GetValue(inputsFile));
            var requirements = parse.GetValue(requirement) ?? [];
            var request = new SubmitJobRequest(
                parse.GetValue(package)!,
                parse.GetValue(version),
                inputs.Count == 0 ? null : inputs,
                parse.GetValue(priority),
                parse.GetValue(timeout),
                parse.GetValue(maxAttempts),
                requirements.Length == 0 ? null : requirements,
                parse.GetValue(queue),
                parse.GetValue(cpu),
                parse.GetValue(memory));

            using var api = globals.Connect(parse, context);
            var json = globals.IsJson(parse);
            var job = await api.SubmitJobAsync(request, parse.GetValue(idempotencyKey), ct);
            var following = parse.GetValue(follow);
            if (!following && !parse.GetValue(wait))
            {
                if (json) JsonOutput.Write(context.Out, job);
                else context.Out.WriteLine(job.Id);
                return 0;
            }

            if (!json) context.Error.WriteLine($"Submitted job {job.Id} ({job.Package} {job.Version}).");
            var watcher = new JobWatcher(api, context);
            JobDto ended;
            try
            {
                ended = following ? await watcher.FollowAsync(job.Id, 0, json, ct) : await watcher.WaitAsync(job, json, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                context.Error.WriteLine($"Stopped waiting; job {job.Id} goes on (`baton job cancel {job.Id}` stops it).");
                throw;
            }
            return ReportOutcome(context, ended, json, following);
        });
        return command;
    }

    /// <summary>Succeeded: its result on stdout, exit 0. Anything else: state and error on stderr, exit 1.</summary>
    public static int ReportOutcome(CliContext context, JobDto job, bool json, bool streamedAsNdjson)
    {
        var succeeded = job.State == "succeeded";
        if (json)
        {
            // After a followed NDJSON log stream the final job is one more JSON line; otherwise a document.
            if (streamedAsNdjson) JsonOutput.WriteLine(context.Out, job);
            else JsonOutput.Write(context.Out, job);
        }
        else if (succeeded)
        {
            context.Out.WriteLine(job.Result is { } result ? JsonOutput.Format(result) : "null");
        }
        if (succeeded) return 0;

        // A process that exited 0 did not fail by itself (its result was too large or not JSON): the error says what failed.
        var exit = job.ExitCode is { } code && !(code == 0 && !string.IsNullOrWhiteSpace(job.Error)) ? $", exit code {code}" : "";
        var error = string.IsNullOrWhiteSpace(job.Error) ? "" : $": {job.Error.Trim()}";
        context.Error.WriteLine($"Job {job.Id} {job.State} (attempt {job.Attempt}/{job.MaxAttempts}{exit}){error}");
        return ErrorReporter.Failure;
    }
}
