using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>The autoscaler's state: policies and pause, the per-target lease, fenced evaluations, decisions, anomalies, fleet reads.</summary>
public abstract class AutoscaleContractTests : StoreContractTests
{
    private NewAutoscalePolicy Policy(string target = "worker/default", string name = "workers") =>
        new(target, name, "triggers: []", "local", Time.GetUtcNow());

    private static AutoscaleEvaluation Evaluation(DateTimeOffset at, int replicas, string why = "held") => new(at, replicas, "{}", why, null);

    private NewAutoscaleDecision Decision(string target, int from, int to, string replica = "r1") =>
        new(target, Time.GetUtcNow(), from, to, "QueueDepth", $"queue depth 340 > 100 × {from} agents → +{to - from}", """[{"trigger":"QueueDepth"}]""", null, replica);

    [Fact]
    public async Task A_policy_is_upserted_paused_resumed_and_deleted()
    {
        await Store.Autoscale.UpsertPolicyAsync(Policy(), Ct);
        Assert.True(await Store.Autoscale.SetPausedAsync("worker/default", true, Time.GetUtcNow(), Ct));
        Time.Advance(TimeSpan.FromMinutes(1));
        await Store.Autoscale.UpsertPolicyAsync(Policy(name: "renamed") with { PolicyYaml = "triggers: [x]" }, Ct);

        var target = Assert.Single(await Store.Autoscale.ListTargetsAsync(Ct));
        Assert.Equal("renamed", target.Name);
        Assert.Equal("triggers: [x]", target.PolicyYaml);
        Assert.True(target.Paused); // re-applying keeps the pause
        Assert.Equal(Time.GetUtcNow(), target.AppliedAt);

        Assert.True(await Store.Autoscale.SetPausedAsync("worker/default", false, Time.GetUtcNow(), Ct));
        Assert.False((await Store.Autoscale.GetTargetAsync("worker/default", Ct))!.Paused);
        Assert.False(await Store.Autoscale.SetPausedAsync("api", true, Time.GetUtcNow(), Ct));
        Assert.True(await Store.Autoscale.DeletePolicyAsync("worker/default", Ct));
        Assert.Null(await Store.Autoscale.GetTargetAsync("worker/default", Ct));
        Assert.False(await Store.Autoscale.DeletePolicyAsync("worker/default", Ct));
    }

    [Fact]
    public async Task One_replica_holds_a_target_until_its_lease_runs_out_or_it_lets_go()
    {
        await Store.Autoscale.UpsertPolicyAsync(Policy(), Ct);
        var ttl = TimeSpan.FromSeconds(30);

        Assert.True(await Store.Autoscale.TryAcquireLeaseAsync("worker/default", "r1", Time.GetUtcNow(), ttl, Ct));
        Assert.False(await Store.Autoscale.TryAcquireLeaseAsync("worker/default", "r2", Time.GetUtcNow(), ttl, Ct));
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await Store.Autoscale.TryAcquireLeaseAsync("worker/default", "r1", Time.GetUtcNow(), ttl, Ct)); // renewal
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.False(await Store.Autoscale.TryAcquireLeaseAsync("worker/default", "r2", Time.GetUtcNow(), ttl, Ct));
        Time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(await Store.Autoscale.TryAcquireLeaseAsync("worker/default", "r2", Time.GetUtcNow(), ttl, Ct)); // r1 went silent

        // The old holder's late write is fenced off: nothing recorded.
        Assert.False(await Store.Autoscale.SaveEvaluationAsync("worker/default", "r1", Evaluation(Time.GetUtcNow(), 9), Decision("worker/default", 2, 9), Ct));
        Assert.Empty(await Store.Autoscale.ListDecisionsAsync(null, null, 10, Ct));

