using Baton.Core.Packages;
using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.Packages;

/// <summary>
/// Runs package inspection off the request thread, a few at a time, under a deadline: a hostile or
/// merely huge archive costs at most <see cref="ServerOptions.PackageAnalysisTimeout"/> of one core,
/// and uploads beyond <see cref="ServerOptions.MaxConcurrentPackageAnalyses"/> wait
/// <see cref="ServerOptions.PackageAnalysisSlotWait"/>, then are told to retry, instead of taking every core.
/// </summary>
public sealed class PackageAnalysis(IOptions<ServerOptions> options, ILogger<PackageAnalysis> logger) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.MaxConcurrentPackageAnalyses));

    public void Dispose() => _slots.Dispose();

    public async Task<PackageAnalysisOutcome> InspectAsync(Stream archive, PackageArchiveLimits limits, CancellationToken requestAborted)
    {
        if (!await _slots.WaitAsync(options.Value.PackageAnalysisSlotWait, requestAborted)) return new PackageAnalysisOutcome(null, Busy: true, TimedOut: false);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
            var timeout = options.Value.PackageAnalysisTimeout;
            deadline.CancelAfter(timeout);
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var inspection = await Task.Run(() => new PackageArchiveInspector(limits).Inspect(archive, deadline.Token), deadline.Token);
                // The timer may fire late on a starved thread pool; the deadline is the clock's, not the timer's.
                if (clock.Elapsed > timeout) throw new OperationCanceledException(deadline.Token);
                return new PackageAnalysisOutcome(inspection, Busy: false, TimedOut: false);
            }
            catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
            {
                logger.LogWarning("Package analysis stopped after {Seconds} s", timeout.TotalSeconds);
                return new PackageAnalysisOutcome(null, Busy: false, TimedOut: true);
            }
        }
        finally
        {
            _slots.Release();
        }
    }
}

/// <summary>The inspection, or why there is none: no free slot (retry later) or the deadline passed (refused).</summary>
public sealed record PackageAnalysisOutcome(PackageInspection? Inspection, bool Busy, bool TimedOut);
