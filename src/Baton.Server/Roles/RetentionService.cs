using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Roles;

/// <summary>
/// Janitor role: one retention policy on every backend. Each pass gets storage ready for the coming months
/// (PostgreSQL's partitions) and removes what is past its cutoff — job events and logs and tenant events
/// after <see cref="ServerOptions.HistoryRetention"/>, settled webhook deliveries after
/// <see cref="ServerOptions.DeliveryRetention"/>, audit entries after <see cref="ServerOptions.AuditRetention"/>, work items
/// finished (done, or failed for good) more than <see cref="ServerOptions.HistoryRetention"/> ago, and job artifacts after
/// <see cref="ServerOptions.HistoryRetention"/> (their content leaves the blob store once nothing names it).
/// Safe in several replicas: the stores' deletes and partition drops are idempotent (and serialised on PostgreSQL).
/// </summary>
public sealed class RetentionService(
    IBatonStore store,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<RetentionService> logger,
    Artifacts.ArtifactBlobCollector blobCollector) : BackgroundService
{
    /// <summary>Artifacts removed per statement: short write transactions, as SQLite's other deletes.</summary>
    private const int ArtifactBatch = 500;

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
        var artifacts = await PruneArtifactsAsync(now - options.Value.HistoryRetention, cancellationToken);
        if (artifacts > 0)
        {
            report = report with { RowsDeleted = new Dictionary<string, long>(report.RowsDeleted) { ["job_artifacts"] = artifacts } };
        }
        if (report.RemovedAnything) logger.LogInformation("Retention: removed {Removed}", report);
        return report;
    }

    /// <summary>Removes artifacts past the cutoff in batches, then the blobs no package or artifact names any more.</summary>
    private async Task<long> PruneArtifactsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        long removed = 0;
        while (true)
        {
            var contents = await store.Artifacts.PruneAsync(before, ArtifactBatch, cancellationToken);
            if (contents.Count == 0) return removed;
            removed += contents.Count;
            foreach (var sha256 in contents.Distinct(StringComparer.Ordinal)) await blobCollector.DeleteIfUnusedAsync(sha256, cancellationToken);
        }
    }

    public static RetentionCutoffs CutoffsAt(DateTimeOffset now, ServerOptions options) => new(
        JobHistory: now - options.HistoryRetention,
        TenantEvents: now - options.HistoryRetention,
        WebhookDeliveries: now - options.DeliveryRetention,
        AuditLog: now - options.AuditRetention,
        FinishedWorkItems: now - options.HistoryRetention);

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
