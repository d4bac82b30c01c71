using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

public sealed class JobTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<TestTenant> TenantWithHelloAsync()
    {
        var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    [Fact]
    public async Task A_submitted_job_is_pending_with_defaults_applied()
    {
        using var tenant = await TenantWithHelloAsync();
        var job = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
        Assert.Equal("pending", job.State);
        Assert.Equal("1.0.0", job.Version);
        Assert.Equal(0, job.Attempt);
        Assert.Equal(1, job.MaxAttempts);
        Assert.Equal("world", job.Inputs.GetProperty("name").GetString());

        var fetched = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}").ReadAsync<JobDto>();
        Assert.Equal(job.Id, fetched.Id);
        var events = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/events").ReadAsync<ListResponse<JobEventDto>>();
        Assert.Equal("submitted", Assert.Single(events.Items).Type);
    }

    [Fact]
    public async Task Latest_follows_a_publish_and_a_delete_at_once_on_this_replica()
    {
        using var tenant = await TenantWithHelloAsync();
        async Task<string> SubmitLatestAsync() =>
            (await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created)).Version;

        Assert.Equal("1.0.0", await SubmitLatestAsync());
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello(version: "1.1.0"))).ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal("1.1.0", await SubmitLatestAsync());

        // A version still used by a pending job cannot go; once cancelled, 1.1.0 is deleted and "latest" is 1.0.0 again.
        var pending = await tenant.Client.GetAsync("/api/v1/jobs?state=pending").ReadAsync<ListResponse<JobDto>>();
        foreach (var job in pending.Items.Where(j => j.Version == "1.1.0"))
        {
            await tenant.Client.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null).ShouldBeAsync(HttpStatusCode.OK);
        }
        await tenant.Client.DeleteAsync("/api/v1/packages/hello/1.1.0").ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.Equal("1.0.0", await SubmitLatestAsync());
    }

    [Fact]
    public async Task Inputs_are_checked_against_the_manifest()
    {
        using var tenant = await TenantWithHelloAsync();
        var unknown = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello",
            Inputs: new() { ["nope"] = JsonSerializer.SerializeToElement(1) })).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Contains("inputs.nope", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello",
            Inputs: new() { ["count"] = JsonSerializer.SerializeToElement("many") })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        var converted = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello",
            Inputs: new() { ["count"] = JsonSerializer.SerializeToElement("3"), ["name"] = JsonSerializer.SerializeToElement("Ada") }))
            .ReadAsync<JobDto>(HttpStatusCode.Created);
        Assert.Equal(3, converted.Inputs.GetProperty("count").GetInt32());

        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Priority: 1000)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Requirements: ["python>="])).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("missing")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Version: "9.9.9")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_idempotency_key_returns_the_same_job()
    {
        using var tenant = await TenantWithHelloAsync();
        async Task<HttpResponseMessage> Submit()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = JsonContent.Create(new SubmitJobRequest("hello")) };
            request.Headers.Add("Idempotency-Key", "nightly-2026-11-27");
            return await tenant.Client.SendAsync(request);
        }
        var first = await (await Submit().ShouldBeAsync(HttpStatusCode.Created)).ReadAsync<JobDto>();
        var second = await (await Submit().ShouldBeAsync(HttpStatusCode.OK)).ReadAsync<JobDto>();
        Assert.Equal(first.Id, second.Id);
        var list = await tenant.Client.GetAsync("/api/v1/jobs").ReadAsync<ListResponse<JobDto>>();
        Assert.Single(list.Items);
    }

    [Fact]
    public async Task Jobs_list_with_filters_and_cursor_pagination()
    {
        using var tenant = await TenantWithHelloAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created)).Id);
        }
        await tenant.Client.PostAsync($"/api/v1/jobs/{ids[0]}/cancel", null).ShouldBeAsync(HttpStatusCode.OK);

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await tenant.Client.GetAsync($"/api/v1/jobs?limit=3{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}")
                .ReadAsync<ListResponse<JobDto>>();
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(j => j.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen);

        var cancelled = await tenant.Client.GetAsync("/api/v1/jobs?state=cancelled").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal(ids[0], Assert.Single(cancelled.Items).Id);
        var pending = await tenant.Client.GetAsync("/api/v1/jobs?state=pending&package=hello").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal(6, pending.Items.Count);
        await tenant.Client.GetAsync("/api/v1/jobs?state=sleeping").ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await tenant.Client.GetAsync("/api/v1/jobs?cursor=garbage!").ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Jobs_list_filtered_by_queue_on_the_server()
    {
        using var tenant = await TenantWithHelloAsync();
        using var other = await TenantWithHelloAsync();
        foreach (var owner in new[] { tenant, other })
        {
            await owner.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("night")).ShouldBeAsync(HttpStatusCode.Created);
        }
        var night = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            night.Add((await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: "night")).ReadAsync<JobDto>(HttpStatusCode.Created)).Id);
            await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        }
        await other.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: "night")).ShouldBeAsync(HttpStatusCode.Created);

        // Filtered before paging: a page of 2 holds 2 of the queue's jobs, however many other jobs are newer.
        var page = await tenant.Client.GetAsync("/api/v1/jobs?queue=night&limit=2").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal([night[2], night[1]], page.Items.Select(j => j.Id));
        var rest = await tenant.Client.GetAsync($"/api/v1/jobs?queue=night&limit=2&cursor={Uri.EscapeDataString(page.NextCursor!)}").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal([night[0]], rest.Items.Select(j => j.Id));
        Assert.Null(rest.NextCursor);
        Assert.Equal(3, (await tenant.Client.GetAsync("/api/v1/jobs?queue=default&state=pending").ReadAsync<ListResponse<JobDto>>()).Items.Count);
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/jobs?queue=nowhere").ReadAsync<ListResponse<JobDto>>()).Items);
        var problem = await tenant.Client.GetAsync($"/api/v1/jobs?queue={new string('q', 101)}").ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("queue", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Cancelling_a_pending_job_ends_it_and_a_second_cancel_is_refused()
    {
        using var tenant = await TenantWithHelloAsync();
        var job = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
        var cancelled = await tenant.Client.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null).ReadAsync<JobDto>();
        Assert.Equal("cancelled", cancelled.State);
        Assert.NotNull(cancelled.FinishedAt);
        await tenant.Client.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null).ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.InvalidState);
        var events = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/events").ReadAsync<ListResponse<JobEventDto>>();
        Assert.Equal(["submitted", "cancelled"], events.Items.Select(e => e.Type));
    }
}
