using System.Collections.Concurrent;
using System.Globalization;
using Baton.Storage;

namespace Baton.Server.Tenancy;

/// <summary>
/// Counts API calls per tenant per UTC day against the tier's daily quota. Counting happens in
/// memory; increments are written to the store in batches and the totals re-read, so replicas
/// converge within a flush interval.
/// </summary>
public sealed class ApiUsageMeter(IBatonStore store, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Tenant, string Day), Counter> _counters = new();

    public static string DayOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Counts one call; false (and not counted) when the tenant has used its quota for today.</summary>
    public async Task<bool> TryConsumeAsync(string tenantId, int dailyLimit, CancellationToken cancellationToken)
    {
        var key = (tenantId, DayOf(time.GetUtcNow()));
        if (!_counters.TryGetValue(key, out var counter))
        {
            var stored = await store.Tenants.GetApiUsageAsync(tenantId, key.Item2, cancellationToken);
            counter = _counters.GetOrAdd(key, _ => new Counter { Base = stored });
        }
        lock (counter)
        {
            if (counter.Base + counter.Pending >= dailyLimit) return false;
            counter.Pending++;
            return true;
        }
    }

    public async Task<int> GetTodayAsync(string tenantId, CancellationToken cancellationToken)
    {
        var key = (tenantId, DayOf(time.GetUtcNow()));
        if (_counters.TryGetValue(key, out var counter))
        {
            lock (counter) return counter.Base + counter.Pending;
        }
        return await store.Tenants.GetApiUsageAsync(tenantId, key.Item2, cancellationToken);
    }

    /// <summary>Seconds until the quota resets at the next UTC midnight.</summary>
    public int SecondsUntilReset()
    {
        var now = time.GetUtcNow();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        return Math.Max(1, (int)Math.Ceiling((midnight - now).TotalSeconds));
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var today = DayOf(time.GetUtcNow());
        var increments = new List<ApiUsageIncrement>();
        foreach (var (key, counter) in _counters)
        {
            lock (counter)
            {
                if (counter.Pending == 0) continue;
                increments.Add(new ApiUsageIncrement(key.Tenant, key.Day, counter.Pending));
                counter.Base += counter.Pending;
                counter.Pending = 0;
            }
        }
        if (increments.Count > 0) await store.Tenants.AddApiUsageAsync(increments, cancellationToken);

        foreach (var (key, counter) in _counters)
        {
            if (key.Day != today)
            {
                _counters.TryRemove(key, out _);
                continue;
            }
            var stored = await store.Tenants.GetApiUsageAsync(key.Tenant, key.Day, cancellationToken);
            lock (counter) counter.Base = Math.Max(counter.Base, stored);
        }
    }

    private sealed class Counter
    {
        public int Base;
        public int Pending;
    }
}
