namespace Baton.Agent.Protocol;

/// <summary>Exponential backoff with ±25 % jitter, so a fleet of agents does not reconnect in lockstep.</summary>
public sealed class Backoff(TimeSpan initial, TimeSpan maximum)
{
    public static Backoff Default { get; } = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(15));

    public TimeSpan Initial { get; } = initial;
    public TimeSpan Maximum { get; } = maximum;

    /// <summary>Delay before retry number <paramref name="failures"/> (1 = first retry).</summary>
    public TimeSpan DelayFor(int failures)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var raw = Math.Min(Initial.TotalMilliseconds * Math.Pow(2, exponent), Maximum.TotalMilliseconds);
        var jittered = raw * (0.75 + (Random.Shared.NextDouble() * 0.5));
        return TimeSpan.FromMilliseconds(jittered);
    }
}