        await Store.Autoscale.ReleaseLeaseAsync("worker/default", "r2", Ct);
        Assert.True(await Store.Autoscale.TryAcquireLeaseAsync("worker/default", "r3", Time.GetUtcNow(), ttl, Ct));
        Assert.False(await Store.Autoscale.TryAcquireLeaseAsync("missing", "r3", Time.GetUtcNow(), ttl, Ct));
    }

    [Fact]
    public async Task Many_replicas_racing_for_a_lease_get_exactly_one_holder()
    {
        await Store.Autoscale.UpsertPolicyAsync(Policy(), Ct);
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Store.Autoscale.TryAcquireLeaseAsync("worker/default", $"r{i}", Time.GetUtcNow(), TimeSpan.FromSeconds(30), Ct)));
        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task Evaluations_and_decisions_are_recorded_by_the_holder_and_listed_newest_first()
    {
        await Store.Autoscale.UpsertPolicyAsync(Policy(), Ct);
        await Store.Autoscale.UpsertPolicyAsync(Policy("api", "api"), Ct);
        Assert.True(await Store.Autoscale.TryAcquireLeaseAsync("worker/default", "r1", Time.GetUtcNow(), TimeSpan.FromMinutes(1), Ct));
        Assert.True(await Store.Autoscale.TryAcquireLeaseAsync("api", "r1", Time.GetUtcNow(), TimeSpan.FromMinutes(1), Ct));

        Assert.True(await Store.Autoscale.SaveEvaluationAsync("worker/default", "r1", Evaluation(Time.GetUtcNow(), 4, "up"), Decision("worker/default", 2, 4), Ct));
        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await Store.Autoscale.SaveEvaluationAsync("api", "r1", Evaluation(Time.GetUtcNow(), 3), Decision("api", 2, 3), Ct));
        Assert.True(await Store.Autoscale.SaveEvaluationAsync("worker/default", "r1", new AutoscaleEvaluation(Time.GetUtcNow(), 6, """{"a":1}""", "again", 7), Decision("worker/default", 4, 6), Ct));
        Assert.True(await Store.Autoscale.SaveEvaluationAsync("worker/default", "r1", Evaluation(Time.GetUtcNow(), 6, "held"), null, Ct));

        var all = await Store.Autoscale.ListDecisionsAsync(null, null, 10, Ct);
        Assert.Equal([(4, 6), (2, 3), (2, 4)], all.Select(d => (d.FromReplicas, d.ToReplicas)));
        var workers = await Store.Autoscale.ListDecisionsAsync("worker/default", null, 10, Ct);
        Assert.Equal(2, workers.Count);
        Assert.Equal("queue depth 340 > 100 × 4 agents → +2", workers[0].Explanation);
        Assert.Contains("QueueDepth", workers[0].Triggers, StringComparison.Ordinal);
        Assert.Equal(Time.GetUtcNow(), workers[0].At);
        var older = await Store.Autoscale.ListDecisionsAsync(null, all[0].Id, 1, Ct);
        Assert.Equal(all[1].Id, Assert.Single(older).Id);

        var target = (await Store.Autoscale.GetTargetAsync("worker/default", Ct))!;
        Assert.Equal(6, target.Replicas);
        Assert.Equal("held", target.LastExplanation);
        Assert.Equal("{}", target.State);
        Assert.Equal("r1", target.LeaseHolder);

        Time.Advance(TimeSpan.FromDays(31));
        Assert.True(await Store.Autoscale.TrimHistoryAsync(Time.GetUtcNow() - TimeSpan.FromDays(30), Ct) >= 3);
        Assert.Empty(await Store.Autoscale.ListDecisionsAsync(null, null, 10, Ct));
    }

    [Fact]
    public async Task Anomalies_are_recorded_and_listed_newest_first()
    {
        await Store.Autoscale.AddAnomaliesAsync(
        [
            new NewAnomaly("worker/default", Time.GetUtcNow(), "tenant-outlier", "t-a", 400, 2, 60.5, "submits 400/min"),
            new NewAnomaly("worker/default", Time.GetUtcNow(), "request-flood", "key:k1", 6000, 30, double.PositiveInfinity, "flood"),
        ], Ct);
        var listed = await Store.Autoscale.ListAnomaliesAsync(null, 10, Ct);
        Assert.Equal(["request-flood", "tenant-outlier"], listed.Select(a => a.Kind));
        Assert.Equal(60.5, listed[1].Score);
        Assert.True(listed[0].Score > 1e300);
        Assert.Single(await Store.Autoscale.ListAnomaliesAsync(listed[0].Id, 10, Ct));
    }

    [Fact]
    public async Task The_fleet_read_sees_every_tenant_s_queues_agents_submissions_and_endings()
    {
        var a = await CreateTenantAsync("a");
        var b = await CreateTenantAsync("b");
        await RegisterAgentAsync(a, "agent-a");
        Assert.Equal(QueueCreateResult.Created, await Store.Queues.CreateAsync(new QueueRecord(b, "gpu", 0, null, false, Time.GetUtcNow()) { AgentGroups = ["gpu"] }, 10, Ct));
        for (var i = 0; i < 3; i++) await SubmitAsync(a);
        // Later than the others, so the claim below takes an unscheduled job (equal times tie on random ids).
        Time.Advance(TimeSpan.FromMilliseconds(10));
        await Store.Jobs.SubmitAsync(NewJob(a, idempotencyKey: "schedule:s1:2025-03-03T09:00:00Z"), Ct);
        await Store.Jobs.SubmitAsync(NewJob(b) with { Queue = "gpu" }, Ct);
        var running = Assert.Single(await ClaimAsync(a, "agent-a"));
        Assert.Equal(AttemptWriteResult.Ok, await Store.Jobs.MarkStartedAsync(a, running.Id, "agent-a", running.Attempt, Ct));
        Time.Advance(TimeSpan.FromSeconds(2));
        await CompleteAsync(running with { }, JobOutcome.Failed, exitCode: 1, error: "boom");

        var fleet = await Store.Autoscale.ReadFleetAsync(Time.GetUtcNow(), TimeSpan.FromSeconds(10), Ct);

        var aDefault = Assert.Single(fleet.Queues, q => q.TenantId == a);
        Assert.Equal((3, 1, 0), (aDefault.Pending, aDefault.ScheduledPending, aDefault.Running));
        Assert.Empty(aDefault.AgentGroups);
        var bGpu = Assert.Single(fleet.Queues, q => q.TenantId == b);
        Assert.Equal(["gpu"], bGpu.AgentGroups);
        Assert.Equal(1, bGpu.Pending);
        var activityA = Assert.Single(fleet.Tenants, t => t.TenantId == a);
        Assert.Equal((3, 1, 1), (activityA.SubmittedLastMinute, activityA.FinishedRecently, activityA.FailedFastRecently)); // the scheduled job is not a submission
        var agent = Assert.Single(fleet.Agents);
        Assert.Equal(("agent-a", "default", 4, 0), (agent.Id, agent.Group, agent.Slots, agent.ActiveJobs));

        Time.Advance(TimeSpan.FromMinutes(6));
        var later = await Store.Autoscale.ReadFleetAsync(Time.GetUtcNow(), TimeSpan.FromSeconds(10), Ct);
        Assert.Empty(later.Tenants);
    }

    [Fact]
    public async Task Demand_and_run_times_come_from_finished_unscheduled_jobs()
    {
        var a = await CreateTenantAsync("a");
        await RegisterAgentAsync(a, "agent-a");
        var bucketStart = DateTimeOffset.FromUnixTimeSeconds(Time.GetUtcNow().ToUnixTimeSeconds() / 300 * 300);
        var job = await SubmitAsync(a, package: "report");
        await Store.Jobs.SubmitAsync(NewJob(a, idempotencyKey: "schedule:s1:x"), Ct);
        var claimed = Assert.Single(await ClaimAsync(a, "agent-a", canRun: j => j.Id == job.Id));
        Assert.Equal(AttemptWriteResult.Ok, await Store.Jobs.MarkStartedAsync(a, job.Id, "agent-a", claimed.Attempt, Ct));
        Time.Advance(TimeSpan.FromSeconds(42));
        await CompleteAsync(claimed, JobOutcome.Succeeded);

        var demand = Assert.Single(await Store.Autoscale.ReadDemandAsync(bucketStart, Ct));
        Assert.Equal(bucketStart.ToUnixTimeSeconds() / 300, demand.Bucket);
        Assert.Equal((1, 1), (demand.Jobs, demand.Finished));
        Assert.Equal(42, demand.RunSeconds, 3);

        var runTime = Assert.Single(await Store.Autoscale.ReadRunTimesAsync(bucketStart, Ct));
        Assert.Equal((a, "report", 1), (runTime.TenantId, runTime.Package, runTime.Runs));
        Assert.Equal(42, runTime.MeanSeconds, 3);
    }
}
