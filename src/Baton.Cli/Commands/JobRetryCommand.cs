using System.CommandLine;
using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton job retry ID</c>: a new job with the same package, version, inputs, queue, priority, limits and
/// resources as the given one (which is left as it is), e.g. after fixing what made it fail.
/// </summary>
public static class JobRetryCommand
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The job to run again");
        var command = new Command("retry", "Submit a new job with the same package, version and inputs as a finished one") { id };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var old = await api.GetJobAsync(parse.GetValue(id)!, ct);
            if (old.InputsOmitted)
                throw new CliException($"job {old.Id}'s inputs were too large to be kept with it, so it cannot be submitted again as it was.");
            var request = new SubmitJobRequest(
                old.Package, old.Version, old.Inputs.Deserialize(BatonJson.Wire.InfoOf<Dictionary<string, JsonElement>>()), old.Priority, old.TimeoutSeconds,
                old.MaxAttempts, old.Requirements, old.Queue, old.Cpu, old.MemoryMb);
            var created = await api.SubmitJobAsync(request, null, ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, created);
            else context.Out.WriteLine(created.Id);
            if (!globals.IsJson(parse)) context.Error.WriteLine($"Submitted {created.Id}: {created.Package} {created.Version} again, as job {old.Id} ran.");
            return 0;
        });
    }
}
