using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>A job's log has a byte limit: lines past it are dropped, the log says where it was cut, and the bytes kept count as the tenant's storage.</summary>
public abstract class JobLogLimitContractTests : StoreContractTests
{
    private const string Note = "[output cut: this job's log reached its limit]";

    private IReadOnlyList<NewLogLine> Lines(long from, int count, int chars = 10) =>
        [.. Enumerable.Range(0, count).Select(i => new NewLogLine(from + i, Time.GetUtcNow(), "stdout", new string((char)('a' + (int)((from + i) % 26)), chars)))];

    [Fact]
    public async Task Lines_past_the_limit_are_dropped_and_the_cut_is_said_once_in_the_log()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        var limit = new LogLimit(35, Note);

        var first = await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 1, Lines(1, 2), limit, Ct);
        var second = await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 1, Lines(3, 3), limit, Ct);
        var third = await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 1, Lines(6, 2), limit, Ct);

        Assert.Equal(AttemptWriteResult.Ok, first.Result);
        Assert.False(first.LimitReached);
        Assert.True(second.LimitReached);
        Assert.Equal(AttemptWriteResult.Ok, third.Result);
        Assert.True(third.LimitReached);
        var lines = await Store.Jobs.ReadLogsAsync(tenant, job.Id, 0, 100, Ct);
        Assert.Equal(["bbbbbbbbbb", "cccccccccc", "dddddddddd", Note], lines.Select(l => l.Text));
        Assert.Equal("system", lines[^1].Stream);
        Assert.Equal(30, await Store.Jobs.GetLogBytesAsync(tenant, Start.AddDays(-1), Ct));
    }

    [Fact]
    public async Task Log_bytes_count_per_tenant_and_a_resent_batch_counts_once()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var job = await SubmitAndClaimAsync(acme, "agent-1");
        var unlimited = new LogLimit(long.MaxValue, Note);

        await Store.Jobs.AppendLogsAsync(acme, job.Id, "agent-1", 1, Lines(1, 3, chars: 100), unlimited, Ct);
        await Store.Jobs.AppendLogsAsync(acme, job.Id, "agent-1", 1, Lines(1, 3, chars: 100), unlimited, Ct);
        await Store.Jobs.AppendLogsAsync(acme, job.Id, "agent-1", 1, [new NewLogLine(4, Start, "stdout", "é")], unlimited, Ct);

        Assert.Equal(302, await Store.Jobs.GetLogBytesAsync(acme, Start.AddDays(-1), Ct));
        Assert.Equal(0, await Store.Jobs.GetLogBytesAsync(other, Start.AddDays(-1), Ct));
        Assert.Equal(0, await Store.Jobs.GetLogBytesAsync(acme, Start.AddDays(2), Ct));
    }

    [Fact]
    public async Task A_new_attempt_past_the_limit_says_so_once_too()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 2);
        var limit = new LogLimit(15, Note);
        await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 1, Lines(1, 2), limit, Ct);
        await CompleteAsync(job, JobOutcome.Failed, exitCode: 1);
        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Single(await ClaimAsync(tenant, "agent-1"));

        var again = await Store.Jobs.AppendLogsAsync(tenant, job.Id, "agent-1", 2, Lines(1, 1), limit, Ct);

        Assert.True(again.LimitReached);
        var lines = await Store.Jobs.ReadLogsAsync(tenant, job.Id, 0, 100, Ct);
        Assert.Equal([(1, "bbbbbbbbbb"), (1, Note), (2, Note)], lines.Select(l => (l.Attempt, l.Text)));
    }
}
