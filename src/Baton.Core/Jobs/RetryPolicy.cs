namespace Baton.Core.Jobs;

/// <summary>
/// Exponential backoff with full jitter for job retries: attempt n waits a random time in
/// [base * 2^(n-1) / 2, base * 2^(n-1)], capped at <see cref="MaxDelay"/>.
/// </summary>
public sealed class RetryPolicy
{
    private readonly Func<double> _random;

    public RetryPolicy(TimeSpan baseDelay, TimeSpan maxDelay, Func<double>? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(baseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, baseDelay);
        BaseDelay = baseDelay;
        MaxDelay = maxDelay;
        _random = random ?? Random.Shared.NextDouble;
    }

    public static RetryPolicy Default { get; } = new(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5));

    public TimeSpan BaseDelay { get; }
    public TimeSpan MaxDelay { get; }

    /// <summary>The delay before the attempt that follows failed attempt number <paramref name="failedAttempt"/> (1-based).</summary>
    public TimeSpan DelayAfter(int failedAttempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempt, 1);
        var exponent = Math.Min(failedAttempt - 1, 30);
        var ceiling = Math.Min(BaseDelay.TotalMilliseconds * Math.Pow(2, exponent), MaxDelay.TotalMilliseconds);
        var jittered = ceiling / 2 + _random() * ceiling / 2;
        return TimeSpan.FromMilliseconds(Math.Round(jittered));
    }

    /// <summary>Whether a failed attempt is followed by another one.</summary>
    public static bool ShouldRetry(JobOutcome outcome, int attempt, int maxAttempts) =>
        outcome == JobOutcome.Failed && attempt < maxAttempts;
}
