using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Lease expiry and renewal, and fencing of the attempt a lost agent held.</summary>
public abstract class JobLeaseContractTests : StoreContractTests
{
    [Fact]
    public async Task An_expired_lease_with_attempts_left_returns_the_job_to_pending()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 2);

        Time.Advance(LeaseTtl);
        var notYet = await Store.Jobs.ExpireLeasesAsync(Ct);
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var expired = await Store.Jobs.ExpireLeasesAsync(Ct);

        Assert.Empty(notYet);
        Assert.Equal([new ExpiredLease(job.Id, tenant, "agent-1", 1, JobState.Pending)], expired);
        var pending = await Store.Jobs.GetAsync(tenant, job.Id, Ct);
        Assert.Equal(JobState.Pending, pending!.State);
        Assert.Null(pending.AgentId);
        Assert.Null(pending.LeaseExpiresAt);
        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromSeconds(2), pending.NotBefore);
        Assert.Contains("lease expired: agent agent-1", pending.Error, StringComparison.Ordinal);
        var events = await Store.Jobs.ListEventsAsync(tenant, job.Id, Ct);
        Assert.Equal([JobEventTypes.LeaseExpired, JobEventTypes.RetryScheduled], events.TakeLast(2).Select(e => e.Type));
        Assert.Equal("agent-1", events[^2].AgentId);
        Assert.Equal(1, events[^2].Attempt);
        Assert.Empty(await Store.Jobs.ExpireLeasesAsync(Ct));
    }

    [Fact]
    public async Task An_expired_lease_of_the_last_attempt_fails_the_job()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 1);
        Time.Advance(LeaseTtl + TimeSpan.FromSeconds(1));

        var expired = Assert.Single(await Store.Jobs.ExpireLeasesAsync(Ct));

        Assert.Equal(JobState.Failed, expired.NewState);
        var failed = await Store.Jobs.GetAsync(tenant, job.Id, Ct);
        Assert.Equal(JobState.Failed, failed!.State);
        Assert.Equal(Time.GetUtcNow(), failed.FinishedAt);
        Assert.StartsWith("lease expired", failed.Error, StringComparison.Ordinal);
        Assert.Equal([JobEventTypes.LeaseExpired, JobEventTypes.Failed], (await EventTypesAsync(job)).TakeLast(2));
    }

    [Fact]
    public async Task An_expired_lease_of_a_job_being_cancelled_ends_it_cancelled()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 3);
        await Store.Jobs.RequestCancelAsync(tenant, job.Id, Ct);
        Time.Advance(LeaseTtl + TimeSpan.FromSeconds(1));

        var expired = Assert.Single(await Store.Jobs.ExpireLeasesAsync(Ct));

        Assert.Equal(JobState.Cancelled, expired.NewState);
        Assert.Equal(JobState.Cancelled, (await Store.Jobs.GetAsync(tenant, job.Id, Ct))!.State);
        Assert.Equal([JobEventTypes.LeaseExpired, JobEventTypes.Cancelled], (await EventTypesAsync(job)).TakeLast(2));
    }

    [Fact]
    public async Task A_heartbeat_of_the_holder_renews_the_lease_and_stores_progress()
    {
        var tenant = await CreateTenantAsync("acme");
        await RegisterAgentAsync(tenant, "agent-1");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        Time.Advance(TimeSpan.FromSeconds(20));

        await Store.Agents.RecordHeartbeatsAsync(
            [new AgentHeartbeat("agent-1", Time.GetUtcNow(), [new RunningJobReport(job.Id, 1, new JobProgressReport(40, "page 4 of 10"))])],
            LeaseTtl, Ct);
        Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Empty(await Store.Jobs.ExpireLeasesAsync(Ct));
        var renewed = await Store.Jobs.GetAsync(tenant, job.Id, Ct);
        Assert.Equal(Start + TimeSpan.FromSeconds(50), renewed!.LeaseExpiresAt);
        Assert.Equal(40, renewed.Progress!.Percent);
        Assert.Equal("page 4 of 10", renewed.Progress.Message);
    }

    [Fact]
    public async Task A_heartbeat_for_an_attempt_the_agent_does_not_hold_renews_nothing()
    {
        var tenant = await CreateTenantAsync("acme");
        await RegisterAgentAsync(tenant, "agent-1");
        await RegisterAgentAsync(tenant, "agent-2");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        Time.Advance(TimeSpan.FromSeconds(20));

        await Store.Agents.RecordHeartbeatsAsync(
        [
            new AgentHeartbeat("agent-2", Time.GetUtcNow(), [new RunningJobReport(job.Id, 1, new JobProgressReport(99, "mine"))]),
            new AgentHeartbeat("agent-1", Time.GetUtcNow(), [new RunningJobReport(job.Id, 2)]),
        ], LeaseTtl, Ct);

        var unchanged = await Store.Jobs.GetAsync(tenant, job.Id, Ct);
        Assert.Equal(Start + LeaseTtl, unchanged!.LeaseExpiresAt);
        Assert.Null(unchanged.Progress);
    }

    [Fact]
    public async Task After_expiry_and_a_new_claim_the_old_attempt_is_refused_everywhere()
    {
        var tenant = await CreateTenantAsync("acme");
        var first = await SubmitAndClaimAsync(tenant, "agent-old", maxAttempts: 3);
        await Store.Jobs.MarkStartedAsync(tenant, first.Id, "agent-old", 1, Ct);
        Time.Advance(LeaseTtl + TimeSpan.FromSeconds(1));
        await Store.Jobs.ExpireLeasesAsync(Ct);
        Time.Advance(TimeSpan.FromSeconds(2));
        var second = Assert.Single(await ClaimAsync(tenant, "agent-new"));
        Assert.Equal(2, second.Attempt);

        var lateStart = await Store.Jobs.MarkStartedAsync(tenant, first.Id, "agent-old", 1, Ct);
        var (lateLogs, _) = await Store.Jobs.AppendLogsAsync(tenant, first.Id, "agent-old", 1,
            [new NewLogLine(1, Time.GetUtcNow(), "stdout", "late")], Ct);
        var (lateResult, lateJob) = await CompleteAsync(first, JobOutcome.Succeeded, exitCode: 0);

        Assert.Equal(AttemptWriteResult.Stale, lateStart);
        Assert.Equal(AttemptWriteResult.Stale, lateLogs);
        Assert.Equal(AttemptWriteResult.Stale, lateResult);
        Assert.Null(lateJob);
        Assert.Equal(AttemptWriteResult.Ok, await Store.Jobs.MarkStartedAsync(tenant, first.Id, "agent-new", 2, Ct));
        var (result, done) = await CompleteAsync(second, JobOutcome.Succeeded, exitCode: 0);
        Assert.Equal(AttemptWriteResult.Ok, result);
        Assert.Equal("agent-new", done!.AgentId);
    }

    [Fact]
    public async Task A_late_result_after_expiry_is_refused_even_before_a_new_claim()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 1);
        Time.Advance(LeaseTtl + TimeSpan.FromSeconds(1));
        await Store.Jobs.ExpireLeasesAsync(Ct);

        var (result, _) = await CompleteAsync(job, JobOutcome.Succeeded, exitCode: 0);

        Assert.Equal(AttemptWriteResult.Stale, result);
        Assert.Equal(JobState.Failed, (await Store.Jobs.GetAsync(tenant, job.Id, Ct))!.State);
    }
}
