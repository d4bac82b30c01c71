using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Jobs;
using Baton.Server.Dispatch;
using Baton.Server.Security;
using Baton.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Baton.Server.Api;

/// <summary>
/// A job's log lines after a sequence number, as a page or (follow) as server-sent events that
/// end with an <c>end</c> event carrying the finished job. A stream resumes after its <c>Last-Event-ID</c>
/// (each line's event id is its sequence number), so a browser's reconnect repeats no line.
/// </summary>
public static class JobLogEndpoint
{
    /// <summary>Lines per page unless the caller asks for another <c>limit</c>.</summary>
    private const int PageSize = 1000;
    /// <summary>The largest page: a 10,000-line log in one compressed response (the dashboard's job page asks for it).</summary>
    private const int MaxPageSize = 10_000;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    /// <summary>Lines from another replica carry no in-process wake-up: look again at least this often.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    public static async Task<IResult> GetLogsAsync(
        string jobId, HttpContext context, IBatonStore store, WakeUpSignals signals, IOptions<JsonOptions> json,
        long? after, int? limit, bool? follow, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var job = await store.Jobs.GetAsync(tenantId, jobId, ct);
        if (job is null) return Problems.NotFound($"Job {jobId}");
        if (RefusedPage(after, limit) is { } refused) return refused;

        var wantsStream = follow == true || context.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
        if (!wantsStream)
        {
            var lines = await store.Jobs.ReadLogsAsync(tenantId, jobId, after ?? 0, limit ?? PageSize, ct);
            var next = lines.Count > 0 ? lines[^1].Seq : after ?? 0;
            return Results.Ok(new LogPageDto([.. lines.Select(l => l.ToDto())], next, job.State.IsTerminal()));
        }

        // An EventSource reconnects to the same URL with the id of the last event it had: resume after that line.
        var resumeAfter = after ?? 0;
        if (long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var lastEventId) && lastEventId > resumeAfter)
        {
            resumeAfter = lastEventId;
        }
        await StreamAsync(context, store, signals, json.Value.SerializerOptions, tenantId, jobId, resumeAfter, ct);
        return Results.Empty;
    }

    /// <summary>
    /// A page of the log in its compact form (the dashboard's log view): the lines' texts and, by stream, which of them are
    /// not on stdout. About a third less JSON than the full page, and no per-line object for a browser to build.
    /// </summary>
    public static async Task<IResult> GetCompactPageAsync(
        string jobId, HttpContext context, IBatonStore store, long? after, int? limit, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var job = await store.Jobs.GetAsync(tenantId, jobId, ct);
        if (job is null) return Problems.NotFound($"Job {jobId}");
        if (RefusedPage(after, limit) is { } refused) return refused;

        // One line more than the page holds tells whether another page follows (a full page need not be followed by one).
        var pageSize = limit ?? PageSize;
        var lines = await store.Jobs.ReadLogsAsync(tenantId, jobId, after ?? 0, pageSize + 1, ct);
        var more = lines.Count > pageSize;
        var count = Math.Min(lines.Count, pageSize);
        var texts = new string[count];
        var streams = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            texts[i] = lines[i].Text;
            if (lines[i].Stream == "stdout") continue;
            if (!streams.TryGetValue(lines[i].Stream, out var indexes)) streams[lines[i].Stream] = indexes = new List<int>();
            ((List<int>)indexes).Add(i);
        }
        var next = count > 0 ? lines[count - 1].Seq : after ?? 0;
        return Results.Ok(new CompactLogPageDto(texts, streams, next, job.State.IsTerminal(), more));
    }

    private static IResult? RefusedPage(long? after, int? limit) =>
        limit is < 1 or > MaxPageSize ? Problems.Validation($"limit must be between 1 and {MaxPageSize}.", "limit")
        : after is < 0 ? Problems.Validation("after must be zero or more.", "after")
        : null;

    private static async Task StreamAsync(
        HttpContext context, IBatonStore store, WakeUpSignals signals, JsonSerializerOptions json,
        string tenantId, string jobId, long after, CancellationToken ct)
    {
        var response = context.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.Body.FlushAsync(ct);

        var sinceWrite = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var wakeUp = signals.Subscribe(WakeUpSignals.JobLogs(jobId));
                var job = await store.Jobs.GetAsync(tenantId, jobId, ct);
                if (job is null) return;

                // Read after the state: lines written before the job ended are all visible now.
                var lines = await store.Jobs.ReadLogsAsync(tenantId, jobId, after, PageSize, ct);
                foreach (var line in lines)
                {
                    await WriteEventAsync(response, "log", line.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        JsonSerializer.Serialize(line.ToDto(), json), ct);
                    after = line.Seq;
                    sinceWrite.Restart();
                }
                if (lines.Count == PageSize) continue;

                if (job.State.IsTerminal())
                {
                    await WriteEventAsync(response, "end", null, JsonSerializer.Serialize(job.ToDto(), json), ct);
                    return;
                }

                if (sinceWrite.Elapsed > KeepAlive)
                {
                    await response.WriteAsync(": keep-alive\n\n", ct);
                    sinceWrite.Restart();
                }
                await response.Body.FlushAsync(ct);
                await wakeUp.WaitAsync(Recheck, TimeProvider.System, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string name, string? id, string data, CancellationToken ct)
    {
        var text = id is null ? $"event: {name}\ndata: {data}\n\n" : $"id: {id}\nevent: {name}\ndata: {data}\n\n";
        await response.WriteAsync(text, ct);
        if (name == "end") await response.Body.FlushAsync(ct);
    }
}
