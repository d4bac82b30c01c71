using System.Collections.Concurrent;
using Baton.Core.AgentProtocol;
using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// Decides whether a poll must read the jobs its agent holds from the store (to find assignments that never
/// reached it, and the cancel / abandon directives). Most polls need not: an agent that confirmed every
/// assignment this replica gave it (by starting the job or listing it as running), and had no news, holds
/// nothing the store would tell it about. News is a signal for it, on every replica through the bridge: a
/// cancel request or an expired lease (<see cref="WakeUpSignals.Agent"/>), or an assignment by another replica
/// (<see cref="WakeUpSignals.AgentAssigned"/>, whose answer may have been lost on the way). A full read still
/// happens at least every <see cref="ServerOptions.HeldJobsRecheckInterval"/> per agent, in case a signal was lost.
/// </summary>
public sealed class HeldJobReads
{
    private readonly ConcurrentDictionary<string, AgentState> _agents = new(StringComparer.Ordinal);
    private readonly WakeUpSignals _signals;
    private readonly IOptions<ServerOptions> _options;
    private readonly TimeProvider _time;
    private long _reads;
    private long _skips;
    private DateTimeOffset _lastSweep;

    public HeldJobReads(WakeUpSignals signals, IOptions<ServerOptions> options, TimeProvider time)
    {
        _signals = signals;
        _options = options;
        _time = time;
        signals.Raised += OnSignal;
    }

    /// <summary>Polls that read what their agent holds, and polls that did not need to (diagnostics, tests).</summary>
    public (long Reads, long Skips) Counts => (Interlocked.Read(ref _reads), Interlocked.Read(ref _skips));

    /// <summary>
    /// Whether this poll must read the agent's held jobs. <paramref name="running"/> is what the agent reports:
    /// a reported attempt confirms its assignment was delivered. A poll that may not release lost assignments
    /// (<paramref name="mayRelease"/> false: it has no free slots) reads for the directives only, and leaves what may
    /// be lost for the next poll that may release it.
    /// </summary>
    public bool MustRead(string agentId, IReadOnlyList<JobRef> running, bool mayRelease = true)
    {
        var now = _time.GetUtcNow();
        SweepIfDue(now);
        var state = _agents.GetOrAdd(agentId, _ => new AgentState());
        lock (state)
        {
            state.SeenAt = now;
            foreach (var job in running) state.Unconfirmed.Remove((job.JobId, job.Attempt));
            var due = state.News || state.AssignedElsewhere || state.Unconfirmed.Count > 0
                || now - state.ReadAt >= _options.Value.HeldJobsRecheckInterval;
            if (!due)
            {
                Interlocked.Increment(ref _skips);
                return false;
            }
            // Cleared before the read: news arriving while it runs sets the flag again for the next poll.
            state.News = false;
            state.ReadAt = now;
            if (mayRelease)
            {
                state.AssignedElsewhere = false;
                state.Unconfirmed.Clear();
            }
            Interlocked.Increment(ref _reads);
            return true;
        }
    }

    /// <summary>
    /// A poll's answer carried cancel or abandon directives: until a read finds none (the agent stopped reporting those
    /// attempts), its next polls read again and repeat them. The answer may never reach the agent (it cuts a poll short
    /// when a slot frees, a connection breaks), and a directive read once and lost would otherwise wait for the
    /// <see cref="ServerOptions.HeldJobsRecheckInterval"/>: a cancelled job running on for a minute or more.
    /// </summary>
    public void DirectivesSent(string agentId, int cancels, int abandons)
    {
        if (cancels == 0 && abandons == 0) return;
        var state = _agents.GetOrAdd(agentId, _ => new AgentState());
        lock (state) state.News = true;
    }

    /// <summary>
    /// This replica handed <paramref name="jobs"/> to the agent: until it confirms them, its polls here read what it
    /// holds; other replicas are told, so that its next poll there does too.
    /// </summary>
    public void Assigned(string agentId, IReadOnlyList<JobRecord> jobs)
    {
        if (jobs.Count == 0) return;
        var state = _agents.GetOrAdd(agentId, _ => new AgentState());
        lock (state)
        {
            foreach (var job in jobs) state.Unconfirmed.Add((job.Id, job.Attempt));
        }
        _signals.Signal(WakeUpSignals.AgentAssigned(agentId));
    }

    /// <summary>The agent started (or ended) an attempt: its assignment was delivered.</summary>
    public void Confirmed(string agentId, string jobId, int attempt)
    {
        if (!_agents.TryGetValue(agentId, out var state)) return;
        lock (state) state.Unconfirmed.Remove((jobId, attempt));
    }

    private void OnSignal(string topic, bool fromOtherReplica)
    {
        string agentId;
        var assigned = false;
        if (topic.StartsWith(WakeUpSignals.AgentTopicPrefix, StringComparison.Ordinal)) agentId = topic[WakeUpSignals.AgentTopicPrefix.Length..];
        // This replica's own assignments are tracked exactly (unconfirmed jobs); another's are news.
        else if (fromOtherReplica && topic.StartsWith(WakeUpSignals.AssignedTopicPrefix, StringComparison.Ordinal))
        {
            agentId = topic[WakeUpSignals.AssignedTopicPrefix.Length..];
            assigned = true;
        }
        else return;
        if (!_agents.TryGetValue(agentId, out var state)) return;
        lock (state)
        {
            if (assigned) state.AssignedElsewhere = true;
            else state.News = true;
        }
    }

    /// <summary>Forgets agents not seen for a while (they read in full when they come back).</summary>
    private void SweepIfDue(DateTimeOffset now)
    {
        var forgetAfter = _options.Value.AgentTtl * 2;
        if (now - _lastSweep < forgetAfter) return;
        _lastSweep = now;
        foreach (var (agentId, state) in _agents)
        {
            if (now - state.SeenAt > forgetAfter) _agents.TryRemove(agentId, out _);
        }
    }

    private sealed class AgentState
    {
        public HashSet<(string JobId, int Attempt)> Unconfirmed { get; } = [];
        public DateTimeOffset ReadAt { get; set; } = DateTimeOffset.MinValue;
        public DateTimeOffset SeenAt { get; set; }
        /// <summary>A cancel request or an expired lease: directives to read.</summary>
        public bool News { get; set; }

        /// <summary>Another replica assigned the agent work whose answer may have been lost: for a poll that may release.</summary>
        public bool AssignedElsewhere { get; set; }
    }
}
