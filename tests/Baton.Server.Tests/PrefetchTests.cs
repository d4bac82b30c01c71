using System.Net;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary>Prefetch: polls offer recently published package versions an agent does not cache.</summary>
public sealed class PrefetchTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    // A long re-check interval: a waiting poll sees a new version only through the upload's wake-up.
    public async Task InitializeAsync() => await _server.StartAsync(options => options.DispatchPollInterval = TimeSpan.FromMinutes(1));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_poll_offers_new_versions_the_agent_neither_caches_nor_fetches()
    {
        using var tenant = await _server.CreateTenantAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var uploaded = await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ReadAsync<PackageUploadResponse>(HttpStatusCode.Created);
        var sha = uploaded.Package.Sha256;

        var offer = Assert.Single((await agent.PollAsync(new PollRequest(1, [], 0, CachedPackages: []))).Prefetch ?? []);
        Assert.Equal(("hello", "1.0.0", sha), (offer.Name, offer.Version, offer.Sha256));
        Assert.Empty((await agent.PollAsync(new PollRequest(1, [], 0, CachedPackages: [], Fetching: [sha]))).Prefetch ?? []);
        Assert.Empty((await agent.PollAsync(new PollRequest(1, [], 0, CachedPackages: [sha]))).Prefetch ?? []);
        // A client that does not report its cache takes no part.
        Assert.Empty((await agent.PollAsync(1)).Prefetch ?? []);

        // The offered blob is the one an agent downloads by SHA-256.
        using var download = await agent.DownloadAsync(sha);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
    }

    [Fact]
    public async Task A_waiting_poll_returns_when_a_version_is_published()
    {
        using var tenant = await _server.CreateTenantAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        Assert.Empty((await agent.PollAsync(new PollRequest(1, [], 0, CachedPackages: []))).Prefetch ?? []);

        var waiting = agent.PollAsync(new PollRequest(1, [], 15, CachedPackages: []));
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);

        // Well before the 15 s wait ends (and the 1 min re-check): the upload woke it.
        var response = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("hello", Assert.Single(response.Prefetch!).Name);
    }

    [Fact]
    public async Task Agents_of_a_group_that_serves_no_queue_are_offered_nothing()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PatchAsJsonAsync("/api/v1/queues/default", new UpdateQueueRequest(AgentGroups: ["gpu"])).ShouldBeAsync(HttpStatusCode.OK);
        using var plain = await SimulatedAgent.RegisterAsync(_server, tenant, "plain");
        using var gpu = await SimulatedAgent.RegisterAsync(_server, tenant, "gpu", SimulatedAgent.LinuxWithPython() with { Group = "gpu" });
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);

        Assert.Empty((await plain.PollAsync(new PollRequest(1, [], 0, CachedPackages: []))).Prefetch ?? []);
        Assert.Single((await gpu.PollAsync(new PollRequest(1, [], 0, CachedPackages: []))).Prefetch ?? []);
    }
}
