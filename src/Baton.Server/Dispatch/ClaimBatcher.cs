using System.Collections.Concurrent;
using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dispatch;

/// <summary>
/// Batched claims. On this replica, every agent poll of a tenant that wants work takes a
/// <see cref="ClaimTicket"/> in the tenant's line; one loop per tenant runs one claim transaction at a
/// time (<see cref="IJobStore.ClaimManyAsync"/>) for every ticket in line, and hands each agent its jobs.
/// So the tenant's claim lock (PostgreSQL's advisory lock, SQLite's write gate) is taken once per batch,
/// not once per agent, and a burst of submissions is dispatched to fifty waiting agents in one
/// transaction instead of fifty queued ones. The caps hold as before: the batch spends the tenant's and
/// queues' budgets across its agents (<see cref="Core.Dispatch.JobChooser.ChooseForEach{T}"/>), under
/// the same lock that other replicas' batches take.
/// </summary>
/// <remarks>
/// The loop claims when tickets wait and something may have changed: a ticket joined (unless the
/// tenant had no ready job at all), work was signalled (<see cref="WakeUpSignals.TenantWork"/>: a
/// submission, a retry, a resumed queue — also from other replicas through the bridge), a slot was freed while ready
/// jobs were held back by a cap (<see cref="WakeUpSignals.TenantSlotFreed"/>), or
/// <see cref="ServerOptions.DispatchPollInterval"/> passed since the last look (retry back-offs
/// ending, missed signals). A quiet tenant's idle polls therefore cost no database work at all.
/// </remarks>
public sealed class ClaimBatcher
{
    /// <summary>The most tickets one claim transaction serves; the rest wait for the next batch.</summary>
    public const int MaxBatch = 256;

    /// <summary>How long a line woken by work waits for the signals of the same group commit before it claims.</summary>
    public static readonly TimeSpan SignalGather = TimeSpan.FromMilliseconds(2);

    private static readonly string WorkTopicPrefix = WakeUpSignals.TenantWork("");

    private readonly IBatonStore _store;
    private readonly WakeUpSignals _signals;
    private readonly IOptions<ServerOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ClaimBatcher> _logger;
    private readonly ConcurrentDictionary<string, TenantLine> _lines = new(StringComparer.Ordinal);
    private long _batches;
    private long _tickets;

    public ClaimBatcher(IBatonStore store, WakeUpSignals signals, IOptions<ServerOptions> options, TimeProvider time, ILogger<ClaimBatcher> logger)
    {
        _store = store;
        _signals = signals;
        _options = options;
        _time = time;
        _logger = logger;
        // A line whose last look found nothing ready answers a ticket that will not wait at once; new work for its
        // tenant must end that, also while no ticket waits (no claim loop is listening then).
        _signals.Raised += (topic, _) =>
        {
            if (topic.StartsWith(WorkTopicPrefix, StringComparison.Ordinal) && _lines.TryGetValue(topic[WorkTopicPrefix.Length..], out var line))
                line.WorkArrived();
        };
    }

    /// <summary>Claim transactions run so far (for diagnostics and tests).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Tickets served by those transactions.</summary>
    public long TicketsServed => Interlocked.Read(ref _tickets);

    /// <summary>
    /// Joins the line for the tenant's next batched claim. With <paramref name="waits"/> the ticket stays
    /// in line until it is given jobs or withdrawn (a long-poll); without, it takes the next batch's answer.
    /// </summary>
    public ClaimTicket Enqueue(JobClaimRequest request, bool waits)
    {
        ArgumentNullException.ThrowIfNull(request);
        var line = _lines.GetOrAdd(request.TenantId, tenantId => new TenantLine(this, tenantId));
        return line.Enqueue(request, waits);
    }

