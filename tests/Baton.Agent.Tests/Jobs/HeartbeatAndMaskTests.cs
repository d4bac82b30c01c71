using Baton.Agent.Jobs;
using Baton.Agent.Protocol;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests.Jobs;

/// <summary>A job's heartbeat reaches the server once per request, and its credential secrets never leave the agent in a log line.</summary>
public sealed class HeartbeatAndMaskTests
{
    [Fact]
    public async Task A_heartbeat_is_sent_once_alone_and_again_after_a_failed_send()
    {
        var log = new JobLog(TimeProvider.System);
        using var control = new JobControl("j", 1);
        var sent = new List<(int Lines, JobProgressReport? Progress, bool Heartbeat)>();
        var failNext = true;
        await using var shipper = new JobLogShipper(log, (lines, progress, heartbeat, _) =>
        {
            if (failNext)
            {
                failNext = false;
                throw new ServerUnavailableException("down");
            }
            lock (sent)
                sent.Add((lines.Count, progress, heartbeat));
            return Task.FromResult(new AppendLogsResponse(false));
        }, control, TimeSpan.FromMilliseconds(20), TimeProvider.System, new Backoff(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20)), NullLogger.Instance);
        shipper.Start();

        control.RequestHeartbeat();
        await Support.FakeServerState.WaitUntilAsync(() => { lock (sent) return sent.Count > 0; }, TimeSpan.FromSeconds(5), "heartbeat sent");
        await Task.Delay(200);
        await shipper.FlushAllAsync(CancellationToken.None);

        lock (sent)
            Assert.Equal([(0, (JobProgressReport?)null, true)], sent);
        Assert.False(control.HeartbeatPending);
    }

    [Fact]
    public void Secrets_are_masked_in_every_line_appended_after_they_are_known_longest_first()
    {
        var log = new JobLog(TimeProvider.System);
        log.Append("stdout", "before: hunter2hunter2");
        log.Mask.Add("hunter2hunter2");
        log.Mask.Add("hunter2hunter2-extended");
        log.Mask.Add("abc");
        log.Append("stdout", "pw=hunter2hunter2 and hunter2hunter2-extended, abc stays");
        log.Append("stderr", "Traceback: hunter2hunter2");

        var lines = log.PeekBatch(10).Select(l => l.Text).ToList();
        Assert.Equal(["before: hunter2hunter2", "pw=*** and ***, abc stays", "Traceback: ***"], lines);
        Assert.Equal("Traceback: ***", log.Tail("stderr"));
        Assert.Equal(2, log.Mask.Count);
    }
}
