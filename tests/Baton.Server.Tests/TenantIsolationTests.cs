using System.Net;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary>Every endpoint tried with another tenant's ids answers 404 and changes nothing.</summary>
public sealed class TenantIsolationTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_tenant_sees_and_touches_only_its_own_objects()
    {
        using var a = await _server.CreateTenantAsync();
        using var b = await _server.CreateTenantAsync();
        var uploaded = await a.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ReadAsync<PackageUploadResponse>(HttpStatusCode.Created);
        var job = await a.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
        using var agentA = await SimulatedAgent.RegisterAsync(_server, a, "agent-a");
        var key = await a.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("a-key", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        var token = await a.Client.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest("a-token")).ReadAsync<CreatedEnrollmentTokenDto>(HttpStatusCode.Created);

        // Lists show nothing of A's.
        Assert.Empty((await b.Client.GetAsync("/api/v1/packages").ReadAsync<ListResponse<PackageSummaryDto>>()).Items);
        Assert.Empty((await b.Client.GetAsync("/api/v1/jobs").ReadAsync<ListResponse<JobDto>>()).Items);
        Assert.Empty((await b.Client.GetAsync("/api/v1/agents").ReadAsync<ListResponse<AgentDto>>()).Items);
        Assert.DoesNotContain((await b.Client.GetAsync("/api/v1/keys").ReadAsync<ListResponse<ApiKeyDto>>()).Items, k => k.Id == key.Key.Id);
        Assert.Empty((await b.Client.GetAsync("/api/v1/enrollment-tokens").ReadAsync<ListResponse<EnrollmentTokenDto>>()).Items);

        // Every id-taking endpoint answers 404.
        var notFound = new List<Task<HttpResponseMessage>>
        {
            b.Client.GetAsync($"/api/v1/jobs/{job.Id}"),
            b.Client.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null),
            b.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs"),
            b.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs?follow=true"),
            b.Client.GetAsync($"/api/v1/jobs/{job.Id}/events"),
            b.Client.GetAsync("/api/v1/packages/hello"),
            b.Client.GetAsync("/api/v1/packages/hello/1.0.0"),
            b.Client.GetAsync("/api/v1/packages/hello/1.0.0/download"),
            b.Client.DeleteAsync("/api/v1/packages/hello/1.0.0"),
            b.Client.GetAsync($"/api/v1/agents/{agentA.Id}"),
            b.Client.DeleteAsync($"/api/v1/keys/{key.Key.Id}"),
            b.Client.DeleteAsync($"/api/v1/enrollment-tokens/{token.Token.Id}"),
            b.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")),
        };
        foreach (var call in notFound) await call.ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);

        // B's agent cannot claim, download, or report on A's job.
        using var agentB = await SimulatedAgent.RegisterAsync(_server, b, "agent-b");
        Assert.Empty((await agentB.PollAsync(4)).Jobs);
        await agentB.DownloadAsync(uploaded.Package.Sha256).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await agentB.StartAsync(job.Id, 1).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await agentB.LogAsync(job.Id, 1, "x").ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await agentB.CompleteAsync(job.Id, 1, "succeeded").ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // Nothing of A's changed: the job is still pending, the key and token still valid, the package there.
        Assert.Equal("pending", (await a.Client.GetAsync($"/api/v1/jobs/{job.Id}").ReadAsync<JobDto>()).State);
        using var viewer = _server.Client(key.Secret);
        await viewer.GetAsync("/api/v1/jobs").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Null((await a.Client.GetAsync("/api/v1/enrollment-tokens").ReadAsync<ListResponse<EnrollmentTokenDto>>()).Items.Single(t => t.Id == token.Token.Id).RevokedAt);
        await a.Client.GetAsync("/api/v1/packages/hello/1.0.0").ShouldBeAsync(HttpStatusCode.OK);
        var claimed = await agentA.ClaimOneAsync();
        Assert.Equal(job.Id, claimed.JobId);
        Assert.IsType<JobAssignment>(claimed);
    }
}
