namespace Baton.Core.Autoscaling.Forecasting;

/// <summary>
/// Demand per 5-minute bucket, in agent-seconds (one job running for one second on one slot), kept for
/// <see cref="Retention"/>. Only demand that no schedule explains goes here: scheduled work is known
/// ahead from the upcoming fires, so forecasting it from history would count it twice (and would
/// expect it on a holiday, when it has no fires).
/// </summary>
public sealed class DemandHistory
{
    public const int BucketSeconds = 300;
    public const int BucketsPerDay = 86_400 / BucketSeconds;
    public const int BucketsPerWeek = 7 * BucketsPerDay;
    public static readonly TimeSpan Bucket = TimeSpan.FromSeconds(BucketSeconds);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(35);

    private readonly SortedDictionary<long, double> _buckets = [];

    public int Count => _buckets.Count;

    /// <summary>The bucket an instant falls in (its index since the Unix epoch).</summary>
    public static long BucketOf(DateTimeOffset at) => Math.DivRem(at.ToUnixTimeSeconds(), BucketSeconds, out var rest) - (rest < 0 ? 1 : 0);

    public static DateTimeOffset StartOf(long bucket) => DateTimeOffset.FromUnixTimeSeconds(bucket * BucketSeconds);

    /// <summary>Adds demand to the bucket of <paramref name="at"/>.</summary>
    public void Add(DateTimeOffset at, double agentSeconds)
    {
        if (!double.IsFinite(agentSeconds) || agentSeconds < 0) throw new ArgumentOutOfRangeException(nameof(agentSeconds), agentSeconds, "Demand is a non-negative number of agent-seconds.");
        var bucket = BucketOf(at);
        _buckets[bucket] = _buckets.GetValueOrDefault(bucket) + agentSeconds;
    }

    /// <summary>Sets a bucket's total (a store read replaces what was there).</summary>
    public void Set(long bucket, double agentSeconds) => _buckets[bucket] = agentSeconds;

    /// <summary>Marks buckets from <paramref name="from"/> up to (not including) <paramref name="to"/> as observed: a quiet bucket is a zero, not a gap.</summary>
    public void Observe(long from, long to)
    {
        for (var bucket = from; bucket < to; bucket++) _buckets.TryAdd(bucket, 0);
    }

    /// <summary>The demand of a bucket, or null when it was never observed.</summary>
    public double? Get(long bucket) => _buckets.TryGetValue(bucket, out var value) ? value : null;

    public long? FirstBucket => _buckets.Count == 0 ? null : _buckets.Keys.First();

    /// <summary>Drops buckets older than <see cref="Retention"/>.</summary>
    public void Trim(DateTimeOffset now)
    {
        var oldest = BucketOf(now - Retention);
        while (_buckets.Count > 0 && _buckets.Keys.First() < oldest) _buckets.Remove(_buckets.Keys.First());
    }

    public IEnumerable<(DateTimeOffset Start, double AgentSeconds)> Buckets => _buckets.Select(b => (StartOf(b.Key), b.Value));
}