    /// <summary>One tenant's line of tickets and its claim loop.</summary>
    internal sealed class TenantLine(ClaimBatcher owner, string tenantId)
    {
        private readonly Lock _gate = new();
        private readonly LinkedList<ClaimTicket> _waiting = new();
        private bool _running;
        private bool _kicked;
        private TaskCompletionSource? _kick;
        private Idle _idle;
        private DateTimeOffset _idleSince;

        private enum Idle
        {
            /// <summary>Nothing known: look.</summary>
            None,
            /// <summary>The last look found no ready job at all: a new ticket changes nothing.</summary>
            NoneReady,
            /// <summary>Ready jobs, but none the tickets in line could take: a new ticket (another agent) may.</summary>
            Unclaimable,
        }

        public ClaimTicket Enqueue(JobClaimRequest request, bool waits)
        {
            var ticket = new ClaimTicket(this, request, waits);
            bool start;
            lock (_gate)
            {
                var fresh = owner._time.GetUtcNow() - _idleSince < owner._options.Value.DispatchPollInterval;
                if (!waits && _idle == Idle.NoneReady && fresh)
                {
                    // Nothing is ready and nothing was signalled since the last look: answer at once.
                    ticket.State = ClaimTicket.TicketState.Done;
                    ticket.Completion.TrySetResult([]);
                    return ticket;
                }
                ticket.Node = _waiting.AddLast(ticket);
                if (!(_idle == Idle.NoneReady && fresh)) KickLocked();
                start = !_running;
                _running = true;
            }
            if (start) _ = Task.Run(RunAsync);
            return ticket;
        }

        /// <summary>New work for the tenant: the last look's "nothing ready" no longer holds.</summary>
        public void WorkArrived()
        {
            lock (_gate)
            {
                if (_idle == Idle.NoneReady) _idle = Idle.None;
            }
        }

        public Task<IReadOnlyList<JobRecord>> WithdrawAsync(ClaimTicket ticket)
        {
            lock (_gate)
            {
                switch (ticket.State)
                {
                    case ClaimTicket.TicketState.Waiting:
                        _waiting.Remove(ticket.Node!);
                        ticket.State = ClaimTicket.TicketState.Done;
                        ticket.Completion.TrySetResult([]);
                        break;
                    case ClaimTicket.TicketState.Claiming:
                        // Its jobs are being assigned now: they are handed over when the claim ends.
                        ticket.Withdrawn = true;
                        break;
                }
            }
            return ticket.Completion.Task;
        }

        private void KickLocked()
        {
            _kicked = true;
            _kick?.TrySetResult();
        }

