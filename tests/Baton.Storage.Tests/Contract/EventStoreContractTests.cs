using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>The tenant event log: per-tenant ids, filters, de-duplicated alerts, and events written with their cause.</summary>
public abstract class EventStoreContractTests : StoreContractTests
{
    private static JsonElement Payload(object value) => JsonSerializer.SerializeToElement(value);

    [Fact]
    public async Task Ids_count_up_per_tenant_and_reads_page_after_an_id_with_a_type_filter()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        await Store.Events.AppendAsync(new NewTenantEvent(acme, TenantEventTypes.QuotaReached, "agents", Payload(new { n = 1 })), null, Ct);
        var other = await Store.Events.AppendAsync(new NewTenantEvent(globex, TenantEventTypes.AgentOnline, "a-1", Payload(new { n = 2 })), null, Ct);
        await Store.Events.AppendAsync(new NewTenantEvent(acme, TenantEventTypes.AgentOffline, "a-2", Payload(new { n = 3 })), null, Ct);

        var all = await Store.Events.ListAsync(acme, 0, null, 100, Ct);
        Assert.Equal([1L, 2L], all.Select(e => e.Id));
        Assert.Equal(1, other!.Id);
        Assert.Equal(3, all[1].Payload.GetProperty("n").GetInt32());
        Assert.Equal(Time.GetUtcNow(), all[1].CreatedAt);
        Assert.Equal([2L], (await Store.Events.ListAsync(acme, 1, null, 100, Ct)).Select(e => e.Id));
        Assert.Equal([2L], (await Store.Events.ListAsync(acme, 0, [TenantEventTypes.AgentOffline], 100, Ct)).Select(e => e.Id));
        Assert.Equal(2, await Store.Events.GetLatestIdAsync(acme, Ct));
        Assert.Equal(0, await Store.Events.GetLatestIdAsync(await CreateTenantAsync("initech"), Ct));
    }

    [Fact]
    public async Task An_alert_with_a_window_is_appended_once_per_subject_within_it()
    {
        var tenant = await CreateTenantAsync("acme");
        var alert = new NewTenantEvent(tenant, TenantEventTypes.QuotaReached, "agents", Payload(new { quota = "agents" }));
        var window = TimeSpan.FromHours(1);

        var first = await Store.Events.AppendAsync(alert, window, Ct);
        var again = await Store.Events.AppendAsync(alert, window, Ct);
        var otherQuota = await Store.Events.AppendAsync(alert with { SubjectId = "storageGb" }, window, Ct);
        Time.Advance(window + TimeSpan.FromSeconds(1));
        var later = await Store.Events.AppendAsync(alert, window, Ct);

        Assert.NotNull(first);
        Assert.Null(again);
        Assert.NotNull(otherQuota);
        Assert.Equal(3, later!.Id);
    }

    [Fact]
    public async Task Parallel_appends_get_distinct_gap_free_ids()
    {
        var tenant = await CreateTenantAsync("acme");
        var appended = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Store.Events.AppendAsync(new NewTenantEvent(tenant, TenantEventTypes.AgentOnline, "a-" + i, Payload(new { i })), null, Ct)));

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), appended.Select(e => e!.Id).Order());
        Assert.Equal(40, (await Store.Events.ListAsync(tenant, 0, null, 100, Ct)).Count);
    }

    [Fact]
    public async Task A_job_ending_writes_its_event_and_a_retry_does_not()
    {
        var tenant = await CreateTenantAsync("acme");
        var retried = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 2);
        await CompleteAsync(retried, JobOutcome.Failed, exitCode: 1, error: "boom");
        Assert.Empty(await Store.Events.ListAsync(tenant, 0, null, 100, Ct));

        var job = await SubmitAsync(tenant, package: "report");
        var claimed = (await ClaimAsync(tenant, "agent-1", maxJobs: 5)).Single(j => j.Id == job.Id);
        await CompleteAsync(claimed, JobOutcome.Failed, exitCode: 3, error: "bad input");

        var ended = Assert.Single(await Store.Events.ListAsync(tenant, 0, null, 100, Ct));
        Assert.Equal((TenantEventTypes.JobFailed, job.Id), (ended.Type, ended.SubjectId));
        Assert.Equal("report", ended.Payload.GetProperty("package").GetString());
        Assert.Equal("failed", ended.Payload.GetProperty("state").GetString());
        Assert.Equal(3, ended.Payload.GetProperty("exitCode").GetInt32());
        Assert.Equal("bad input", ended.Payload.GetProperty("error").GetString());
        Assert.Equal(1, ended.Payload.GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task Success_timeout_cancel_and_lease_expiry_each_write_one_event()
    {
        var tenant = await CreateTenantAsync("acme");
        var succeeded = await SubmitAndClaimAsync(tenant, "agent-1");
        await CompleteAsync(succeeded, JobOutcome.Succeeded);
        var timedOut = await SubmitAndClaimAsync(tenant, "agent-1");
        await CompleteAsync(timedOut, JobOutcome.TimedOut);
        var pending = await SubmitAsync(tenant);
        await Store.Jobs.RequestCancelAsync(tenant, pending.Id, Ct);
        var lost = await SubmitAndClaimAsync(tenant, "agent-1");
        Time.Advance(LeaseTtl + TimeSpan.FromSeconds(1));
        await Store.Jobs.ExpireLeasesAsync(Ct);

        var events = await Store.Events.ListAsync(tenant, 0, null, 100, Ct);
        Assert.Equal(
            [(TenantEventTypes.JobSucceeded, succeeded.Id), (TenantEventTypes.JobTimedOut, timedOut.Id), (TenantEventTypes.JobCancelled, pending.Id), (TenantEventTypes.JobFailed, lost.Id)],
            events.Select(e => (e.Type, e.SubjectId)));
        Assert.StartsWith("lease expired", events[3].Payload.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(Time.GetUtcNow(), events[3].Payload.GetProperty("finishedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Agents_going_offline_and_coming_back_write_events()
    {
        var tenant = await CreateTenantAsync("acme");
        await RegisterAgentAsync(tenant, "agent-1");
        Time.Advance(TimeSpan.FromMinutes(2));
        await Store.Agents.MarkSilentAgentsOfflineAsync(Time.GetUtcNow() - TimeSpan.FromMinutes(1), Ct);
        await Store.Agents.RecordHeartbeatsAsync([new AgentHeartbeat("agent-1", Time.GetUtcNow(), [])], LeaseTtl, Ct);
        await Store.Agents.RecordHeartbeatsAsync([new AgentHeartbeat("agent-1", Time.GetUtcNow(), [])], LeaseTtl, Ct);

        var events = await Store.Events.ListAsync(tenant, 0, null, 100, Ct);
        Assert.Equal([TenantEventTypes.AgentOffline, TenantEventTypes.AgentOnline], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal("agent-1", e.SubjectId));
        Assert.Equal("host-agent-1", events[1].Payload.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Job_endings_in_parallel_with_alerts_and_a_follower_give_each_event_one_gap_free_id_and_the_follower_misses_none()
    {
        var tenant = await CreateTenantAsync("acme");
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 30; i++) jobs.Add(await SubmitAndClaimAsync(tenant, "agent-" + (i % 5)));

        // A reader following the log while it grows: what it collects must be exactly the log, in id order.
        using var done = new CancellationTokenSource();
        var followed = new List<TenantEventRecord>();
        var follower = Task.Run(async () =>
        {
            var cursor = 0L;
            while (true)
            {
                var finished = done.IsCancellationRequested;
                var page = await Store.Events.ListAsync(tenant, cursor, null, 7, Ct);
                followed.AddRange(page);
                if (page.Count > 0) cursor = page[^1].Id;
                else if (finished) return;
            }
        }, Ct);
        var endings = jobs.Select(async job => await CompleteAsync(job, JobOutcome.Succeeded) as object);
        var alerts = Enumerable.Range(0, 10).Select(i =>
            (Task)Store.Events.AppendAsync(new NewTenantEvent(tenant, TenantEventTypes.QuotaReached, "q-" + i, Payload(new { i })), null, Ct));
        await Task.WhenAll(endings.Cast<Task>().Concat(alerts));
        await done.CancelAsync();
        await follower;

        var log = await Store.Events.ListAsync(tenant, 0, null, 1000, Ct);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), log.Select(e => e.Id));
        Assert.Equal(jobs.Select(j => j.Id).Order(StringComparer.Ordinal),
            log.Where(e => e.Type == TenantEventTypes.JobSucceeded).Select(e => e.SubjectId).Order(StringComparer.Ordinal));
        Assert.Equal(log.Select(e => (e.Id, e.Type, e.SubjectId)), followed.Select(e => (e.Id, e.Type, e.SubjectId)));
        Assert.Equal(40, await Store.Events.GetLatestIdAsync(tenant, Ct));
    }
}
