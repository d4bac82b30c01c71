using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

public sealed class SaturationThrottleTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    // One write in flight at a time: a burst of submissions must overflow it.
    public async Task InitializeAsync() => await _server.StartAsync(o => (o.WriteConcurrencyMin, o.WriteConcurrencyMax) = (1, 1));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Writes_past_the_limit_get_503_with_retry_after_and_change_nothing()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);

        var responses = await Task.WhenAll(Enumerable.Range(0, 80).Select(i =>
            tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Priority: i))));

        var created = responses.Count(r => r.StatusCode == HttpStatusCode.Created);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Equal(responses.Length, created + refused.Count);
        Assert.NotEmpty(refused);
        Assert.True(created > 0);
        foreach (var response in refused)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
            var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            Assert.Equal(ProblemTypes.ServerBusy, problem.GetProperty("type").GetString());
            Assert.Contains("saturated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Refused submissions stored nothing: exactly the accepted ones exist.
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
