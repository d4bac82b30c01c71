using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;

namespace Baton.Server.Roles;

/// <summary>Writes in-memory counters (API calls per day, API key last use) to the store in batches.</summary>
public sealed class CounterFlushService(
    ApiUsageMeter usage,
    CredentialCache credentials,
    IBatonStore store,
    TimeProvider time,
    ILogger<CounterFlushService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        await FlushAsync(CancellationToken.None);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await usage.FlushAsync(cancellationToken);
            var used = credentials.DrainKeyUse();
            if (used.Count > 0) await store.ApiKeys.TouchAsync(used, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Flushing usage counters failed; the next flush tries again");
        }
    }
}
