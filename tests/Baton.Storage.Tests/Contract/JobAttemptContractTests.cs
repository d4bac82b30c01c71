using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Fenced writes by the agent that holds an attempt: start, completion, retries, cancellation.</summary>
public abstract class JobAttemptContractTests : StoreContractTests
{
    [Fact]
    public async Task Start_moves_an_assigned_job_to_running_and_a_repeat_is_ok()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        Time.Advance(TimeSpan.FromSeconds(1));

        var first = await Store.Jobs.MarkStartedAsync(tenant, job.Id, "agent-1", 1, Ct);
        var again = await Store.Jobs.MarkStartedAsync(tenant, job.Id, "agent-1", 1, Ct);

        Assert.Equal(AttemptWriteResult.Ok, first);
        Assert.Equal(AttemptWriteResult.Ok, again);
        var running = await Store.Jobs.GetAsync(tenant, job.Id, Ct);
        Assert.Equal(JobState.Running, running!.State);
        Assert.Equal(Time.GetUtcNow(), running.StartedAt);
        Assert.Equal([JobEventTypes.Submitted, JobEventTypes.Assigned, JobEventTypes.Started], await EventTypesAsync(job));
    }

    [Fact]
    public async Task Start_by_another_agent_or_attempt_is_stale_and_an_unknown_job_is_not_found()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var job = await SubmitAndClaimAsync(acme, "agent-1");

        Assert.Equal(AttemptWriteResult.Stale, await Store.Jobs.MarkStartedAsync(acme, job.Id, "agent-2", 1, Ct));
        Assert.Equal(AttemptWriteResult.Stale, await Store.Jobs.MarkStartedAsync(acme, job.Id, "agent-1", 2, Ct));
        Assert.Equal(AttemptWriteResult.NotFound, await Store.Jobs.MarkStartedAsync(other, job.Id, "agent-1", 1, Ct));
        Assert.Equal(AttemptWriteResult.NotFound, await Store.Jobs.MarkStartedAsync(acme, "j-missing", "agent-1", 1, Ct));
        Assert.Equal(JobState.Assigned, (await Store.Jobs.GetAsync(acme, job.Id, Ct))!.State);
    }

    [Fact]
    public async Task Start_of_a_finished_attempt_is_an_invalid_state()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        await CompleteAsync(job, JobOutcome.Succeeded, exitCode: 0);

        Assert.Equal(AttemptWriteResult.InvalidState, await Store.Jobs.MarkStartedAsync(tenant, job.Id, "agent-1", 1, Ct));
    }

    [Fact]
    public async Task Success_stores_the_result_and_ends_the_lease()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        await Store.Jobs.MarkStartedAsync(tenant, job.Id, "agent-1", 1, Ct);
        Time.Advance(TimeSpan.FromSeconds(3));

        var (result, done) = await CompleteAsync(job, JobOutcome.Succeeded, exitCode: 0);

        Assert.Equal(AttemptWriteResult.Ok, result);
        Assert.Equal(JobState.Succeeded, done!.State);
        Assert.Equal(0, done.ExitCode);
        Assert.True(done.Result!.Value.GetProperty("ok").GetBoolean());
        Assert.Equal(Time.GetUtcNow(), done.FinishedAt);
        Assert.Null(done.LeaseExpiresAt);
        Assert.Equal("agent-1", done.AgentId);
        Assert.Equal(JobEventTypes.Succeeded, (await EventTypesAsync(job))[^1]);
        Assert.Equal(0, await Store.Jobs.CountActiveAsync(tenant, Ct));
    }

    [Fact]
    public async Task A_repeated_completion_by_the_same_holder_is_ok_and_changes_nothing()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        await CompleteAsync(job, JobOutcome.Succeeded, exitCode: 0);
        Time.Advance(TimeSpan.FromSeconds(5));

        var (repeat, current) = await CompleteAsync(job, JobOutcome.Failed, exitCode: 1);
        var (otherAgent, _) = await CompleteAsync(job, JobOutcome.Succeeded, agentId: "agent-2");
        var (otherAttempt, _) = await CompleteAsync(job, JobOutcome.Succeeded, attempt: 2);

        Assert.Equal(AttemptWriteResult.Ok, repeat);
        Assert.Equal(JobState.Succeeded, current!.State);
        Assert.Equal(Start, current.FinishedAt);
        Assert.Equal(AttemptWriteResult.Stale, otherAgent);
        Assert.Equal(AttemptWriteResult.Stale, otherAttempt);
        Assert.Single(await EventTypesAsync(job), t => t == JobEventTypes.Succeeded);
    }

    [Fact]
    public async Task A_failure_with_attempts_left_goes_back_to_pending_after_the_backoff()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 3);

        var (result, retried) = await CompleteAsync(job, JobOutcome.Failed, exitCode: 1, error: "Traceback: boom");

        Assert.Equal(AttemptWriteResult.Ok, result);
        Assert.Equal(JobState.Pending, retried!.State);
        Assert.Equal(1, retried.Attempt);
        Assert.Null(retried.AgentId);
        Assert.Null(retried.LeaseExpiresAt);
        Assert.Null(retried.FinishedAt);
        Assert.Equal("Traceback: boom", retried.Error);
        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromSeconds(2), retried.NotBefore);
        var events = await Store.Jobs.ListEventsAsync(tenant, job.Id, Ct);
        Assert.Equal([JobEventTypes.Failed, JobEventTypes.RetryScheduled], events.TakeLast(2).Select(e => e.Type));
        Assert.All(events.TakeLast(2), e => Assert.Equal(1, e.Attempt));

        // The second failure waits twice as long.
        Time.Advance(TimeSpan.FromSeconds(2));
        var second = Assert.Single(await ClaimAsync(tenant, "agent-1"));
        var (_, again) = await CompleteAsync(second, JobOutcome.Failed, exitCode: 1);
        Assert.Equal(2, again!.Attempt);
        Assert.Equal(Time.GetUtcNow() + TimeSpan.FromSeconds(4), again.NotBefore);
    }

    [Fact]
    public async Task A_failure_of_the_last_attempt_ends_failed()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 1);

        var (_, failed) = await CompleteAsync(job, JobOutcome.Failed, exitCode: 2, error: "boom");

        Assert.Equal(JobState.Failed, failed!.State);
        Assert.Equal(2, failed.ExitCode);
        Assert.Equal("boom", failed.Error);
        Assert.Equal(Time.GetUtcNow(), failed.FinishedAt);
        Assert.Equal(JobEventTypes.Failed, (await EventTypesAsync(job))[^1]);
    }

    [Fact]
    public async Task A_timeout_ends_the_job_without_a_retry()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 3);

        var (_, timedOut) = await CompleteAsync(job, JobOutcome.TimedOut, error: "timed out after 60s");

        Assert.Equal(JobState.TimedOut, timedOut!.State);
        Assert.Equal(JobEventTypes.TimedOut, (await EventTypesAsync(job))[^1]);
    }

    [Fact]
    public async Task A_job_whose_cancel_was_requested_ends_cancelled_unless_it_succeeded()
    {
        var tenant = await CreateTenantAsync("acme");
        var failing = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 3);
        await Store.Jobs.RequestCancelAsync(tenant, failing.Id, Ct);
        var succeeding = await SubmitAndClaimAsync(tenant, "agent-1");
        await Store.Jobs.RequestCancelAsync(tenant, succeeding.Id, Ct);

        var (_, cancelled) = await CompleteAsync(failing, JobOutcome.Failed, exitCode: -15);
        var (_, succeeded) = await CompleteAsync(succeeding, JobOutcome.Succeeded, exitCode: 0);

        Assert.Equal(JobState.Cancelled, cancelled!.State);
        Assert.Equal(JobEventTypes.Cancelled, (await EventTypesAsync(failing))[^1]);
        Assert.Equal(JobState.Succeeded, succeeded!.State);
    }

    [Fact]
    public async Task Completion_in_another_tenant_is_not_found()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var job = await SubmitAndClaimAsync(acme, "agent-1");

        var (result, leaked) = await Store.Jobs.CompleteAttemptAsync(
            new AttemptCompletion(other, job.Id, "agent-1", 1, JobOutcome.Succeeded, 0, null, null), Ct);

        Assert.Equal(AttemptWriteResult.NotFound, result);
        Assert.Null(leaked);
        Assert.Equal(JobState.Assigned, (await Store.Jobs.GetAsync(acme, job.Id, Ct))!.State);
    }

    [Fact]
    public async Task Cancel_ends_a_pending_job_at_once()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAsync(tenant);

        var (result, cancelled) = await Store.Jobs.RequestCancelAsync(tenant, job.Id, Ct);

        Assert.Equal(CancelResult.Cancelled, result);
        Assert.Equal(JobState.Cancelled, cancelled!.State);
        Assert.Equal(Time.GetUtcNow(), cancelled.FinishedAt);
        Assert.Equal([JobEventTypes.Submitted, JobEventTypes.Cancelled], await EventTypesAsync(job));
    }

    [Fact]
    public async Task Cancel_of_a_job_on_an_agent_asks_the_agent_and_may_be_repeated()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");

        var (first, requested) = await Store.Jobs.RequestCancelAsync(tenant, job.Id, Ct);
        var (again, _) = await Store.Jobs.RequestCancelAsync(tenant, job.Id, Ct);

        Assert.Equal(CancelResult.Requested, first);
        Assert.Equal(CancelResult.Requested, again);
        Assert.True(requested!.CancelRequested);
        Assert.Equal(JobState.Assigned, requested.State);
        Assert.Single(await EventTypesAsync(job), t => t == JobEventTypes.CancelRequested);
    }

    [Fact]
    public async Task Cancel_of_a_finished_job_or_another_tenants_job_changes_nothing()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var done = await SubmitAndClaimAsync(acme, "agent-1");
        await CompleteAsync(done, JobOutcome.Succeeded, exitCode: 0);
        var pending = await SubmitAsync(acme);

        var (finished, finishedJob) = await Store.Jobs.RequestCancelAsync(acme, done.Id, Ct);
        var (foreign, foreignJob) = await Store.Jobs.RequestCancelAsync(other, pending.Id, Ct);
        var (missing, _) = await Store.Jobs.RequestCancelAsync(acme, "j-missing", Ct);

        Assert.Equal(CancelResult.AlreadyFinished, finished);
        Assert.Equal(JobState.Succeeded, finishedJob!.State);
        Assert.Equal(CancelResult.NotFound, foreign);
        Assert.Null(foreignJob);
        Assert.Equal(CancelResult.NotFound, missing);
        Assert.Equal(JobState.Pending, (await Store.Jobs.GetAsync(acme, pending.Id, Ct))!.State);
    }
}
