using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Postgres;
using Microsoft.Extensions.Options;

namespace Baton.Server.Roles;

/// <summary>
/// Janitor role on PostgreSQL: keeps monthly partitions of job events and log lines created ahead
/// and drops the ones past <see cref="ServerOptions.HistoryRetention"/> whole (no row-by-row deletes,
/// no bloat). Safe in several replicas: the store serialises each run with an advisory lock.
/// </summary>
public sealed class PartitionRetentionService(
    IBatonStore store,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<PartitionRetentionService> logger) : BackgroundService
{
    private const int MonthsAhead = 2;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Metrics.InstrumentedStore.Unwrap(store) is not PostgresBatonStore postgres) return;
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, time);
        do
        {
            try
            {
                await RunOnceAsync(postgres, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Partition upkeep failed; retrying at the next interval");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public async Task RunOnceAsync(PostgresBatonStore postgres, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var created = await postgres.EnsurePartitionsAsync(now, MonthsAhead, cancellationToken);
        var dropped = await postgres.DropPartitionsBeforeAsync(now - options.Value.HistoryRetention, cancellationToken);
        if (created.Count > 0 || dropped.Count > 0)
        {
            logger.LogInformation("Partitions created: {Created}; dropped past retention: {Dropped}",
                created.Count == 0 ? "none" : string.Join(", ", created), dropped.Count == 0 ? "none" : string.Join(", ", dropped));
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
