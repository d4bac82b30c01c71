using Baton.Server.Batching;
using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dispatch.SharedAgents;

/// <summary>
/// Credits a finished job's run on a shared agent to its tenant's per-minute agent-seconds. Only the
/// minutes inside the longest window anyone reads (a day, for "today") are kept; a run's minutes
/// before that are not recorded at all.
/// </summary>
/// <remarks>
/// The credits of completions that arrive together are group-committed (<see cref="GroupCommitter{TItem,TResult}"/>):
/// every job of a tenant finishing in the same minute adds to the same row, so one transaction per completion made
/// them queue on that row's lock, each for a commit (about 10 ms apiece on PostgreSQL under the fairness bench).
/// A completion is still answered only after its credit is stored, so the next fair-share ranking sees it.
/// </remarks>
public sealed class SharedPoolUsageRecorder : IAsyncDisposable
{
    /// <summary>How long per-minute usage is kept: "today" and the fair-share window both fit.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(2);

    private const int MaxBatch = 256;

    private readonly IBatonStore _store;
    private readonly IOptions<ServerOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SharedPoolUsageRecorder> _logger;
    private readonly GroupCommitter<IReadOnlyList<SharedPoolUsage>, bool> _writes;

    public SharedPoolUsageRecorder(IBatonStore store, IOptions<ServerOptions> options, TimeProvider time, ILogger<SharedPoolUsageRecorder> logger)
    {
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        // One writer: this replica's credits never wait on each other's row locks.
        _writes = new GroupCommitter<IReadOnlyList<SharedPoolUsage>, bool>("shared-pool usage", WriteAsync, MaxBatch, writers: 1, logger);
    }

    public async Task RecordAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var start = job.StartedAt ?? job.AssignedAt;
        var end = job.FinishedAt ?? _time.GetUtcNow();
        if (start is null || end <= start) return;
        var usage = SharedPoolMinutes.Split(job.TenantId, start.Value, end, KeepFrom());
        if (usage.Count == 0) return;
        try
        {
            await _writes.CommitAsync(usage, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Usage only steers fair share; losing one job's credit must not fail the agent's completion.
            _logger.LogWarning(ex, "Could not record shared-pool usage of job {JobId}", job.Id);
        }
    }

    private async Task<IReadOnlyList<bool>> WriteAsync(IReadOnlyList<IReadOnlyList<SharedPoolUsage>> batch, CancellationToken cancellationToken)
    {
        await _store.SharedPool.RecordUsageAsync([.. batch.SelectMany(usage => usage)], KeepFrom(), cancellationToken);
        return [.. batch.Select(_ => true)];
    }

    private DateTimeOffset KeepFrom() =>
        _time.GetUtcNow() - (Retention > _options.Value.FairShareWindow ? Retention : _options.Value.FairShareWindow);

    public ValueTask DisposeAsync() => _writes.DisposeAsync();
}
