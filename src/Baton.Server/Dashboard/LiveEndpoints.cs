using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Server.Api;
using Baton.Server.Dispatch;
using Baton.Server.Notifications;
using Baton.Server.Security;
using Baton.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dashboard;

/// <summary>
/// The live feeds the dashboard keeps open as server-sent events: <c>GET /overview/stream</c> sends the tenant's
/// overview at once and then every couple of seconds (sooner when a job of the tenant ends);
/// <c>GET /jobs/{id}/stream</c> sends the job each time its state, attempt or agent changes and closes once it
/// has ended. Both re-read the store, so a change written by another replica shows within a second or two.
/// </summary>
public static class LiveEndpoints
{
    private static readonly TimeSpan OverviewInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan JobRecheck = TimeSpan.FromMilliseconds(500);

    public static void MapLiveEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/overview", async (HttpContext context, OverviewSnapshots overview, CancellationToken ct) =>
            Results.Ok(await overview.ReadAsync(context.GetCaller().TenantId, ct))).RequireAuthorization(AuthPolicies.Viewer).Produces<OverviewDto>();
        api.MapGet("/overview/stream", StreamOverviewAsync).RequireAuthorization(AuthPolicies.Viewer)
            .ProducesEventStream("`event: overview` with an OverviewDto at once, then every couple of seconds.");
        api.MapGet("/jobs/{jobId}/stream", StreamJobAsync).RequireAuthorization(AuthPolicies.Viewer)
            .ProducesEventStream("`event: job` with the JobDto each time it changes, then `event: end` once it has ended.");
    }

    private static async Task<IResult> StreamOverviewAsync(
        HttpContext context, OverviewSnapshots overview, WakeUpSignals signals, TimeProvider time, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        await StartStreamAsync(context, ct);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var wakeUp = signals.Subscribe(TenantEventPublisher.Topic(tenantId));
                var snapshot = await overview.ReadAsync(tenantId, ct);
                await WriteEventAsync(context.Response, "overview", JsonSerializer.Serialize(snapshot, json.Value.SerializerOptions), ct);
                await wakeUp.WaitAsync(OverviewInterval, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page was closed.
        }
        return Results.Empty;
    }

    private static async Task<IResult> StreamJobAsync(
        string jobId, HttpContext context, IBatonStore store, WakeUpSignals signals, TimeProvider time, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var job = await store.Jobs.GetAsync(tenantId, jobId, ct);
        if (job is null) return Problems.NotFound($"Job {jobId}");
        await StartStreamAsync(context, ct);
        string? sent = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var wakeUp = signals.Subscribe(WakeUpSignals.JobLogs(jobId));
                job = await store.Jobs.GetAsync(tenantId, jobId, ct);
                if (job is null) break;
                var version = $"{job.State.ToText()}/{job.Attempt}/{job.AgentId}/{job.Priority}";
                if (version != sent)
                {
                    await WriteEventAsync(context.Response, "job", JsonSerializer.Serialize(job.ToDto(), json.Value.SerializerOptions), ct);
                    sent = version;
                }
                if (job.State.IsTerminal()) break;
                await wakeUp.WaitAsync(JobRecheck, time, ct);
            }
            if (!ct.IsCancellationRequested) await WriteEventAsync(context.Response, "end", "{}", ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page was closed.
        }
        return Results.Empty;
    }

    private static async Task StartStreamAsync(HttpContext context, CancellationToken ct)
    {
        var response = context.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        // Tells a reconnecting EventSource to wait 2 s, not its default 3 s.
        await response.WriteAsync("retry: 2000\n\n", ct);
        await response.Body.FlushAsync(ct);
    }

    private static async Task WriteEventAsync(HttpResponse response, string name, string data, CancellationToken ct)
    {
        await response.WriteAsync($"event: {name}\ndata: {data}\n\n", ct);
        await response.Body.FlushAsync(ct);
    }
}
