using System.Text.Json;
using Baton.Core.AgentProtocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Tests.Support;

/// <summary>A minimal in-memory /api/agent/v1 server on 127.0.0.1, enough to drive a real agent.</summary>
public sealed class FakeProtocolServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly WebApplication _app;

    private FakeProtocolServer(WebApplication app, FakeServerState state)
    {
        _app = app;
        State = state;
    }

    public FakeServerState State { get; }

    public Uri Url => new(_app.Urls.First());

    public static async Task<FakeProtocolServer> StartAsync(FakeServerState? state = null, int port = 0)
    {
        state ??= new FakeServerState();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, $"http://127.0.0.1:{port}");
        builder.Services.AddRequestDecompression();
        var app = builder.Build();
        // Count gzip bodies before the decompression middleware strips Content-Encoding.
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.Value!.EndsWith("/logs", StringComparison.Ordinal)
                && context.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.Ordinal))
                state.CountGzippedLogRequest();
            await next(context);
        });
        app.UseRequestDecompression();
        Map(app, state);
        await app.StartAsync();
        return new FakeProtocolServer(app, state);
    }

    private static void Map(WebApplication app, FakeServerState state)
    {
        app.MapPost("/api/agent/v1/register", async (HttpContext context) =>
        {
            var request = await context.Request.ReadFromJsonAsync<RegisterAgentRequest>(Json);
            if (request is null || request.EnrollmentToken != state.EnrollmentToken)
                return Problem(403, "The enrollment token is not valid.");
            state.CountRegistration();
            state.LastRegistration = request;
            return Results.Json(new RegisterAgentResponse(state.AgentId, "tenant-1", state.Credential, 20, 60), Json);
        });

        app.MapPost("/api/agent/v1/poll", async (HttpContext context) =>
        {
            if (!Authorized(context, state))
                return Problem(401, "Unknown credential.");
            var request = (await context.Request.ReadFromJsonAsync<PollRequest>(Json))!;
            state.Polls.Enqueue(request);
            state.PollStarted();
            try
            {
                return await AnswerPollAsync(context, state, request);
            }
            finally
            {
                state.PollEnded();
            }
        });

        static async Task<IResult> AnswerPollAsync(HttpContext context, FakeServerState state, PollRequest request)
        {
            var deadline = Environment.TickCount64 + (request.WaitSeconds * 1000L);
            while (true)
            {
                if (context.RequestAborted.IsCancellationRequested)
                    return Results.Empty;
                var jobs = new List<JobAssignment>();
                while (jobs.Count < request.FreeSlots && state.PendingJobs.TryDequeue(out var job))
                    jobs.Add(job);
                var cancels = request.Running
                    .Where(r => state.CancelRequested.TryRemove(r.JobId, out _))
                    .Select(r => new JobRef(r.JobId, r.Attempt))
                    .ToList();
                if (context.RequestAborted.IsCancellationRequested)
                {
                    // The agent went away mid-poll (stopping): hand the jobs to the next poll.
                    foreach (var job in jobs)
                        state.PendingJobs.Enqueue(job);
                    return Results.Empty;
                }

                var known = (request.CachedPackages ?? []).Concat(request.Fetching ?? []).ToHashSet(StringComparer.Ordinal);
                var prefetch = request.CachedPackages is null ? [] : state.PrefetchOffers.Values.Where(p => !known.Contains(p.Sha256)).ToList();
                if (jobs.Count > 0 || cancels.Count > 0 || prefetch.Count > 0 || Environment.TickCount64 >= deadline)
                    return Results.Json(new PollResponse(jobs, cancels, [], prefetch), Json);
                await Task.Delay(25);
            }
        }

        app.MapGet("/api/agent/v1/packages/{sha}", (HttpContext context, string sha) =>
            !Authorized(context, state) ? Problem(401, "Unknown credential.")
            : state.Packages.TryGetValue(sha, out var zip) ? Results.Bytes(zip, "application/zip")
            : Problem(404, "No such package."));

        app.MapPost("/api/agent/v1/jobs/{id}/start", async (HttpContext context, string id) =>
        {
            if (!Authorized(context, state))
                return Problem(401, "Unknown credential.");
            var request = (await context.Request.ReadFromJsonAsync<StartJobRequest>(Json))!;
            state.StartsReceived[id] = request.Attempt;
            if (state.StartGates.TryGetValue(id, out var gate) && !await gate.Task)
                return Problem(409, "stale attempt");
            state.Started[id] = request.Attempt;
            return Results.Ok();
        });

        app.MapPost("/api/agent/v1/jobs/{id}/logs", async (HttpContext context, string id) =>
        {
            if (!Authorized(context, state))
                return Problem(401, "Unknown credential.");
            var request = (await context.Request.ReadFromJsonAsync<AppendLogsRequest>(Json))!;
            if (state.RejectLogs.ContainsKey(id))
                return Problem(409, "stale attempt");
            var lines = state.Logs.GetOrAdd(id, _ => new());
            foreach (var line in request.Lines)
                lines.TryAdd(line.Line, line);
            return Results.Json(new AppendLogsResponse(state.CancelRequested.ContainsKey(id)), Json);
        });

        app.MapPost("/api/agent/v1/jobs/{id}/artifacts", async (HttpContext context, string id, int attempt, string name) =>
        {
            if (!Authorized(context, state))
                return Problem(401, "Unknown credential.");
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            // A name with "too-large" stands for a file past the tenant's limit.
            if (name.Contains("too-large", StringComparison.Ordinal))
                return Problem(413, "A job's artifacts may hold at most 1 MB together.");
            state.Artifacts[(id, name)] = (attempt, body.ToArray(), state.Completed.ContainsKey(id));
            return Results.Json(new Baton.Core.Api.ArtifactUploadResponse(name, "", body.Length), Json);
        });

        app.MapPost("/api/agent/v1/jobs/{id}/complete", async (HttpContext context, string id) =>
        {
            if (!Authorized(context, state))
                return Problem(401, "Unknown credential.");
            var request = (await context.Request.ReadFromJsonAsync<CompleteJobRequest>(Json))!;
            if (!state.TakesCompletionClaims)
            {
                // An older server: it ignores folded lines and claims and answers without a job list.
                state.Completed[id] = request;
                return Results.Json(new CompleteJobResponse(request.Outcome), Json);
            }

            var lines = state.Logs.GetOrAdd(id, _ => new());
            foreach (var line in request.Logs ?? [])
                lines.TryAdd(line.Line, line);
            var jobs = new List<JobAssignment>();
            while (jobs.Count < (request.Claim?.FreeSlots ?? 0) && state.PendingJobs.TryDequeue(out var job))
                jobs.Add(job);
            if (request.Claim is not null)
                state.CountClaim(jobs.Count);
            state.Completed[id] = request;
            return Results.Json(new CompleteJobResponse(request.Outcome, jobs), Json);
        });
    }

    private static bool Authorized(HttpContext context, FakeServerState state) =>
        context.Request.Headers.Authorization.ToString() == "Bearer " + state.Credential;

    private static IResult Problem(int status, string detail) =>
        Results.Problem(detail: detail, statusCode: status);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
