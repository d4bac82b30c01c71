using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Log lines: fenced batches, deduplication of resent batches, reading by sequence.</summary>
public abstract class JobLogContractTests : StoreContractTests
{
    private IReadOnlyList<NewLogLine> Lines(long from, int count, string stream = "stdout") =>
        [.. Enumerable.Range(0, count).Select(i => new NewLogLine(from + i, Time.GetUtcNow(), stream, $"line {from + i}"))];

    [Fact]
    public async Task Lines_are_read_back_in_order_and_a_resent_batch_is_stored_once()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");

        var (first, cancel) = await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 1, Lines(1, 3), Ct);
        var (resent, _) = await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 1, Lines(1, 3), Ct);
        await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 1, Lines(4, 2, "stderr"), Ct);

        Assert.Equal(AttemptWriteResult.Ok, first);
        Assert.Equal(AttemptWriteResult.Ok, resent);
        Assert.False(cancel);
        var lines = await Store.Jobs.ReadLogsAsync(tenant, job.Id, 0, 100, Ct);
        Assert.Equal(["line 1", "line 2", "line 3", "line 4", "line 5"], lines.Select(l => l.Text));
        Assert.Equal(["stdout", "stdout", "stdout", "stderr", "stderr"], lines.Select(l => l.Stream));
        Assert.Equal(lines.Select(l => l.Seq).Order(), lines.Select(l => l.Seq));
        Assert.Equal(lines.Count, lines.Select(l => l.Seq).Distinct().Count());
        Assert.All(lines, l => Assert.Equal(1, l.Attempt));
        Assert.All(lines, l => Assert.Equal(Start, l.At));
    }

    [Fact]
    public async Task Reading_after_a_sequence_number_pages_through_the_lines()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 1, Lines(1, 5), Ct);

        var firstPage = await Store.Jobs.ReadLogsAsync(tenant, job.Id, 0, 2, Ct);
        var secondPage = await Store.Jobs.ReadLogsAsync(tenant, job.Id, firstPage[^1].Seq, 2, Ct);
        var rest = await Store.Jobs.ReadLogsAsync(tenant, job.Id, secondPage[^1].Seq, 100, Ct);
        var none = await Store.Jobs.ReadLogsAsync(tenant, job.Id, rest[^1].Seq, 100, Ct);

        Assert.Equal(["line 1", "line 2"], firstPage.Select(l => l.Text));
        Assert.Equal(["line 3", "line 4"], secondPage.Select(l => l.Text));
        Assert.Equal(["line 5"], rest.Select(l => l.Text));
        Assert.Empty(none);
    }

    [Fact]
    public async Task Each_attempt_keeps_its_own_lines()
    {
        var tenant = await CreateTenantAsync("acme");
        var first = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 2);
        await Store.Jobs.AppendLogsAsync(tenant, first.Id, "agent-1", 1, Lines(1, 2), Ct);
        await CompleteAsync(first, JobOutcome.Failed, exitCode: 1);
        Time.Advance(TimeSpan.FromSeconds(2));
        var second = Assert.Single(await ClaimAsync(tenant, "agent-1"));
        await Store.Jobs.AppendLogsAsync(tenant, first.Id, "agent-1", 2, Lines(1, 2), Ct);

        var lines = await Store.Jobs.ReadLogsAsync(tenant, first.Id, 0, 100, Ct);

        Assert.Equal(2, second.Attempt);
        Assert.Equal([1, 1, 2, 2], lines.Select(l => l.Attempt));
    }

    [Fact]
    public async Task Appending_reports_a_requested_cancellation()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        await Store.Jobs.RequestCancelAsync(tenant, job.Id, Ct);

        var (result, cancel) = await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 1, Lines(1, 1), Ct);

        Assert.Equal(AttemptWriteResult.Ok, result);
        Assert.True(cancel);
    }

    [Fact]
    public async Task Appending_without_holding_the_attempt_is_refused()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var job = await SubmitAndClaimAsync(acme, "agent-1");
        var finished = await SubmitAndClaimAsync(acme, "agent-1");
        await CompleteAsync(finished, JobOutcome.Succeeded, exitCode: 0);

        var (wrongAgent, _) = await Store.Jobs.AppendLogsAsync(acme, job.Id, "agent-2", 1, Lines(1, 1), Ct);
        var (wrongAttempt, _) = await Store.Jobs.AppendLogsAsync(acme, job.Id, "agent-1", 2, Lines(1, 1), Ct);
        var (afterFinish, _) = await Store.Jobs.AppendLogsAsync(acme, finished.Id, "agent-1", 1, Lines(1, 1), Ct);
        var (foreign, _) = await Store.Jobs.AppendLogsAsync(other, job.Id, "agent-1", 1, Lines(1, 1), Ct);
        var (missing, _) = await Store.Jobs.AppendLogsAsync(acme, "j-missing", "agent-1", 1, Lines(1, 1), Ct);

        Assert.Equal(AttemptWriteResult.Stale, wrongAgent);
        Assert.Equal(AttemptWriteResult.Stale, wrongAttempt);
        Assert.Equal(AttemptWriteResult.Stale, afterFinish);
        Assert.Equal(AttemptWriteResult.NotFound, foreign);
        Assert.Equal(AttemptWriteResult.NotFound, missing);
        Assert.Empty(await Store.Jobs.ReadLogsAsync(acme, job.Id, 0, 100, Ct));
        Assert.Empty(await Store.Jobs.ReadLogsAsync(acme, finished.Id, 0, 100, Ct));
    }

    [Fact]
    public async Task Another_tenant_reads_no_lines()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var job = await SubmitAndClaimAsync(acme, "agent-1");
        await Store.Jobs.AppendLogsAsync(acme, job.Id, "agent-1", 1, Lines(1, 3), Ct);

        Assert.Empty(await Store.Jobs.ReadLogsAsync(other, job.Id, 0, 100, Ct));
        Assert.Equal(3, (await Store.Jobs.ReadLogsAsync(acme, job.Id, 0, 100, Ct)).Count);
    }
}
