using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Hardening;

/// <summary>Job inputs are capped per tier, and a page of jobs stays small whatever the jobs hold.</summary>
public sealed class JobInputLimitTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static SubmitJobRequest WithName(int chars) =>
        new("hello", Inputs: new() { ["name"] = JsonSerializer.SerializeToElement(new string('n', chars)) });

    [Fact]
    public async Task Inputs_larger_than_the_tiers_limit_are_refused_and_nothing_is_queued()
    {
        using var tenant = await _server.CreateTenantAsync("free");
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);

        var problem = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", WithName(100 * 1024)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);

        Assert.Equal("inputs", problem.GetProperty("field").GetString());
        Assert.Contains("65,536", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("detail").GetString()!.Length < 1000);
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/jobs").ReadAsync<ListResponse<JobDto>>()).Items);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", WithName(30 * 1024)).ShouldBeAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_page_of_jobs_leaves_large_inputs_to_the_jobs_own_read()
    {
        using var tenant = await _server.CreateTenantAsync("enterprise");
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        string? id = null;
        for (var i = 0; i < 20; i++)
        {
            id = (await tenant.Client.PostAsJsonAsync("/api/v1/jobs", WithName(900 * 1024)).ReadAsync<JobDto>(HttpStatusCode.Created)).Id;
        }
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", WithName(10)).ShouldBeAsync(HttpStatusCode.Created);

        var response = await tenant.Client.GetAsync("/api/v1/jobs?limit=50");
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(body.Length < 256 * 1024, $"a page of 21 jobs took {body.Length:N0} bytes");
        var page = JsonSerializer.Deserialize<ListResponse<JobDto>>(body, ServerHarness.Json)!;
        Assert.Equal(20, page.Items.Count(j => j.InputsOmitted && j.Inputs.ValueKind == JsonValueKind.Null));
        Assert.Equal("nnnnnnnnnn", page.Items.Single(j => !j.InputsOmitted).Inputs.GetProperty("name").GetString());

        var full = await tenant.Client.GetAsync($"/api/v1/jobs/{id}").ReadAsync<JobDto>();
        Assert.False(full.InputsOmitted);
        Assert.Equal(900 * 1024, full.Inputs.GetProperty("name").GetString()!.Length);
    }
}
