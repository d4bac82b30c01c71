namespace Baton.Core.Throttling;

/// <summary>
/// Keeps a saturated server from collapsing under more submissions than it can run. Accepting a job costs
/// the same CPU and database as part of running one; a saturated server that accepts, say, ten times what
/// it completes spends its capacity filling the backlog and completes ever fewer jobs. So while the server
/// is saturated and busy completing jobs, submissions are admitted at about the rate jobs complete
/// (<see cref="Factor"/> of it, never below <see cref="FloorPerSecond"/>); the rest are refused at once and
/// retried later. Not saturated, or with few completions (an idle fleet being loaded with a backlog),
/// intake is not limited at all.
/// The rate is the best completion rate of the last <see cref="PeakMemory"/>, not the current one: after a burst
/// is refused, its retries come back in waves, and between waves the fleet completes little; budgeting on that
/// dip would refuse the next wave harder, which empties the fleet further (a spiral down to the floor).
/// </summary>
/// <remarks>Thread-safe; time comes from the injected <see cref="TimeProvider"/>.</remarks>
public sealed class IntakeBudget(TimeProvider time)
{
    /// <summary>Admitted submissions per completed job while saturated.</summary>
    public const double Factor = 1.25;

    /// <summary>The least intake per second while saturated.</summary>
    public const double FloorPerSecond = 50;

    /// <summary>Below this many completions per second the fleet is not competing with intake: intake is free.</summary>
    public const double ActiveCompletionsPerSecond = 20;

    /// <summary>How long the best recent completion rate counts as what the fleet can do.</summary>
    public static readonly TimeSpan PeakMemory = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly Queue<(DateTimeOffset At, int Count)> _completions = new();
    private int _windowCount;
    private double _tokens;
    private DateTimeOffset _refilledAt = DateTimeOffset.MinValue;
    private double _peakRate;
    private DateTimeOffset _peakAt = DateTimeOffset.MinValue;

    /// <summary>Jobs completed per second over the last two seconds.</summary>
    public double CompletionsPerSecond
    {
        get
        {
            lock (_gate)
            {
                Trim(time.GetUtcNow());
                return _windowCount / Window.TotalSeconds;
            }
        }
    }

    public void Completed(int count = 1)
    {
        if (count <= 0) return;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            _completions.Enqueue((now, count));
            _windowCount += count;
            Trim(now);
        }
    }

    /// <summary>Whether <paramref name="count"/> submissions may be admitted now.</summary>
    /// <param name="saturated">Whether the server is saturated now (see the server's saturation monitor).</param>
    public bool TryAdmit(int count, bool saturated)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            Trim(now);
            var completionRate = _windowCount / Window.TotalSeconds;
            var rate = Math.Max(FloorPerSecond, PeakRate(now, completionRate) * Factor);
            var capacity = Math.Max(rate / 2, count);
            if (_refilledAt == DateTimeOffset.MinValue) _tokens = capacity;
            else _tokens = Math.Min(capacity, _tokens + rate * Math.Max(0, (now - _refilledAt).TotalSeconds));
            _refilledAt = now;

            if (!saturated || completionRate < ActiveCompletionsPerSecond)
            {
                // Free intake keeps the bucket full, ready for the moment saturation starts.
                _tokens = capacity;
                return true;
            }
            if (_tokens < count) return false;
            _tokens -= count;
            return true;
        }
    }

    /// <summary>The best completion rate of the last <see cref="PeakMemory"/> (the current one once that is older).</summary>
    private double PeakRate(DateTimeOffset now, double current)
    {
        if (current >= _peakRate || now - _peakAt > PeakMemory)
        {
            _peakRate = current;
            _peakAt = now;
        }
        return _peakRate;
    }

    private void Trim(DateTimeOffset now)
    {
        while (_completions.TryPeek(out var oldest) && now - oldest.At > Window)
        {
            _windowCount -= oldest.Count;
            _completions.Dequeue();
        }
    }
}
