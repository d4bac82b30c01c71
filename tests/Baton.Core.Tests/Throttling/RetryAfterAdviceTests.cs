using Baton.Core.Throttling;

namespace Baton.Core.Tests.Throttling;

public sealed class RetryAfterAdviceTests
{
    [Theory]
    [InlineData(0, 0, 0.5, 1)]
    [InlineData(5, 200, 0.5, 1)]
    [InlineData(2_000, 200, 0.5, 10)]
    [InlineData(100_000, 10, 0.5, 30)]
    public void The_advice_follows_refusals_over_admissions(double refused, double admitted, double unit, int expected) =>
        Assert.Equal(expected, RetryAfterAdvice.Seconds(refused, admitted, unit));

    [Fact]
    public void The_advice_spreads_clients_over_half_to_one_and_a_half_times_the_ratio()
    {
        var seen = Enumerable.Range(0, 101).Select(i => RetryAfterAdvice.Seconds(2_000, 200, i / 100.0)).ToList();
        Assert.Equal(5, seen.Min());
        Assert.Equal(15, seen.Max());
        Assert.True(seen.Distinct().Count() > 5, "the spread should use many values");
        Assert.All(seen, s => Assert.InRange(s, RetryAfterAdvice.MinSeconds, RetryAfterAdvice.MaxSeconds));
    }
}
