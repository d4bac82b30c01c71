using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Api;
using Baton.Server.Hosting;
using Baton.Server.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Baton.Server.Tests;

public sealed class SaturationThrottleTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    // One write in flight at a time.
    public async Task InitializeAsync() => await _server.StartAsync(o => (o.WriteConcurrencyMin, o.WriteConcurrencyMax) = (1, 1));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Writes_past_the_limit_get_503_with_retry_after_and_change_nothing()
    {
        // The real middleware with one write slot, held by a write that has not finished.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var admitted = 0;
        var throttle = new SaturationThrottleMiddleware(
            async context =>
            {
                Interlocked.Increment(ref admitted);
                if (context.Request.Path == "/api/v1/packages") await held.Task;
                context.Response.StatusCode = StatusCodes.Status201Created;
            },
            Options.Create(new ServerOptions { WriteConcurrencyMin = 1, WriteConcurrencyMax = 1 }),
            new SaturationMonitor(NullLogger<SaturationMonitor>.Instance),
            new Core.Throttling.IntakeBudget(TimeProvider.System),
            NullLogger<SaturationThrottleMiddleware>.Instance);
        HttpContext Request(string method, string path) => new DefaultHttpContext
        {
            Request = { Method = method, Path = path },
            Response = { Body = new MemoryStream() },
            RequestServices = _server.Server.Services,
        };

        var slowUpload = Request("POST", "/api/v1/packages");
        var uploading = throttle.InvokeAsync(slowUpload);
        var refused = Enumerable.Range(0, 5).Select(_ => Request("POST", "/api/v1/jobs")).ToList();
        foreach (var context in refused) await throttle.InvokeAsync(context);
        var read = Request("GET", "/api/v1/jobs");
        await throttle.InvokeAsync(read);

        // The upload and the read went through; no refused write reached the endpoint.
        Assert.Equal(2, admitted);
        Assert.Equal(StatusCodes.Status201Created, read.Response.StatusCode);
        foreach (var context in refused)
        {
            Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
            // Retry-After follows refusals over admissions (five refused, one admitted here), spread ±50 %.
            Assert.InRange(int.Parse(context.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 8);
            context.Response.Body.Position = 0;
            var problem = await System.Text.Json.JsonSerializer.DeserializeAsync<System.Text.Json.JsonElement>(context.Response.Body);
            Assert.Equal(ProblemTypes.ServerBusy, problem.GetProperty("type").GetString());
            Assert.Contains("saturated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        held.SetResult();
        await uploading;
        Assert.Equal(StatusCodes.Status201Created, slowUpload.Response.StatusCode);
        var after = Request("POST", "/api/v1/jobs");
        await throttle.InvokeAsync(after);
        Assert.Equal((3, StatusCodes.Status201Created), (admitted, after.Response.StatusCode));
    }

    [Fact]
    public async Task A_refused_submission_stores_nothing()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Priority: i))));

        var created = responses.Count(r => r.StatusCode == HttpStatusCode.Created);
        var refused = responses.Count(r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(responses.Length, created + refused);
        var jobs = await tenant.Client.GetAsync("/api/v1/jobs?limit=200").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal(created, jobs.Items.Count);
    }

    [Fact]
    public async Task Reads_are_never_throttled()
    {
        using var tenant = await _server.CreateTenantAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => tenant.Client.GetAsync("/api/v1/jobs")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }
}
