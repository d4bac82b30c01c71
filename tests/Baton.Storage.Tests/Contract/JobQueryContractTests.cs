using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Submission, idempotency, reading and listing jobs.</summary>
public abstract class JobQueryContractTests : StoreContractTests
{
    [Fact]
    public async Task Submit_stores_a_pending_job_and_records_the_submitted_event()
    {
        var tenant = await CreateTenantAsync("acme");
        var (job, created) = await Store.Jobs.SubmitAsync(NewJob(tenant, "j-1", priority: 5, maxAttempts: 3, requirements: ["os=linux"]), Ct);

        Assert.True(created);
        Assert.Equal(JobState.Pending, job.State);
        Assert.Equal(0, job.Attempt);
        Assert.Equal(3, job.MaxAttempts);
        Assert.Equal(5, job.Priority);
        Assert.Equal(60, job.TimeoutSeconds);
        Assert.Equal(["os=linux"], job.Requirements);
        Assert.Equal("Ada", job.Inputs.GetProperty("name").GetString());
        Assert.Equal(Start, job.SubmittedAt);
        Assert.Null(job.AgentId);
        Assert.Null(job.LeaseExpiresAt);
        Assert.False(job.CancelRequested);

        var read = await Store.Jobs.GetAsync(tenant, "j-1", Ct);
        Assert.NotNull(read);
        Assert.Equal(job.PackageSha256, read.PackageSha256);
        Assert.Equal(job.Inputs.GetRawText(), read.Inputs.GetRawText());
        var submitted = Assert.Single(await Store.Jobs.ListEventsAsync(tenant, "j-1", Ct));
        Assert.Equal(JobEventTypes.Submitted, submitted.Type);
        Assert.Equal(Start, submitted.At);
    }

    [Fact]
    public async Task Submit_with_a_used_idempotency_key_returns_the_existing_job()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var (first, firstCreated) = await Store.Jobs.SubmitAsync(NewJob(acme, "j-1", idempotencyKey: "key-1"), Ct);
        var (again, againCreated) = await Store.Jobs.SubmitAsync(NewJob(acme, "j-2", idempotencyKey: "key-1"), Ct);
        var (elsewhere, elsewhereCreated) = await Store.Jobs.SubmitAsync(NewJob(other, "j-3", idempotencyKey: "key-1"), Ct);

