using Baton.Core.Api;

namespace Baton.Cli.Http;

/// <summary>One server-sent event of a followed log: a line, or the end of the job with its final state.</summary>
public sealed record LogStreamEvent(LogLineDto? Line, JobDto? EndedJob)
{
    public static LogStreamEvent ForLine(LogLineDto line) => new(line, null);

    public static LogStreamEvent ForEnd(JobDto job) => new(null, job);
}
