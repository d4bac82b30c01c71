using System.Threading.Channels;
using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Baton.Server.Tests.Support;
using Baton.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Server.Tests.Dispatch;

/// <summary>
/// When a woken claim line claims, on a fake clock: a line that has found nothing ready for a while claims signalled work
/// at once (a lone job, an agent waiting for it); a line that looked moments ago first gathers the rest of a group
/// commit's signals for <see cref="ClaimBatcher.SignalGather"/>, so one claim takes the whole commit's jobs.
/// </summary>
public sealed class ClaimLineIdleTests : IAsyncDisposable
{
    private const string TenantId = "t_idle";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly WakeUpSignals _signals = new();
    private readonly Channel<DateTimeOffset> _claims = Channel.CreateUnbounded<DateTimeOffset>();
    private readonly ClaimBatcher _batcher;

    public ClaimLineIdleTests()
    {
        // Every claim finds nothing ready, and says when (on the fake clock) it ran.
        var jobs = ScriptedProxy.Create<IJobStore>((method, args) =>
        {
            if (method.Name != nameof(IJobStore.ClaimManyAsync)) throw new NotSupportedException(method.Name);
            _claims.Writer.TryWrite(_time.GetUtcNow());
            var requests = (IReadOnlyList<JobClaimRequest>)args[1]!;
            return Task.FromResult(ClaimBatchResult.Empty(requests.Count, noneReady: true));
        });
        var store = ScriptedProxy.Create<IBatonStore>((method, _) =>
            method.Name == "get_" + nameof(IBatonStore.Jobs) ? jobs : throw new NotSupportedException(method.Name));
        var options = Options.Create(new ServerOptions { DispatchPollInterval = TimeSpan.FromSeconds(60) });
        _batcher = new ClaimBatcher(store, _signals, options, _time, NullLogger<ClaimBatcher>.Instance);
    }

    [Fact]
    public async Task A_line_that_found_nothing_for_a_while_claims_signalled_work_before_the_clock_moves()
    {
        var ticket = _batcher.Enqueue(Request(), waits: true);
        await NextClaimAsync();
        await RestingAsync();

        _time.Advance(ClaimBatcher.IdleLine + TimeSpan.FromMilliseconds(50));
        var signalledAt = _time.GetUtcNow();
        _signals.Signal(WakeUpSignals.TenantWork(TenantId), 1);
        Assert.Equal(signalledAt, await NextClaimAsync());
        await ticket.WithdrawAsync();
    }

    [Fact]
    public async Task A_line_that_looked_moments_ago_gathers_the_commits_signals_before_it_claims()
    {
        var ticket = _batcher.Enqueue(Request(), waits: true);
        var lookedAt = await NextClaimAsync();
        await RestingAsync();

        _signals.Signal(WakeUpSignals.TenantWork(TenantId), 1);
        // The line waits on the clock: give it real time to (wrongly) claim, then move the clock.
        await Task.Delay(300);
        Assert.False(_claims.Reader.TryRead(out var early), $"claimed at {early:O} before the signal gather");
        _time.Advance(ClaimBatcher.SignalGather);
        Assert.Equal(lookedAt + ClaimBatcher.SignalGather, await NextClaimAsync());
        await ticket.WithdrawAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Withdrawn tickets leave the line empty: its loop ends once woken.
        _signals.Signal(WakeUpSignals.TenantWork(TenantId));
        _time.Advance(TimeSpan.FromMinutes(2));
        await Task.Yield();
    }

    private static JobClaimRequest Request() => new(TenantId, "agent-1", MaxJobs: 1, TenantConcurrencyLimit: 10, LeaseTtl: TimeSpan.FromMinutes(1), CanRun: _ => true);

    private async Task<DateTimeOffset> NextClaimAsync() => await _claims.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    /// <summary>Until the loop rests, subscribed: a signal from now on ends its wait (not its next look).</summary>
    private Task RestingAsync() =>
        WebhookReceiver.WaitUntilAsync(() => Task.FromResult(_batcher.IsResting(TenantId)), Patience, "the claim line to rest");
}
