using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Agent registration with its quota, heartbeats, silence, and poll directives.</summary>
public abstract class AgentStoreContractTests : StoreContractTests
{
    [Fact]
    public async Task A_registered_agent_is_online_with_what_it_reported()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        await RegisterAgentAsync(acme, "agent-1");

        var agent = await Store.Agents.GetAsync(acme, "agent-1", Ct);

        Assert.NotNull(agent);
        Assert.Equal(AgentState.Online, agent.State);
        Assert.Equal("host-agent-1", agent.Name);
        Assert.Equal("hash-agent-1", agent.CredentialHash);
        Assert.Equal("linux", agent.Capabilities.Os);
        Assert.Equal("3.12.1", Assert.Single(agent.Capabilities.Pythons).Version);
        Assert.Equal("chromium", agent.Capabilities.Labels["browser"]);
        Assert.Equal(new AgentResources(4, 8192, 100_000), agent.Resources);
        Assert.Equal(4, agent.Slots);
        Assert.Equal(Start, agent.RegisteredAt);
        Assert.Equal(Start, agent.LastHeartbeatAt);
        Assert.Null(await Store.Agents.GetAsync(other, "agent-1", Ct));
        Assert.Equal(acme, Assert.Single(await Store.Agents.FindForAuthenticationAsync(["agent-1", "agent-missing"], Ct)).TenantId);
        Assert.Empty(await Store.Agents.FindForAuthenticationAsync(["agent-missing"], Ct));
        Assert.Empty(await Store.Agents.FindForAuthenticationAsync([], Ct));
        Assert.Single(await Store.Agents.ListAsync(acme, Ct));
        Assert.Empty(await Store.Agents.ListAsync(other, Ct));
    }

    [Fact]
    public async Task Credentials_of_many_agents_of_several_tenants_are_found_in_one_read()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var id = $"fleet-{i:D3}";
            await RegisterAgentAsync(i % 2 == 0 ? acme : other, id);
            ids.Add(id);
        }
        // More ids than SQLite takes parameters in one statement, most of them unknown.
        var asked = ids.Concat(Enumerable.Range(0, 1500).Select(i => $"unknown-{i}")).ToList();

        var found = await Store.Agents.FindForAuthenticationAsync(asked, Ct);

        Assert.Equal(ids, found.Select(agent => agent.Id).Order(StringComparer.Ordinal));
        Assert.All(found, agent => Assert.Equal(int.Parse(agent.Id[^3..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0 ? acme : other, agent.TenantId));
        Assert.All(found, agent => Assert.Equal("hash-" + agent.Id, agent.CredentialHash));
    }

    [Fact]
    public async Task Registration_over_the_online_quota_is_refused_until_an_agent_goes_offline()
    {
        var tenant = await CreateTenantAsync("acme");
        await RegisterAgentAsync(tenant, "agent-1", maxOnline: 2);
        Time.Advance(TimeSpan.FromMinutes(1));
        await RegisterAgentAsync(tenant, "agent-2", maxOnline: 2);

        var refused = await Store.Agents.RegisterAsync(NewAgent(tenant, "agent-3"), 2, Ct);
        await Store.Agents.MarkSilentAgentsOfflineAsync(Start + TimeSpan.FromSeconds(30), Ct);
        var accepted = await Store.Agents.RegisterAsync(NewAgent(tenant, "agent-3"), 2, Ct);

        Assert.Equal(AgentRegistrationResult.QuotaExceeded, refused);
        Assert.Equal(AgentRegistrationResult.Registered, accepted);
        Assert.Equal(2, await Store.Agents.CountOnlineAsync(tenant, Ct));
        Assert.Equal(3, (await Store.Agents.ListAsync(tenant, Ct)).Count);
    }

    [Fact]
    public async Task Concurrent_registrations_never_pass_the_quota_and_the_count_follows_agents_going_and_coming_back()
    {
        var tenant = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("globex");
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Task.Run(() => Store.Agents.RegisterAsync(NewAgent(tenant, $"racer-{i:D2}"), 10, Ct))));

        Assert.Equal(10, results.Count(r => r == AgentRegistrationResult.Registered));
        Assert.Equal(10, await Store.Agents.CountOnlineAsync(tenant, Ct));
        Assert.Equal(10, (await Store.Agents.ListAsync(tenant, Ct)).Count);
        // Another tenant's quota is its own.
        Assert.Equal(AgentRegistrationResult.Registered, await Store.Agents.RegisterAsync(NewAgent(other, "g-1"), 1, Ct));

        // Silent agents go offline and free their places; a heartbeat brings one back and takes one again.
        Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(11, (await Store.Agents.MarkSilentAgentsOfflineAsync(Time.GetUtcNow() - TimeSpan.FromSeconds(45), Ct)).Count);
        var registered = (await Store.Agents.ListAsync(tenant, Ct)).Select(a => a.Id).ToList();
        await Store.Agents.RecordHeartbeatsAsync([new AgentHeartbeat(registered[0], Time.GetUtcNow(), [])], LeaseTtl, Ct);
        var late = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => Store.Agents.RegisterAsync(NewAgent(tenant, $"late-{i:D2}"), 10, Ct))));
        Assert.Equal(9, late.Count(r => r == AgentRegistrationResult.Registered));
        Assert.Equal(10, await Store.Agents.CountOnlineAsync(tenant, Ct));
        Assert.Equal(AgentRegistrationResult.Registered, await Store.Agents.RegisterAsync(NewAgent(other, "g-2"), 1, Ct));
    }

    [Fact]
    public async Task Silent_agents_go_offline_once()
    {
        var tenant = await CreateTenantAsync("acme");
        await RegisterAgentAsync(tenant, "quiet");
        await RegisterAgentAsync(tenant, "chatty");
        Time.Advance(TimeSpan.FromSeconds(60));
        await Store.Agents.RecordHeartbeatsAsync([new AgentHeartbeat("chatty", Time.GetUtcNow(), [])], LeaseTtl, Ct);
        Time.Advance(TimeSpan.FromSeconds(30));
        var silentSince = Time.GetUtcNow() - TimeSpan.FromSeconds(45);

        var offline = await Store.Agents.MarkSilentAgentsOfflineAsync(silentSince, Ct);
        var again = await Store.Agents.MarkSilentAgentsOfflineAsync(silentSince, Ct);

        var gone = Assert.Single(offline);
        Assert.Equal("quiet", gone.Id);
        Assert.Equal(AgentState.Offline, gone.State);
        Assert.Empty(again);
        Assert.Equal(AgentState.Offline, (await Store.Agents.GetAsync(tenant, "quiet", Ct))!.State);
        Assert.Equal(AgentState.Online, (await Store.Agents.GetAsync(tenant, "chatty", Ct))!.State);
    }

    [Fact]
    public async Task A_heartbeat_brings_an_agent_back_online_and_updates_what_it_reports()
    {
        var tenant = await CreateTenantAsync("acme");
        await RegisterAgentAsync(tenant, "agent-1");
        await RegisterAgentAsync(tenant, "agent-2");
        Time.Advance(TimeSpan.FromMinutes(5));
        await Store.Agents.MarkSilentAgentsOfflineAsync(Time.GetUtcNow(), Ct);
        var newCapabilities = new AgentCapabilities("linux", "arm64", [], new Dictionary<string, string> { ["gpu"] = "true" });

        var backOnline = await Store.Agents.RecordHeartbeatsAsync(
        [
            new AgentHeartbeat("agent-1", Time.GetUtcNow(), [], newCapabilities, new AgentResources(8, 16_384, 5)),
            new AgentHeartbeat("agent-1", Time.GetUtcNow(), []),
            new AgentHeartbeat("agent-unknown", Time.GetUtcNow(), []),
        ], LeaseTtl, Ct);

        Assert.Equal(["agent-1"], backOnline);
        var agent = await Store.Agents.GetAsync(tenant, "agent-1", Ct);
        Assert.Equal(AgentState.Online, agent!.State);
        Assert.Equal(Time.GetUtcNow(), agent.LastHeartbeatAt);
        Assert.Equal("arm64", agent.Capabilities.Arch);
        Assert.Equal("true", agent.Capabilities.Labels["gpu"]);
        Assert.Equal(8, agent.Resources.CpuCores);
        Assert.Equal(AgentState.Offline, (await Store.Agents.GetAsync(tenant, "agent-2", Ct))!.State);
    }

    [Fact]
    public async Task Directives_name_jobs_to_cancel_and_attempts_to_abandon()
    {
        var tenant = await CreateTenantAsync("acme");
        await RegisterAgentAsync(tenant, "agent-1");
        var keep = await SubmitAndClaimAsync(tenant, "agent-1");
        var cancel = await SubmitAndClaimAsync(tenant, "agent-1");
        await Store.Jobs.RequestCancelAsync(tenant, cancel.Id, Ct);
        var finished = await SubmitAndClaimAsync(tenant, "agent-1");
        await CompleteAsync(finished, JobOutcome.Succeeded, exitCode: 0);
        var elsewhere = await SubmitAndClaimAsync(tenant, "agent-2");

        var held = await Store.Agents.ListHeldJobsAsync(["agent-1"], Ct);
        var directives = AgentDirectives.From(held["agent-1"],
        [
            new JobRef(keep.Id, 1),
            new JobRef(cancel.Id, 1),
            new JobRef(finished.Id, 1),
            new JobRef(elsewhere.Id, 1),
            new JobRef(keep.Id, 7),
            new JobRef("j-unknown", 1),
        ]);

        Assert.Equal([new JobRef(cancel.Id, 1)], directives.Cancel);
        Assert.Equal(
            new[] { new JobRef(finished.Id, 1), new JobRef(elsewhere.Id, 1), new JobRef(keep.Id, 7), new JobRef("j-unknown", 1) },
            directives.Abandon);
    }

    [Fact]
    public async Task Held_jobs_of_many_agents_of_several_tenants_are_read_at_once()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        await RegisterAgentAsync(acme, "agent-1");
        await RegisterAgentAsync(acme, "agent-2");
        await RegisterAgentAsync(other, "agent-3");
        await RegisterAgentAsync(acme, "agent-idle");
        var first = await SubmitAndClaimAsync(acme, "agent-1");
        var second = await SubmitAndClaimAsync(acme, "agent-1");
        var cancelled = await SubmitAndClaimAsync(acme, "agent-2");
        await Store.Jobs.RequestCancelAsync(acme, cancelled.Id, Ct);
        var finished = await SubmitAndClaimAsync(acme, "agent-2");
        await CompleteAsync(finished, JobOutcome.Succeeded, exitCode: 0);
        var foreign = await SubmitAndClaimAsync(other, "agent-3");

        var held = await Store.Agents.ListHeldJobsAsync(["agent-1", "agent-2", "agent-3", "agent-idle", "agent-unknown"], Ct);

        Assert.Equal(["agent-1", "agent-2", "agent-3"], held.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal), held["agent-1"].Select(job => job.JobId).Order(StringComparer.Ordinal));
        var cancelRequested = Assert.Single(held["agent-2"]);
        Assert.Equal(cancelled.Id, cancelRequested.JobId);
        Assert.True(cancelRequested.CancelRequested);
        Assert.Equal(other, Assert.Single(held["agent-3"]).TenantId);
        Assert.Equal(foreign.Id, held["agent-3"][0].JobId);
        Assert.Empty(await Store.Agents.ListHeldJobsAsync([], Ct));
    }

    [Fact]
    public async Task Active_jobs_are_counted_per_agent_of_the_tenant()
    {
        var tenant = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        await RegisterAgentAsync(tenant, "busy");
        await RegisterAgentAsync(tenant, "idle");
        await RegisterAgentAsync(other, "foreign");
        await SubmitAndClaimAsync(tenant, "busy");
        await SubmitAndClaimAsync(tenant, "busy");
        var done = await SubmitAndClaimAsync(tenant, "busy");
        await CompleteAsync(done, JobOutcome.Succeeded, exitCode: 0);
        await SubmitAndClaimAsync(other, "foreign");

        var counts = await Store.Agents.CountActiveJobsByAgentAsync(tenant, Ct);

        Assert.Equal(2, counts["busy"]);
        Assert.Equal(0, counts.GetValueOrDefault("idle"));
        Assert.False(counts.ContainsKey("foreign"));
    }
}
