using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Dispatch;

/// <summary>
/// One agent's place in its tenant's line for the next batched claim (<see cref="ClaimBatcher"/>).
/// <see cref="Jobs"/> completes with the jobs a batch assigned to it — or, for a ticket that does not
/// wait, with whatever the next batch gave (maybe nothing). A waiting ticket stays in line over several
/// batches until it is given jobs or <see cref="WithdrawAsync">withdrawn</see>.
/// </summary>
public sealed class ClaimTicket
{
    private readonly ClaimBatcher.TenantLine _line;

    internal ClaimTicket(ClaimBatcher.TenantLine line, JobClaimRequest request, bool waits)
    {
        _line = line;
        Request = request;
        Waits = waits;
    }

    public JobClaimRequest Request { get; }

    /// <summary>Whether the ticket stays in line until it is given jobs (a long-poll) or takes one batch's answer.</summary>
    public bool Waits { get; }

    internal TicketState State { get; set; }

    internal bool Withdrawn { get; set; }

    internal LinkedListNode<ClaimTicket>? Node { get; set; }

    internal TaskCompletionSource<IReadOnlyList<JobRecord>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The jobs assigned to this ticket's agent (empty for a non-waiting ticket that got none, or a withdrawn one).</summary>
    public Task<IReadOnlyList<JobRecord>> Jobs => Completion.Task;

    /// <summary>
    /// Leaves the line. A ticket already in a claim that is under way cannot leave it: the claim's jobs for
    /// it are returned (they are assigned and must be delivered), so nothing is assigned behind its back.
    /// </summary>
    public Task<IReadOnlyList<JobRecord>> WithdrawAsync() => _line.WithdrawAsync(this);

    /// <summary>
    /// The ticket's jobs; when the caller gives up first, the ticket leaves the line (the jobs of a claim already under
    /// way stay assigned, and the agent's next poll gives back what it never saw).
    /// </summary>
    public async Task<IReadOnlyList<JobRecord>> TakeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Jobs.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await WithdrawAsync();
            throw;
        }
    }

    internal enum TicketState
    {
        Waiting,
        Claiming,
        Done,
    }
}
