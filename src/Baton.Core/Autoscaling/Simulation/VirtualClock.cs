namespace Baton.Core.Autoscaling.Simulation;

/// <summary>A <see cref="TimeProvider"/> that moves only when told: the simulator's virtual time.</summary>
public sealed class VirtualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public DateTimeOffset Start { get; } = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), by, "Time does not go back.");
        _now += by;
    }
}
