namespace Baton.Core.Throttling;

/// <summary>
/// How long a refused client should wait before it tries again, so retries do not become the load.
/// A saturated server that refuses R writes a second while it admits A would, with a fixed one-second
/// Retry-After, see every refused write come back each second: the refusals grow with the backlog
/// and their cost crowds out the admitted work (congestion collapse). Asking for about R ÷ A seconds
/// spreads the backlog's retries to roughly the rate the server admits; a random spread of ±50 %
/// keeps clients refused together from returning together.
/// </summary>
public static class RetryAfterAdvice
{
    public const int MinSeconds = 1;
    public const int MaxSeconds = 30;

    /// <param name="refusedPerSecond">Writes refused over the last second.</param>
    /// <param name="admittedPerSecond">Writes admitted over the last second.</param>
    /// <param name="unit">A uniform random number in [0, 1) for the spread.</param>
    public static int Seconds(double refusedPerSecond, double admittedPerSecond, double unit)
    {
        var ratio = Math.Max(refusedPerSecond, 0) / Math.Max(admittedPerSecond, 1);
        var centre = Math.Clamp(ratio, MinSeconds, MaxSeconds);
        var spread = centre * (0.5 + Math.Clamp(unit, 0, 1));
        return (int)Math.Clamp(Math.Round(spread), MinSeconds, MaxSeconds);
    }
}
