using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary>POST /api/v1/jobs/batch: many submissions in one request and one transaction.</summary>
public sealed class JobBatchTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<TestTenant> TenantWithHelloAsync(QuotaOverridesInput? quotas = null)
    {
        var tenant = await _server.CreateTenantAsync(quotas: quotas);
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    private static Dictionary<string, JsonElement> Inputs(object values) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(JsonSerializer.Serialize(values))!;

    [Fact]
    public async Task Each_submission_is_validated_like_a_single_one_and_the_valid_ones_are_stored()
    {
        using var tenant = await TenantWithHelloAsync();
        var batch = new SubmitJobBatchRequest(
        [
            new SubmitJobRequest("hello", Inputs: Inputs(new { name = "Ada" })),
            new SubmitJobRequest("no-such-package"),
            new SubmitJobRequest("hello", Priority: 1_000),
            new SubmitJobRequest("hello", Inputs: Inputs(new { count = "many" })),
            new SubmitJobRequest("hello", Queue: "missing"),
            new SubmitJobRequest("hello", Priority: 7),
        ]);

        var answer = await tenant.Client.PostAsJsonAsync("/api/v1/jobs/batch", batch).ReadAsync<SubmitJobBatchResponse>();

        Assert.Equal((2, 0, 4), (answer.Created, answer.Existing, answer.Refused));
        Assert.Equal([201, 404, 400, 400, 404, 201], answer.Results.Select(r => r.Status));
        Assert.Equal([0, 1, 2, 3, 4, 5], answer.Results.Select(r => r.Index));
        Assert.Equal("Ada", answer.Results[0].Job!.Inputs.GetProperty("name").GetString());
        Assert.Equal(7, answer.Results[5].Job!.Priority);
        Assert.Equal(ProblemTypes.NotFound, answer.Results[1].Problem!.Type);
        Assert.Equal("priority", answer.Results[2].Problem!.Field);
        Assert.Contains("count", answer.Results[3].Problem!.Detail, StringComparison.Ordinal);
        Assert.All(answer.Results.Where(r => r.Problem is not null), r => Assert.Null(r.Job));

        var listed = await tenant.Client.GetAsync("/api/v1/jobs").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal(answer.Results.Where(r => r.Job is not null).Select(r => r.Job!.Id).Order(), listed.Items.Select(j => j.Id).Order());
        var events = await tenant.Client.GetAsync($"/api/v1/jobs/{answer.Results[5].Job!.Id}/events").ReadAsync<ListResponse<JobEventDto>>();
        Assert.Equal("submitted", Assert.Single(events.Items).Type);
    }

    [Fact]
    public async Task Idempotency_keys_hold_within_and_across_batches_and_with_single_submissions()
    {
        using var tenant = await TenantWithHelloAsync();
        using var keyed = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = JsonContent.Create(new SubmitJobRequest("hello")) };
        keyed.Headers.Add("Idempotency-Key", "nightly-1");
        var single = await tenant.Client.SendAsync(keyed).ReadAsync<JobDto>(HttpStatusCode.Created);

        var batch = new SubmitJobBatchRequest(
        [
            new SubmitJobRequest("hello", IdempotencyKey: "nightly-1"),
            new SubmitJobRequest("hello", IdempotencyKey: "nightly-2"),
            new SubmitJobRequest("hello", IdempotencyKey: "nightly-2"),
            new SubmitJobRequest("hello"),
        ]);
        var first = await tenant.Client.PostAsJsonAsync("/api/v1/jobs/batch", batch).ReadAsync<SubmitJobBatchResponse>();
        Assert.Equal([200, 201, 200, 201], first.Results.Select(r => r.Status));
        Assert.Equal(single.Id, first.Results[0].Job!.Id);
        Assert.Equal(first.Results[1].Job!.Id, first.Results[2].Job!.Id);

        var again = await tenant.Client.PostAsJsonAsync("/api/v1/jobs/batch", batch).ReadAsync<SubmitJobBatchResponse>();
        Assert.Equal([200, 200, 200, 201], again.Results.Select(r => r.Status));
        Assert.Equal(first.Results[1].Job!.Id, again.Results[1].Job!.Id);
        var listed = await tenant.Client.GetAsync("/api/v1/jobs").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal(4, listed.Items.Count);

        // A single submission whose header and body name different keys is refused.
        using var twoKeys = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = JsonContent.Create(new SubmitJobRequest("hello", IdempotencyKey: "a")) };
        twoKeys.Headers.Add("Idempotency-Key", "b");
        await tenant.Client.SendAsync(twoKeys).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
    }

    [Fact]
    public async Task The_pending_jobs_quota_refuses_the_submissions_past_it()
    {
        using var tenant = await TenantWithHelloAsync(new QuotaOverridesInput(PendingJobs: 5));
        var batch = new SubmitJobBatchRequest([.. Enumerable.Range(0, 8).Select(i => new SubmitJobRequest("hello", Priority: i))]);

        var answer = await tenant.Client.PostAsJsonAsync("/api/v1/jobs/batch", batch).ReadAsync<SubmitJobBatchResponse>();

        Assert.Equal([201, 201, 201, 201, 201, 429, 429, 429], answer.Results.Select(r => r.Status));
        Assert.Equal(ProblemTypes.RateLimited, answer.Results[7].Problem!.Type);
        var listed = await tenant.Client.GetAsync("/api/v1/jobs").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal([0, 1, 2, 3, 4], listed.Items.Select(j => j.Priority).Order());
    }

    [Fact]
    public async Task Empty_oversized_and_unauthorised_batches_are_refused_and_change_nothing()
    {
        using var tenant = await TenantWithHelloAsync();
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs/batch", new SubmitJobBatchRequest([]))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs/batch", new SubmitJobBatchRequest(null))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        var tooMany = new SubmitJobBatchRequest([.. Enumerable.Range(0, SubmitJobBatchRequest.MaxJobs + 1).Select(_ => new SubmitJobRequest("hello"))]);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs/batch", tooMany).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);

        var viewerKey = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("watcher", "viewer"))
            .ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var viewer = _server.Client(viewerKey.Secret);
        await viewer.PostAsJsonAsync("/api/v1/jobs/batch", new SubmitJobBatchRequest([new SubmitJobRequest("hello")]))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        // Another tenant cannot submit this tenant's package: it does not exist for it.
        using var other = await _server.CreateTenantAsync();
        var foreign = await other.Client.PostAsJsonAsync("/api/v1/jobs/batch", new SubmitJobBatchRequest([new SubmitJobRequest("hello")]))
            .ReadAsync<SubmitJobBatchResponse>();
        Assert.Equal(404, Assert.Single(foreign.Results).Status);

        var listed = await tenant.Client.GetAsync("/api/v1/jobs").ReadAsync<ListResponse<JobDto>>();
        Assert.Empty(listed.Items);
    }
}
