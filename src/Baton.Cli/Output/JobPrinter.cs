using Baton.Core.Api;

namespace Baton.Cli.Output;

/// <summary>Jobs and their timelines for people.</summary>
public static class JobPrinter
{
    public static void PrintList(CliContext context, IReadOnlyList<JobDto> jobs)
    {
        var now = context.Time.GetUtcNow();
        var table = Tables.Create("ID", "PACKAGE", "VERSION", "STATE", "ATTEMPT", "SUBMITTED", "DURATION", "AGENT");
        foreach (var j in jobs)
        {
            table.AddTextRow(j.Id, j.Package, j.Version, j.State, $"{j.Attempt}/{j.MaxAttempts}",
                Humanize.Ago(j.SubmittedAt, now), Humanize.Elapsed(j.StartedAt, j.FinishedAt, now), j.AgentId);
        }
        context.Console.Write(table);
    }

    public static void PrintDetails(CliContext context, JobDto job)
    {
        var now = context.Time.GetUtcNow();
        var progress = job.Progress is { } p ? $"{(p.Percent is { } pc ? $"{pc:0}% " : "")}{p.Message}".Trim() : null;
        context.Console.Write(Tables.Details(
        [
            ("Id", job.Id),
            ("Package", $"{job.Package} {job.Version}"),
            ("State", job.CancelRequested && !IsEnded(job) ? job.State + " (cancel requested)" : job.State),
            ("Attempt", $"{job.Attempt} of {job.MaxAttempts}"),
            ("Priority", job.Priority.ToString()),
            ("Timeout", Humanize.Duration(TimeSpan.FromSeconds(job.TimeoutSeconds))),
            ("Requirements", job.Requirements.Count == 0 ? null : string.Join(", ", job.Requirements)),
            ("Agent", job.AgentId),
            ("Submitted", Humanize.Timestamp(job.SubmittedAt, context.Zone)),
            ("Not before", job.NotBefore is null ? null : Humanize.Timestamp(job.NotBefore, context.Zone)),
            ("Assigned", Humanize.Timestamp(job.AssignedAt, context.Zone)),
            ("Started", Humanize.Timestamp(job.StartedAt, context.Zone)),
            ("Finished", Humanize.Timestamp(job.FinishedAt, context.Zone)),
            ("Duration", Humanize.Elapsed(job.StartedAt, job.FinishedAt, now)),
            ("Progress", progress),
            ("Exit code", job.ExitCode?.ToString()),
            ("Error", job.Error),
        ]));
        context.Out.WriteLine("Inputs:");
        context.Out.WriteLine(JsonOutput.Format(job.Inputs));
        if (job.Result is { } result)
        {
            context.Out.WriteLine("Result:");
            context.Out.WriteLine(JsonOutput.Format(result));
        }
    }

    public static void PrintEvents(CliContext context, IReadOnlyList<JobEventDto> events)
    {
        var table = Tables.Create("AT", "EVENT", "ATTEMPT", "AGENT", "MESSAGE");
        foreach (var e in events) table.AddTextRow(Humanize.Timestamp(e.At, context.Zone), e.Type, e.Attempt.ToString(), e.AgentId, Humanize.OneLine(e.Message));
        context.Console.Write(table);
    }

    private static bool IsEnded(JobDto job) => job.FinishedAt is not null;
}
