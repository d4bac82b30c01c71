using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>
/// One retention policy on every backend, driven by a fake clock: what is older than its cutoff goes (whole months
/// where a backend partitions by month), what is newer stays, and deliveries still being attempted are kept.
/// </summary>
public abstract class RetentionContractTests : StoreContractTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private Task<TenantEventRecord?> AppendEventAsync(string tenant, string subject) =>
        Store.Events.AppendAsync(new NewTenantEvent(tenant, TenantEventTypes.AgentOnline, subject, JsonSerializer.SerializeToElement(new { subject })), null, Ct);

    private Task<AuditEntryRecord> AuditAsync(string tenant, DateTimeOffset at, string target) =>
        Store.Audit.AppendAsync(new NewAuditEntry(tenant, at, AuditActor.System, "tenant.updated", "tenant", target, null,
            JsonSerializer.SerializeToElement(new { target })), Ct);

    [Fact]
    public async Task Pruning_removes_what_is_past_each_cutoff_and_keeps_what_is_newer()
    {
        var tenant = await CreateTenantAsync("acme");
        await Store.Retention.PrepareAsync(Time.GetUtcNow(), Ct);

        // March: a job with its events and a log line, a tenant event, a delivered and a still-pending delivery, an audit entry.
        var oldJob = await SubmitAndClaimAsync(tenant, "agent-1");
        await Store.Jobs.AppendLogsAsync(tenant, oldJob.Id, "agent-1", oldJob.Attempt, [new NewLogLine(1, Time.GetUtcNow(), "stdout", "march")], Ct);
        await Store.Webhooks.CreateAsync(new WebhookRecord(tenant, "wh_1", "https://example.com/hook", "s", ["*"], true, null, Time.GetUtcNow(), Time.GetUtcNow(), 0), Ct);
        await AppendEventAsync(tenant, "march-1");
        await AppendEventAsync(tenant, "march-2");
        await Store.Webhooks.FanOutAsync(100, 500, Ct);
        var claimed = await Store.Webhooks.ClaimDueAsync(1, Lease, Ct);
        Assert.True(await Store.Webhooks.RecordAttemptAsync(new DeliveryAttemptResult(claimed[0].Delivery.Id, claimed[0].LeaseToken, true, 200, null, 5, null), Ct));
        var stillPending = (await Store.Webhooks.ListDeliveriesAsync(tenant, "wh_1", 10, null, Ct)).Single(d => d.State == DeliveryState.Pending);
        await AuditAsync(tenant, Time.GetUtcNow(), "march");
        // Long before: an audit entry from a month no partition was made for.
        await AuditAsync(tenant, Time.GetUtcNow().AddDays(-200), "last-summer");

        // Five months later: new rows of each kind, then a prune with cutoffs 60 days back.
        Time.Advance(TimeSpan.FromDays(150));
        var newJob = await SubmitAndClaimAsync(tenant, "agent-1");
        await Store.Jobs.AppendLogsAsync(tenant, newJob.Id, "agent-1", newJob.Attempt, [new NewLogLine(1, Time.GetUtcNow(), "stdout", "august")], Ct);
        var newEvent = await AppendEventAsync(tenant, "august");
        var cutoff = Time.GetUtcNow() - TimeSpan.FromDays(60);
        await AuditAsync(tenant, cutoff + TimeSpan.FromMilliseconds(1), "just-inside");
        await AuditAsync(tenant, Time.GetUtcNow(), "august");

        var report = await Store.Retention.PruneAsync(new RetentionCutoffs(cutoff, cutoff, cutoff, cutoff), Ct);

        Assert.True(report.RemovedAnything);
        Assert.Empty(await Store.Jobs.ReadLogsAsync(tenant, oldJob.Id, 0, 100, Ct));
        Assert.Empty(await Store.Jobs.ListEventsAsync(tenant, oldJob.Id, Ct));
        Assert.Equal("august", Assert.Single(await Store.Jobs.ReadLogsAsync(tenant, newJob.Id, 0, 100, Ct)).Text);
        Assert.NotEmpty(await Store.Jobs.ListEventsAsync(tenant, newJob.Id, Ct));
        Assert.Equal([newEvent!.Id], (await Store.Events.ListAsync(tenant, 0, null, 100, Ct)).Select(e => e.Id));
        Assert.Equal(3, await Store.Events.GetLatestIdAsync(tenant, Ct));
        Assert.Equal([stillPending.Id], (await Store.Webhooks.ListDeliveriesAsync(tenant, "wh_1", 10, null, Ct)).Select(d => d.Id));
        Assert.Equal(["august", "just-inside"], (await Store.Audit.ListAsync(new AuditQuery(tenant, 100), Ct)).Select(e => e.TargetId));

        // Nothing left to remove: a second run removes nothing and keeps everything newer.
        Assert.False((await Store.Retention.PruneAsync(new RetentionCutoffs(cutoff, cutoff, cutoff, cutoff), Ct)).RemovedAnything);
        Assert.Equal(2, (await Store.Audit.ListAsync(new AuditQuery(tenant, 100), Ct)).Count);
    }

    [Fact]
    public async Task Each_kind_of_data_follows_its_own_cutoff()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", job.Attempt, [new NewLogLine(1, Time.GetUtcNow(), "stdout", "kept")], Ct);
        await AppendEventAsync(tenant, "kept");
        await AuditAsync(tenant, Time.GetUtcNow(), "gone");
        Time.Advance(TimeSpan.FromDays(150));

        var longAgo = Start - TimeSpan.FromDays(365);
        var now = Time.GetUtcNow();
        await Store.Retention.PruneAsync(new RetentionCutoffs(JobHistory: longAgo, TenantEvents: longAgo, WebhookDeliveries: now, AuditLog: now), Ct);

        Assert.Equal("kept", Assert.Single(await Store.Jobs.ReadLogsAsync(tenant, job.Id, 0, 100, Ct)).Text);
        Assert.Single(await Store.Events.ListAsync(tenant, 0, null, 100, Ct));
        Assert.Empty(await Store.Audit.ListAsync(new AuditQuery(tenant, 100), Ct));
    }

    [Fact]
    public async Task Finished_work_items_go_after_their_cutoff_with_their_history_and_unfinished_ones_stay()
    {
        var tenant = await CreateTenantAsync("acme");
        async Task<string> ItemAsync(string reference, int maxAttempts = 3, int priority = 0) => (await Store.WorkItems.AddAsync(tenant,
            [new NewWorkItem(Baton.Core.SortableIds.New("wi_", Time.GetUtcNow()), tenant, "invoices", reference, priority, JsonSerializer.SerializeToElement(reference), null, maxAttempts)],
            Ct)).Added.Single().Id;
        async Task FinishNextAsync(WorkItemFinish finish)
        {
            var holder = new WorkItemHolder("j-1", 1);
            var claimed = await Store.WorkItems.ClaimAsync(tenant, "invoices", holder, Lease, Ct);
            Assert.Equal(WorkItemCompleteResult.Ok, await Store.WorkItems.CompleteAsync(
                new WorkItemCompletion(tenant, claimed!.Item.Id, holder, claimed.LeaseToken, finish, null, finish == WorkItemFinish.Done ? null : "no"), Ct));
        }

        // March: done, failed for good (business, and attempts spent), back in the queue after a failure, leased, waiting.
        var done = await ItemAsync("done");
        await FinishNextAsync(WorkItemFinish.Done);
        await ItemAsync("business");
        await FinishNextAsync(WorkItemFinish.BusinessFailure);
        await ItemAsync("spent", maxAttempts: 1);
        await FinishNextAsync(WorkItemFinish.ApplicationFailure);
        await ItemAsync("retrying", maxAttempts: 2);
        await FinishNextAsync(WorkItemFinish.ApplicationFailure);
        var leased = await Store.WorkItems.ClaimAsync(tenant, "invoices", new WorkItemHolder("j-2", 1), TimeSpan.FromDays(365), Ct);
        Assert.Equal("retrying", leased!.Item.Reference);
        await ItemAsync("waiting");
        Assert.NotEmpty(await Store.WorkItems.ListEventsAsync(tenant, done, Ct));

        // August: one more done, then a prune with the work-item cutoff 60 days back (the others far in the past).
        Time.Advance(TimeSpan.FromDays(150));
        var august = await ItemAsync("august", priority: 1);
        await FinishNextAsync(WorkItemFinish.Done);
        var longAgo = Start - TimeSpan.FromDays(365);
        var report = await Store.Retention.PruneAsync(new RetentionCutoffs(longAgo, longAgo, longAgo, longAgo, Time.GetUtcNow() - TimeSpan.FromDays(60)), Ct);

        Assert.Equal(3L, report.RowsDeleted["work_items"]);
        Assert.Equal(["retrying", "waiting", "august"], (await Store.WorkItems.ListAsync(tenant, "invoices", null, 10, null, Ct)).Select(i => i.Reference));
        Assert.Empty(await Store.WorkItems.ListEventsAsync(tenant, done, Ct));
        Assert.NotEmpty(await Store.WorkItems.ListEventsAsync(tenant, august, Ct));

        // Without a cutoff of their own, finished items follow the job history's.
        await Store.Retention.PruneAsync(new RetentionCutoffs(Time.GetUtcNow() + TimeSpan.FromSeconds(1), longAgo, longAgo, longAgo), Ct);
        Assert.Equal(["retrying", "waiting"], (await Store.WorkItems.ListAsync(tenant, "invoices", null, 10, null, Ct)).Select(i => i.Reference));
    }

    [Fact]
    public async Task Preparing_twice_creates_nothing_the_second_time()
    {
        await Store.Retention.PrepareAsync(Time.GetUtcNow(), Ct);
        Assert.Empty(await Store.Retention.PrepareAsync(Time.GetUtcNow(), Ct));
    }
}
