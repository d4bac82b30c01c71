using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Roles;

/// <summary>
/// Janitor role: one retention policy on every backend. Each pass gets storage ready for the coming months
/// (PostgreSQL's partitions) and removes what is past its cutoff — job events and logs and tenant events
/// after <see cref="ServerOptions.HistoryRetention"/>, settled webhook deliveries after
/// <see cref="ServerOptions.DeliveryRetention"/>, audit entries after <see cref="ServerOptions.AuditRetention"/>.
/// Safe in several replicas: the stores' deletes and partition drops are idempotent (and serialised on PostgreSQL).
/// </summary>
public sealed class RetentionService(
    IBatonStore store,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<RetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionInterval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Retention pass failed; retrying at the next interval");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public async Task<RetentionReport> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var created = await store.Retention.PrepareAsync(now, cancellationToken);
        var report = await store.Retention.PruneAsync(CutoffsAt(now, options.Value), cancellationToken);
        if (created.Count > 0) logger.LogInformation("Retention: created partitions {Created}", string.Join(", ", created));
        if (report.RemovedAnything) logger.LogInformation("Retention: removed {Removed}", report);
        return report;
    }

    public static RetentionCutoffs CutoffsAt(DateTimeOffset now, ServerOptions options) => new(
        JobHistory: now - options.HistoryRetention,
        TenantEvents: now - options.HistoryRetention,
        WebhookDeliveries: now - options.DeliveryRetention,
        AuditLog: now - options.AuditRetention);

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