        Assert.True(firstCreated);
        Assert.False(againCreated);
        Assert.Equal(first.Id, again.Id);
        Assert.True(elsewhereCreated);
        Assert.Equal("j-3", elsewhere.Id);
        Assert.Null(await Store.Jobs.GetAsync(acme, "j-2", Ct));
        Assert.Equal(1, await Store.Jobs.CountPendingAsync(acme, Ct));
    }

    [Fact]
    public async Task Another_tenants_job_is_not_found_and_not_listed()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var job = await SubmitAsync(acme);

        Assert.Null(await Store.Jobs.GetAsync(other, job.Id, Ct));
        Assert.Empty((await Store.Jobs.ListAsync(other, new JobQuery(), Ct)).Items);
        Assert.Empty(await Store.Jobs.ListEventsAsync(other, job.Id, Ct));
        Assert.Equal(0, await Store.Jobs.CountPendingAsync(other, Ct));
        Assert.Single((await Store.Jobs.ListAsync(acme, new JobQuery(), Ct)).Items);
    }

    [Fact]
    public async Task List_pages_newest_first_with_a_stable_cursor()
    {
        var tenant = await CreateTenantAsync("acme");
        for (var i = 0; i < 7; i++)
        {
            // Pairs share a timestamp so the id breaks the tie.
            if (i % 2 == 0) Time.Advance(TimeSpan.FromSeconds(1));
            await SubmitAsync(tenant, id: $"j-{i}");
        }
        var expectedOrder = (await Store.Jobs.ListAsync(tenant, new JobQuery(Limit: 500), Ct)).Items
            .Select(j => j.Id).ToList();
        Assert.Equal(["j-6", "j-5", "j-4", "j-3", "j-2", "j-1", "j-0"], expectedOrder);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Store.Jobs.ListAsync(tenant, new JobQuery(Cursor: cursor, Limit: 3), Ct);
            seen.AddRange(page.Items.Select(j => j.Id));
            cursor = page.NextCursor;
            pages++;
            if (pages == 1) await SubmitAsync(tenant, id: "j-late"); // newer than everything: must not shift later pages
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(expectedOrder, seen);
    }

    [Fact]
    public async Task List_has_no_next_cursor_when_the_page_is_the_last()
    {
        var tenant = await CreateTenantAsync("acme");
        await SubmitAsync(tenant);
        await SubmitAsync(tenant);

        var page = await Store.Jobs.ListAsync(tenant, new JobQuery(Limit: 2), Ct);

        Assert.Equal(2, page.Items.Count);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task List_filters_by_state_package_and_since()
    {
        var tenant = await CreateTenantAsync("acme");
        var old = await SubmitAsync(tenant, package: "alpha");
        Time.Advance(TimeSpan.FromMinutes(5));
        var cutoff = Time.GetUtcNow();
        var recentAlpha = await SubmitAsync(tenant, package: "alpha");
        var recentBeta = await SubmitAsync(tenant, package: "beta");
        await Store.Jobs.RequestCancelAsync(tenant, recentBeta.Id, Ct);

        var alpha = await Store.Jobs.ListAsync(tenant, new JobQuery(PackageName: "alpha"), Ct);
        var since = await Store.Jobs.ListAsync(tenant, new JobQuery(Since: cutoff), Ct);
        var cancelled = await Store.Jobs.ListAsync(tenant, new JobQuery(State: JobState.Cancelled), Ct);
        var pendingAlphaSince = await Store.Jobs.ListAsync(tenant, new JobQuery(JobState.Pending, "alpha", cutoff), Ct);

        Assert.Equal([recentAlpha.Id, old.Id], alpha.Items.Select(j => j.Id));
        Assert.Equal(new[] { recentAlpha.Id, recentBeta.Id }.Order(), since.Items.Select(j => j.Id).Order());
        Assert.Equal([recentBeta.Id], cancelled.Items.Select(j => j.Id));
        Assert.Equal([recentAlpha.Id], pendingAlphaSince.Items.Select(j => j.Id));
    }

    [Fact]
    public async Task List_filters_by_queue_with_the_other_filters_and_pages_within_it()
    {
        var tenant = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        foreach (var owner in new[] { tenant, other })
        {
            await Store.Queues.CreateAsync(new QueueRecord(owner, "gpu", 0, null, false, Time.GetUtcNow(), []), 10, Ct);
        }
        var gpu = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            gpu.Add((await SubmitAsync(tenant, NewJob(tenant, $"g{i}", package: i == 2 ? "beta" : "alpha") with { Queue = "gpu" })).Id);
            await SubmitAsync(tenant, NewJob(tenant, $"d{i}", package: "alpha"));
            Time.Advance(TimeSpan.FromSeconds(1));
        }
        await SubmitAsync(other, NewJob(other, "o1") with { Queue = "gpu" });

        var all = await Store.Jobs.ListAsync(tenant, new JobQuery(Queue: "gpu"), Ct);
        Assert.Equal(Enumerable.Reverse(gpu), all.Items.Select(j => j.Id));
        Assert.All(all.Items, j => Assert.Equal("gpu", j.Queue));
        var alphaInGpu = await Store.Jobs.ListAsync(tenant, new JobQuery(PackageName: "alpha", Queue: "gpu"), Ct);
        Assert.Equal(["g1", "g0"], alphaInGpu.Items.Select(j => j.Id));
        var defaults = await Store.Jobs.ListAsync(tenant, new JobQuery(Queue: QueueRecord.DefaultName), Ct);
        Assert.Equal(["d2", "d1", "d0"], defaults.Items.Select(j => j.Id));
        Assert.Empty((await Store.Jobs.ListAsync(tenant, new JobQuery(Queue: "no-such-queue"), Ct)).Items);

        // A cursor pages within the queue.
        var first = await Store.Jobs.ListAsync(tenant, new JobQuery(Queue: "gpu", Limit: 2), Ct);
        Assert.Equal(["g2", "g1"], first.Items.Select(j => j.Id));
        var second = await Store.Jobs.ListAsync(tenant, new JobQuery(Queue: "gpu", Cursor: first.NextCursor, Limit: 2), Ct);
        Assert.Equal(["g0"], second.Items.Select(j => j.Id));
        Assert.Null(second.NextCursor);
    }

    [Theory]
    [InlineData("not a cursor!")]
    [InlineData("bm9jb2xvbg")]
    public async Task List_refuses_a_cursor_it_did_not_make(string cursor)
    {
        var tenant = await CreateTenantAsync("acme");
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Jobs.ListAsync(tenant, new JobQuery(Cursor: cursor), Ct));
    }

    [Fact]
    public async Task Counts_pending_and_active_jobs_of_the_tenant()
    {
        var tenant = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        for (var i = 0; i < 4; i++) await SubmitAsync(tenant);
        await SubmitAsync(other);
        await ClaimAsync(tenant, "agent-1", maxJobs: 3);

        Assert.Equal(1, await Store.Jobs.CountPendingAsync(tenant, Ct));
        Assert.Equal(3, await Store.Jobs.CountActiveAsync(tenant, Ct));
        Assert.Equal(0, await Store.Jobs.CountActiveAsync(other, Ct));
    }

    [Fact]
    public async Task A_result_round_trips_as_json()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        var result = JsonDocument.Parse("""{"greeting":"Hello, Ada!","n":[1,2]}""").RootElement.Clone();

        var (outcome, done) = await Store.Jobs.CompleteAttemptAsync(
            new AttemptCompletion(tenant, job.Id, "agent-1", 1, JobOutcome.Succeeded, 0, result, null), Ct);

        Assert.Equal(AttemptWriteResult.Ok, outcome);
        var read = await Store.Jobs.GetAsync(tenant, job.Id, Ct);
        Assert.Equal("Hello, Ada!", read!.Result!.Value.GetProperty("greeting").GetString());
        Assert.Equal(2, read.Result.Value.GetProperty("n").GetArrayLength());
        Assert.Equal(read.Result.Value.GetRawText(), done!.Result!.Value.GetRawText());
    }
}
