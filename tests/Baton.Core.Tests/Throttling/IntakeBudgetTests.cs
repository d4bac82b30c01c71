using Baton.Core.Throttling;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Core.Tests.Throttling;

public sealed class IntakeBudgetTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    /// <summary>One simulated second: <paramref name="completed"/> jobs complete, <paramref name="offered"/> submissions ask in; returns those admitted.</summary>
    private int Second(IntakeBudget budget, int completed, int offered, bool saturated)
    {
        // Both spread evenly over the second.
        var admitted = 0;
        var steps = Math.Max(completed, offered);
        for (var i = 0; i < steps; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1.0 / steps));
            budget.Completed((i + 1) * completed / steps - i * completed / steps);
            if ((i + 1) * offered / steps > i * offered / steps && budget.TryAdmit(1, saturated)) admitted++;
        }
        return admitted;
    }

    [Fact]
    public void A_saturated_server_admits_about_what_it_completes()
    {
        var budget = new IntakeBudget(_time);
        for (var s = 0; s < 3; s++) Second(budget, completed: 400, offered: 400, saturated: false);

        var admitted = Enumerable.Range(0, 5).Select(_ => Second(budget, completed: 400, offered: 4_000, saturated: true)).ToList();

        Assert.All(admitted.Skip(1), a => Assert.InRange(a, 400 * 1.25 * 0.9, 400 * 1.25 * 1.1));
        Assert.InRange(budget.CompletionsPerSecond, 380, 420);
    }

    [Fact]
    public void Intake_is_free_when_not_saturated_or_when_the_fleet_completes_little()
    {
        var busy = new IntakeBudget(_time);
        Second(busy, completed: 400, offered: 0, saturated: false);
        Assert.Equal(4_000, Second(busy, completed: 400, offered: 4_000, saturated: false));

        // Loading a backlog into a fleet that completes little: saturated or not, nothing is refused.
        var idle = new IntakeBudget(_time);
        Assert.Equal(5_000, Second(idle, completed: 5, offered: 5_000, saturated: true));
    }

    [Fact]
    public void A_batch_takes_its_size_from_the_budget()
    {
        var budget = new IntakeBudget(_time);
        Second(budget, completed: 200, offered: 0, saturated: false);
        Assert.True(budget.TryAdmit(100, saturated: true));
        Assert.False(budget.TryAdmit(1_000, saturated: true));
        // A second later 125 more may come in (100 completions/s × 1.25); right after, none.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(budget.TryAdmit(100, saturated: true));
        Assert.False(budget.TryAdmit(100, saturated: true));
        // Once the completions have left the window the fleet is idle again: intake is free.
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(budget.TryAdmit(1_000, saturated: true));
    }

    [Fact]
    public void Retries_of_a_refused_burst_are_admitted_at_the_recent_peak_not_at_the_dip_between_them()
    {
        var budget = new IntakeBudget(_time);
        for (var s = 0; s < 3; s++) Second(budget, completed: 400, offered: 400, saturated: false);
        // The burst is refused, its clients wait: for a few seconds the fleet completes little.
        for (var s = 0; s < 3; s++) Second(budget, completed: 40, offered: 0, saturated: true);

        // Their retries arrive together: admitted at 1.25 × the 400/s the fleet did seconds ago, not 1.25 × 40.
        var admitted = Second(budget, completed: 40, offered: 4_000, saturated: true);
        Assert.InRange(admitted, 400 * 1.25 * 0.9, 400 * 1.25 * 1.6);

        // Once the peak is older than PeakMemory the current rate counts again.
        for (var s = 0; s < IntakeBudget.PeakMemory.TotalSeconds + 2; s++) Second(budget, completed: 40, offered: 0, saturated: true);
        Assert.InRange(Second(budget, completed: 40, offered: 4_000, saturated: true), 40, 50 * 1.6);
    }
}