        private async Task RunAsync()
        {
            var failures = 0;
            while (true)
            {
                // Subscribe before looking, so work signalled while the claim runs is not missed.
                using var work = owner._signals.Subscribe(WakeUpSignals.TenantWork(tenantId));
                using var freed = owner._signals.Subscribe(WakeUpSignals.TenantSlotFreed(tenantId));
                List<ClaimTicket>? batch = null;
                Task? kicked = null;
                TimeSpan rest = default;
                lock (_gate)
                {
                    if (_waiting.Count == 0)
                    {
                        _running = false;
                        return;
                    }
                    var sinceIdle = owner._time.GetUtcNow() - _idleSince;
                    var interval = owner._options.Value.DispatchPollInterval;
                    if (_idle == Idle.None || _kicked || sinceIdle >= interval)
                    {
                        _kicked = false;
                        batch = TakeBatchLocked();
                    }
                    else
                    {
                        _kick = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        kicked = _kick.Task;
                        rest = interval - sinceIdle;
                    }
                }

                if (batch is null)
                {
                    await Task.WhenAny(work.Task, freed.Task, kicked!, Task.Delay(rest, owner._time));
                    bool signalled;
                    lock (_gate)
                    {
                        _kick = null;
                        signalled = work.Task.IsCompleted;
                        if (signalled || (freed.Task.IsCompleted && _idle == Idle.Unclaimable)) _idle = Idle.None;
                    }
                    // A group commit answers its submitters together and each signals: let the rest of those signals land
                    // here, before the claim subscribes again, so one claim takes the batch's jobs and no second claim runs
                    // for signals whose jobs it already took (their jobs were committed before they signalled).
                    if (signalled) await Task.Delay(SignalGather, owner._time);
                    continue;
                }

                var ok = await ClaimAsync(batch, work, freed);
                failures = ok ? 0 : failures + 1;
                // A database in trouble: do not spin on it (the tickets were answered with the error).
                if (!ok) await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2_000, 50 * (1 << Math.Min(failures, 6)))), owner._time);
            }
        }

        /// <summary>Every waiting ticket (up to <see cref="MaxBatch"/>) that shares the first one's limit and lease.</summary>
        private List<ClaimTicket> TakeBatchLocked()
        {
            var batch = new List<ClaimTicket>(Math.Min(_waiting.Count, MaxBatch));
            var first = _waiting.First!.Value.Request;
            for (var node = _waiting.First; node is not null && batch.Count < MaxBatch;)
            {
                var next = node.Next;
                var request = node.Value.Request;
                if (request.TenantConcurrencyLimit == first.TenantConcurrencyLimit && request.LeaseTtl == first.LeaseTtl)
                {
                    _waiting.Remove(node);
                    node.Value.State = ClaimTicket.TicketState.Claiming;
                    batch.Add(node.Value);
                }
                node = next;
            }
            return batch;
        }

        private async Task<bool> ClaimAsync(List<ClaimTicket> batch, WakeUpSignals.Subscription work, WakeUpSignals.Subscription freed)
        {
            ClaimBatchResult result;
            try
            {
                // Not cancelled by any one agent leaving: the batch serves the others too.
                result = await owner._store.Jobs.ClaimManyAsync(tenantId, [.. batch.Select(t => t.Request)], CancellationToken.None);
            }
            catch (Exception ex)
            {
                owner._logger.LogError(ex, "A batched claim for tenant {TenantId} ({Count} agents) failed", tenantId, batch.Count);
                lock (_gate)
                {
                    foreach (var ticket in batch)
                    {
                        ticket.State = ClaimTicket.TicketState.Done;
                        ticket.Completion.TrySetException(ex);
                    }
                    _idle = Idle.None;
                }
                return false;
            }

            Interlocked.Increment(ref owner._batches);
            Interlocked.Add(ref owner._tickets, batch.Count);
            var claimed = 0;
            lock (_gate)
            {
                // Tickets that got nothing keep their place at the head of the line, in their order.
                LinkedListNode<ClaimTicket>? insertBefore = _waiting.First;
                for (var i = 0; i < batch.Count; i++)
                {
                    var ticket = batch[i];
                    var jobs = result.Jobs[i];
                    claimed += jobs.Count;
                    if (jobs.Count > 0 || !ticket.Waits || ticket.Withdrawn)
                    {
                        ticket.State = ClaimTicket.TicketState.Done;
                        ticket.Completion.TrySetResult(jobs);
                        continue;
                    }
                    ticket.State = ClaimTicket.TicketState.Waiting;
                    ticket.Node = insertBefore is null ? _waiting.AddLast(ticket) : _waiting.AddBefore(insertBefore, ticket);
                }
                // A freed slot matters only when ready jobs were held back (by a cap); with none ready it changes nothing.
                // A claim that took every ready job rests too: looking again at once found nothing, a transaction per batch
                // (work submitted since it looked was signalled, and wakes the line).
                _idle = work.Task.IsCompleted ? Idle.None
                    : result.NoneReady ? Idle.NoneReady
                    : claimed > 0 ? Idle.None
                    : freed.Task.IsCompleted ? Idle.None
                    : Idle.Unclaimable;
                _idleSince = owner._time.GetUtcNow();
            }
            if (claimed > 0) owner._logger.LogDebug("Batched claim for tenant {TenantId}: {Jobs} job(s) to {Agents} agent(s)", tenantId, claimed, batch.Count);
            return true;
        }
    }
}
