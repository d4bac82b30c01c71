using Baton.Cli.Http;
using Baton.Cli.Output;
using Baton.Core.Api;
using Baton.Core.Jobs;

namespace Baton.Cli.Jobs;

/// <summary>Waits for a job to end, by long-polling its state or by following its log stream.</summary>
public sealed class JobWatcher(BatonApiClient api, CliContext context)
{
    private const int DrainPageSize = 1000;
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(30);

    public static bool IsTerminal(JobDto job) => JobStates.TryParse(job.State, out var state) && state.IsTerminal();

    /// <summary>
    /// Waits until the job ends, showing its state under a spinner on a terminal. The server answers the
    /// long-poll the moment the job ends (or changes state, for the caption); a server without the
    /// endpoint is polled every <see cref="CliContext.PollInterval"/> instead.
    /// </summary>
    public Task<JobDto> WaitAsync(JobDto job, bool quiet, CancellationToken ct) =>
        Activity.WithSpinnerAsync(context, quiet, Caption(job), async setCaption =>
        {
            var current = job;
            var longPoll = true;
            while (!IsTerminal(current))
            {
                if (longPoll && await api.WaitForJobAsync(job.Id, current.State, LongPoll, ct) is { } changed)
                {
                    current = changed;
                }
                else
                {
                    longPoll = false;
                    await Task.Delay(context.PollInterval, context.Time, ct);
                    current = await api.GetJobAsync(job.Id, ct);
                }
                setCaption(Caption(current));
            }
            return current;
        });

    /// <summary>
    /// Writes the job's log lines after <paramref name="after"/> as they arrive (text, or NDJSON when
    /// <paramref name="json"/>) and returns the job once it has ended. A dropped stream is resumed from
    /// the last line seen, so no line is printed twice or lost.
    /// </summary>
    public async Task<JobDto> FollowAsync(string jobId, long after, bool json, CancellationToken ct)
    {
        var lastSeq = after;
        while (true)
        {
            try
            {
                await foreach (var item in api.StreamLogsAsync(jobId, lastSeq, ct))
                {
                    // The server sends the end event after the job's last line.
                    if (item.EndedJob is { } ended) return ended;
                    if (item.Line is { } line && line.Seq > lastSeq)
                    {
                        WriteLine(line, json);
                        lastSeq = line.Seq;
                    }
                }
            }
            catch (Exception e) when (IsBrokenConnection(e) && !ct.IsCancellationRequested)
            {
                // The connection broke mid-stream or before the stream's headers arrived (server restart, proxy
                // timeout): resume below from lastSeq. A server that is really gone fails the job read below.
            }
            var job = await api.GetJobAsync(jobId, ct);
            if (IsTerminal(job))
            {
                await DrainAsync(jobId, lastSeq, json, ct);
                return job;
            }
            await Task.Delay(context.PollInterval, context.Time, ct);
        }
    }

    private static bool IsBrokenConnection(Exception e) =>
        e is IOException or HttpRequestException || e is CliException { InnerException: HttpRequestException };

    /// <summary>Writes every stored line after <paramref name="after"/>, page by page; returns the last sequence written.</summary>
    public async Task<long> DrainAsync(string jobId, long after, bool json, CancellationToken ct)
    {
        var lastSeq = after;
        while (true)
        {
            var page = await api.GetLogsAsync(jobId, lastSeq, DrainPageSize, ct);
            var fresh = page.Items.Where(l => l.Seq > lastSeq).ToList();
            foreach (var line in fresh) WriteLine(line, json);
            if (fresh.Count > 0) lastSeq = fresh[^1].Seq;
            if (fresh.Count == 0) return lastSeq;
        }
    }

    private void WriteLine(LogLineDto line, bool json)
    {
        if (json) JsonOutput.WriteLine(context.Out, line);
        else context.Out.WriteLine(line.Text);
    }

    private static string Caption(JobDto job)
    {
        var caption = $"Job {job.Id}: {job.State} (attempt {job.Attempt}/{job.MaxAttempts})";
        if (job.Progress is { } p)
        {
            if (p.Percent is { } percent) caption += $" {percent:0}%";
            if (!string.IsNullOrWhiteSpace(p.Message)) caption += " " + p.Message;
        }
        return caption;
    }
}
