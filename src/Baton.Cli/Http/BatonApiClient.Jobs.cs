using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Baton.Core.Api;

namespace Baton.Cli.Http;

// Jobs: submission (one or a batch), listing, waiting for an end, priority, cancel, logs (pages and the live stream), events.
public sealed partial class BatonApiClient
{
    /// <summary>Submits a job; with an <paramref name="idempotencyKey"/> a repeat returns the first job.</summary>
    public async Task<JobDto> SubmitJobAsync(SubmitJobRequest request, string? idempotencyKey, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "api/v1/jobs") { Content = JsonContent.Create(request, BatonJson.Wire.InfoOf<SubmitJobRequest>()) };
        if (!string.IsNullOrWhiteSpace(idempotencyKey)) message.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await SendAsync(message, HttpCompletionOption.ResponseContentRead, RequestTimeout, ct);
        return await ReadJsonAsync<JobDto>(response, ct);
    }

    /// <summary>Up to 1,000 submissions in one request and one transaction, answered per submission.</summary>
    public Task<SubmitJobBatchResponse> SubmitJobBatchAsync(SubmitJobBatchRequest request, CancellationToken ct) =>
        SendJsonAsync<SubmitJobBatchResponse>(HttpMethod.Post, "api/v1/jobs/batch", request, ct);

    public Task<ListResponse<JobDto>> ListJobsAsync(JobQuery query, CancellationToken ct)
    {
        var parameters = new List<string>();
        if (query.State is not null) parameters.Add("state=" + Uri.EscapeDataString(query.State));
        if (query.Package is not null) parameters.Add("package=" + Uri.EscapeDataString(query.Package));
        if (query.Queue is not null) parameters.Add("queue=" + Uri.EscapeDataString(query.Queue));
        if (query.Since is { } since) parameters.Add("since=" + Uri.EscapeDataString(since.ToString("O", CultureInfo.InvariantCulture)));
        if (query.Cursor is not null) parameters.Add("cursor=" + Uri.EscapeDataString(query.Cursor));
        if (query.Limit is { } limit) parameters.Add("limit=" + limit.ToString(CultureInfo.InvariantCulture));
        var path = parameters.Count == 0 ? "api/v1/jobs" : "api/v1/jobs?" + string.Join('&', parameters);
        return GetAsync<ListResponse<JobDto>>(path, ct);
    }

    public Task<JobDto> GetJobAsync(string id, CancellationToken ct) => GetAsync<JobDto>($"api/v1/jobs/{Segment(id)}", ct);

    /// <summary>
    /// Long-polls the job: returns as soon as it has ended (or left <paramref name="state"/>), else after
    /// <paramref name="wait"/> with the job as it is. Null when the server has no such endpoint (an older one).
    /// </summary>
    public async Task<JobDto?> WaitForJobAsync(string id, string? state, TimeSpan wait, CancellationToken ct)
    {
        var path = $"api/v1/jobs/{Segment(id)}/wait?timeout={(int)wait.TotalSeconds}";
        if (state is not null) path += "&state=" + Segment(state);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        try
        {
            using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, wait + RequestTimeout, ct);
            return await ReadJsonAsync<JobDto>(response, ct);
        }
        catch (BatonApiException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            // The job exists but the wait does not: a server from before the endpoint.
            await GetJobAsync(id, ct);
            return null;
        }
    }

    public Task<JobDto> ChangeJobPriorityAsync(string id, int priority, CancellationToken ct) =>
        SendJsonAsync<JobDto>(HttpMethod.Patch, $"api/v1/jobs/{Segment(id)}", new UpdateJobRequest(priority), ct);

    public Task<JobDto> CancelJobAsync(string id, CancellationToken ct) =>
        SendJsonAsync<JobDto>(HttpMethod.Post, $"api/v1/jobs/{Segment(id)}/cancel", body: null, ct);

    public Task<LogPageDto> GetLogsAsync(string id, long after, int? limit, CancellationToken ct)
    {
        var path = $"api/v1/jobs/{Segment(id)}/logs?after={after.ToString(CultureInfo.InvariantCulture)}";
        if (limit is { } n) path += "&limit=" + n.ToString(CultureInfo.InvariantCulture);
        return GetAsync<LogPageDto>(path, ct);
    }

    /// <summary>
    /// Follows a job's log as server-sent events: lines after <paramref name="after"/>, then one end event
    /// with the final job. The sequence also ends if the connection closes early; the caller reconnects.
    /// </summary>
    public async IAsyncEnumerable<LogStreamEvent> StreamLogsAsync(string id, long after, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"api/v1/jobs/{Segment(id)}/logs?after={after.ToString(CultureInfo.InvariantCulture)}&follow=true");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout: null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var parser = SseParser.Create(body, static (eventType, data) => eventType switch
        {
            "log" => JsonSerializer.Deserialize(data, BatonJson.Wire.InfoOf<LogLineDto>()) is { } line ? LogStreamEvent.ForLine(line) : null,
            "end" => JsonSerializer.Deserialize(data, BatonJson.Wire.InfoOf<JobDto>()) is { } job ? LogStreamEvent.ForEnd(job) : null,
            _ => null,
        });
        await foreach (var item in parser.EnumerateAsync(ct))
        {
            if (item.Data is not { } streamEvent) continue;
            yield return streamEvent;
            if (streamEvent.EndedJob is not null) yield break;
        }
    }

    public Task<ListResponse<JobEventDto>> ListJobEventsAsync(string id, CancellationToken ct) =>
        GetAsync<ListResponse<JobEventDto>>($"api/v1/jobs/{Segment(id)}/events", ct);

    public Task<JobWhyDto> WhyJobAsync(string id, CancellationToken ct) => GetAsync<JobWhyDto>($"api/v1/jobs/{Segment(id)}/why", ct);
}
