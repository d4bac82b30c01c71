using Baton.Core.Jobs;

namespace Baton.Core.Tests.Jobs;

public sealed class RetryPolicyTests
{
    private static RetryPolicy WithRandom(double value) => new(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5), () => value);

    [Theory]
    [InlineData(1, 1_000, 2_000)]
    [InlineData(2, 2_000, 4_000)]
    [InlineData(3, 4_000, 8_000)]
    [InlineData(8, 128_000, 256_000)]
    public void Each_failure_doubles_the_window_and_jitter_spans_its_upper_half(int failedAttempt, int lowestMs, int highestMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(lowestMs), WithRandom(0).DelayAfter(failedAttempt));
        Assert.Equal(TimeSpan.FromMilliseconds(highestMs), WithRandom(1).DelayAfter(failedAttempt));
        Assert.Equal(TimeSpan.FromMilliseconds((lowestMs + highestMs) / 2), WithRandom(0.5).DelayAfter(failedAttempt));
    }

    [Theory]
    [InlineData(9)]
    [InlineData(31)]
    [InlineData(1_000)]
    [InlineData(int.MaxValue)]
    public void The_delay_is_capped_at_the_maximum(int failedAttempt)
    {
        Assert.Equal(TimeSpan.FromMinutes(5), WithRandom(1).DelayAfter(failedAttempt));
        Assert.Equal(TimeSpan.FromMinutes(2.5), WithRandom(0).DelayAfter(failedAttempt));
    }

    [Fact]
    public void Real_jitter_stays_within_the_bounds()
    {
        var policy = RetryPolicy.Default;
        for (var i = 0; i < 1_000; i++)
        {
            var delay = policy.DelayAfter(3);
            Assert.InRange(delay, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8));
        }
    }

    [Fact]
    public void Invalid_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.Default.DelayAfter(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData(JobOutcome.Failed, 1, 3, true)]
    [InlineData(JobOutcome.Failed, 2, 3, true)]
    [InlineData(JobOutcome.Failed, 3, 3, false)]
    [InlineData(JobOutcome.Failed, 1, 1, false)]
    [InlineData(JobOutcome.Succeeded, 1, 3, false)]
    [InlineData(JobOutcome.Cancelled, 1, 3, false)]
    [InlineData(JobOutcome.TimedOut, 1, 3, false)]
    public void Only_failures_with_attempts_left_are_retried(JobOutcome outcome, int attempt, int maxAttempts, bool expected) =>
        Assert.Equal(expected, RetryPolicy.ShouldRetry(outcome, attempt, maxAttempts));
}
