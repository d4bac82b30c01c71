using Baton.Agent.Jobs;
using Baton.Agent.Protocol;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests.Jobs;

public sealed class JobLogShipperTests
{
    [Fact]
    public async Task Sends_in_batches_of_at_most_500_and_resends_after_failures()
    {
        var log = new JobLog(TimeProvider.System);
        using var control = new JobControl("j", 1);
        var received = new List<IReadOnlyList<AgentLogLine>>();
        var calls = 0;
        await using var shipper = new JobLogShipper(log, (lines, _, _, _) =>
        {
            if (Interlocked.Increment(ref calls) % 3 == 0)
                throw new ServerUnavailableException("down");
            lock (received)
                received.Add(lines);
            return Task.FromResult(new AppendLogsResponse(false));
        }, control, TimeSpan.FromMilliseconds(20), TimeProvider.System, new Backoff(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20)), NullLogger.Instance);
        shipper.Start();

        for (var i = 0; i < 2600; i++)
            log.Append(i % 2 == 0 ? "stdout" : "stderr", "line " + i);
        await shipper.FlushAllAsync(CancellationToken.None);

        Assert.All(received, batch => Assert.InRange(batch.Count, 1, JobLog.BatchSize));
        var all = received.SelectMany(b => b).Select(l => l.Line).Distinct().Order().ToList();
        Assert.Equal(Enumerable.Range(1, 2600).Select(i => (long)i), all);
        Assert.Equal(0, log.PendingCount);
    }

    [Fact]
    public async Task Cancel_requested_and_stale_attempts_reach_the_job_control()
    {
        var log = new JobLog(TimeProvider.System);
        using var control = new JobControl("j", 1);
        var stale = false;
        await using var shipper = new JobLogShipper(log, (_, _, _, _) =>
            stale ? throw new StaleAttemptException("409") : Task.FromResult(new AppendLogsResponse(true)),
            control, TimeSpan.FromMilliseconds(20), TimeProvider.System, Backoff.Default, NullLogger.Instance);
        shipper.Start();

        log.Append("stdout", "one");
        await Support.FakeServerState.WaitUntilAsync(() => control.StopReason == JobStopReason.Cancel, TimeSpan.FromSeconds(5), "cancel");
        stale = true;
        log.Append("stdout", "two");
        await shipper.FlushAllAsync(CancellationToken.None);

        Assert.True(shipper.Stale);
        Assert.Equal(JobStopReason.Abandon, control.StopReason);
        Assert.False(control.ShouldReport);
    }

    [Fact]
    public async Task New_progress_is_sent_at_once_without_lines_and_once_per_change()
    {
        var log = new JobLog(TimeProvider.System);
        using var control = new JobControl("j", 1);
        var sent = new List<(int Lines, JobProgressReport? Progress)>();
        await using var shipper = new JobLogShipper(log, (lines, progress, _, _) =>
        {
            lock (sent)
                sent.Add((lines.Count, progress));
            return Task.FromResult(new AppendLogsResponse(false));
        }, control, TimeSpan.FromMilliseconds(20), TimeProvider.System, Backoff.Default, NullLogger.Instance);
        shipper.Start();

        control.Progress = new JobProgressReport(47, "frame 47");
        await Support.FakeServerState.WaitUntilAsync(() => { lock (sent) return sent.Count > 0; }, TimeSpan.FromSeconds(5), "progress sent");
        await Task.Delay(200);
        control.Progress = new JobProgressReport(48, "frame 48");
        await Support.FakeServerState.WaitUntilAsync(() => { lock (sent) return sent.Count > 1; }, TimeSpan.FromSeconds(5), "second progress sent");
        await shipper.FlushAllAsync(CancellationToken.None);

        lock (sent)
        {
            Assert.Equal([(0, new JobProgressReport(47, "frame 47")), (0, new JobProgressReport(48, "frame 48"))], sent);
        }
    }
}
