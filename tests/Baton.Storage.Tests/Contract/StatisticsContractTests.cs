using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>The fleet read for metrics and the autoscaler: every tenant's queues, agents, schedules and webhook backlog in one read.</summary>
public abstract class StatisticsContractTests : StoreContractTests
{
    [Fact]
    public async Task The_fleet_read_counts_queues_agents_schedules_and_deliveries_across_tenants()
    {
        var a = await CreateTenantAsync("acme");
        var b = await CreateTenantAsync("bolt");
        Assert.Equal(QueueCreateResult.Created, await Store.Queues.CreateAsync(new QueueRecord(b, "urgent", 5, null, false, Time.GetUtcNow()), 10, Ct));
        await RegisterAgentAsync(a, "a-1");
        await Store.Agents.RegisterAsync(NewAgent(b, "b-gpu") with { Capabilities = NewAgent(b, "b-gpu").Capabilities with { Group = "gpu" } }, 10, Ct);
        await RegisterAgentAsync(b, "b-quiet");

        // acme: one running, one assigned, one waiting out a retry backoff, two ready.
        var oldest = await SubmitAsync(a, id: "a-running");
        var retried = await SubmitAsync(a, id: "a-retried", maxAttempts: 2);
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitAsync(a, id: "a-assigned");
        await SubmitAsync(a, id: "a-ready-1");
        await SubmitAsync(a, id: "a-ready-2");
        Assert.Equal("a-running", Assert.Single(await ClaimAsync(a, "a-1", canRun: j => j.Id == "a-running")).Id);
        Assert.Equal(AttemptWriteResult.Ok, await Store.Jobs.MarkStartedAsync(a, "a-running", "a-1", 1, Ct));
        Assert.Equal("a-assigned", Assert.Single(await ClaimAsync(a, "a-1", canRun: j => j.Id == "a-assigned")).Id);
        // bolt: two pending in its urgent queue, nothing else.
        await Store.Jobs.SubmitAsync(NewJob(b, id: "b-1") with { Queue = "urgent" }, Ct);
        await Store.Jobs.SubmitAsync(NewJob(b, id: "b-2") with { Queue = "urgent" }, Ct);

        // Usage reported by one agent; the quiet one goes offline.
        Time.Advance(TimeSpan.FromSeconds(5));
        await Store.Agents.RecordHeartbeatsAsync(
            [new AgentHeartbeat("b-gpu", Time.GetUtcNow(), [], Resources: new AgentResources(8, 16_384, 1_000, CpuPercent: 62.5, MemoryUsedMb: 4_096))], LeaseTtl, Ct);
        await Store.Agents.MarkSilentAgentsOfflineAsync(Time.GetUtcNow() - TimeSpan.FromSeconds(1), Ct);
        await Store.Agents.RecordHeartbeatsAsync([new AgentHeartbeat("a-1", Time.GetUtcNow(), [])], LeaseTtl, Ct);
        var failed = Assert.Single(await ClaimAsync(a, "a-1", canRun: j => j.Id == retried.Id));
        Assert.Equal(AttemptWriteResult.Ok, (await CompleteAsync(failed, JobOutcome.Failed, exitCode: 1)).Result);

        await Store.Schedules.CreateAsync(ScheduleSamples.NewSchedule(a, "nightly", Time.GetUtcNow()), 10, Ct);
        await Store.Schedules.CreateAsync(ScheduleSamples.NewSchedule(b, "weekly", Time.GetUtcNow()) with { Paused = true }, 10, Ct);
        await Store.Webhooks.CreateAsync(new WebhookRecord(b, "wh-1", "https://example.com/hook", "secret", ["*"], true, "test", Time.GetUtcNow(), Time.GetUtcNow(), 0), Ct);
        await Store.Webhooks.AddDeliveryAsync(new NewDelivery(b, "d-1", "wh-1", null, "ping", "{}", null), Ct);

        var fleet = await Store.Statistics.ReadFleetAsync(Ct);

        Assert.Equal(Time.GetUtcNow(), fleet.ReadAt);
        Assert.Contains(fleet.Tenants, t => t.Id == a && t.Name == "acme");
        Assert.Contains(fleet.Tenants, t => t.Id == b && t.Name == "bolt");
        var acme = Assert.Single(fleet.Queues, q => q.TenantId == a);
        Assert.Equal(new QueueJobCounts(a, "default", Pending: 3, Ready: 2, Assigned: 1, Running: 1, acme.OldestPendingSubmittedAt), acme);
        // The retried job keeps its submission time: it is the oldest pending one.
        Assert.Equal(retried.SubmittedAt, acme.OldestPendingSubmittedAt);
        Assert.NotEqual(oldest.Id, retried.Id);
        var bolt = Assert.Single(fleet.Queues, q => q.TenantId == b);
        Assert.Equal(("urgent", 2L, 2L, 0L, 0L), (bolt.Queue, bolt.Pending, bolt.Ready, bolt.Assigned, bolt.Running));

        var acmeAgents = Assert.Single(fleet.AgentGroups, g => g.TenantId == a);
        Assert.Equal(("default", AgentState.Online, 1L, 4L, 2L, 4L, 8192L, 0L), (acmeAgents.Group, acmeAgents.State, acmeAgents.Agents, acmeAgents.Slots, acmeAgents.BusySlots, acmeAgents.CpuCores, acmeAgents.MemoryMb, acmeAgents.AgentsReportingUsage));
        var gpu = Assert.Single(fleet.AgentGroups, g => g.TenantId == b && g.Group == "gpu");
        Assert.Equal((AgentState.Online, 1L, 8L, 16_384L, 1L, 62.5, 4_096L), (gpu.State, gpu.Agents, gpu.CpuCores, gpu.MemoryMb, gpu.AgentsReportingUsage, gpu.CpuPercentSum, gpu.MemoryUsedMb));
        var quiet = Assert.Single(fleet.AgentGroups, g => g.TenantId == b && g.Group == "default");
        Assert.Equal((AgentState.Offline, 1L, 0L), (quiet.State, quiet.Agents, quiet.BusySlots));
        Assert.Equal(Start, quiet.OldestHeartbeatAt);

        Assert.Equal(new ScheduleCounts(Active: 1, Paused: 1), fleet.Schedules);
        Assert.Equal(1, fleet.WebhookDeliveries.Pending);
        Assert.NotNull(fleet.WebhookDeliveries.OldestDueAt);
        Assert.True(fleet.Database.SizeBytes > 0);
    }

    [Fact]
    public async Task An_empty_fleet_reads_as_zeros_and_the_connections_of_this_process_are_reported()
    {
        var fleet = await Store.Statistics.ReadFleetAsync(Ct);

        Assert.Empty(fleet.Queues);
        Assert.Empty(fleet.AgentGroups);
        Assert.Equal(new ScheduleCounts(0, 0), fleet.Schedules);
        Assert.Equal(new WebhookDeliveryCounts(0, null), fleet.WebhookDeliveries);
        var connections = Store.Statistics.ReadConnections();
        Assert.True(connections.Busy >= 0);
        Assert.True(connections.Idle is null or >= 0);
    }
}
