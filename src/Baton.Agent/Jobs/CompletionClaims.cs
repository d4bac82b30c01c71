using Baton.Core.AgentProtocol;

namespace Baton.Agent.Jobs;

/// <summary>
/// Decides when a job's completion may carry a claim for the agent's next work (one request where a
/// completion and a poll were two), and keeps the server's view of what the agent holds exact: a poll
/// releases the assignments it does not list, so a poll that may claim is never built while a
/// completion claim is in flight, and a completion claims only while the poll in flight (if any) has no
/// free slots (such a poll releases nothing on the server). Several completion claims may run at once:
/// each asks only for slots no other request has asked for.
/// </summary>
public sealed class CompletionClaims(int slots, Func<(int Held, int Finishing)> count, Action<IReadOnlyList<JobAssignment>> start)
{
    private readonly Lock _lock = new();
    private int _pollFreeSlots = -1;
    private int _claimsInFlight;
    private int _slotsInFlight;
    private bool _closed;

    /// <summary>A claim in flight: the slots it asked for.</summary>
    public sealed record Ticket(int FreeSlots);

    /// <summary>Slots asked for by completion claims not yet answered.</summary>
    public int SlotsInFlight
    {
        get
        {
            lock (_lock)
                return _slotsInFlight;
        }
    }

    /// <summary>A claim for a completing job to carry, or null when it must not claim (see the class summary).</summary>
    public Ticket? TryBegin()
    {
        lock (_lock)
        {
            if (_closed || _pollFreeSlots > 0)
                return null;
            var (held, finishing) = count();
            var free = slots - (held - finishing) - _slotsInFlight;
            if (free <= 0)
                return null;
            _claimsInFlight++;
            _slotsInFlight += free;
            return new Ticket(free);
        }
    }

    /// <summary>The claim was answered (or failed: nothing assigned): its jobs start before any later poll is built.</summary>
    public void End(Ticket ticket, IReadOnlyList<JobAssignment> assigned)
    {
        if (assigned.Count > 0)
            start(assigned);
        lock (_lock)
        {
            _slotsInFlight -= ticket.FreeSlots;
            _claimsInFlight--;
        }
    }

    /// <summary>
    /// Before a poll: the free slots it may claim. While a completion claim is in flight it claims none (a
    /// heartbeat, which releases nothing); the job whose claim leaves a slot unfilled then cuts that poll short.
    /// Pair with <see cref="EndPoll"/>. The jobs held are counted under the lock: a count read before it could
    /// miss the jobs a claim that ended meanwhile started, and the poll would claim their slots again.
    /// </summary>
    public int BeginPoll()
    {
        lock (_lock)
        {
            _pollFreeSlots = _closed || _claimsInFlight > 0 ? 0 : Math.Max(0, slots - count().Held - _slotsInFlight);
            return _pollFreeSlots;
        }
    }

    /// <summary>The agent is draining: from now on no poll and no completion claims work.</summary>
    public void Close()
    {
        lock (_lock)
            _closed = true;
    }

    public void EndPoll()
    {
        lock (_lock)
            _pollFreeSlots = -1;
    }
}
