using System.Collections.Concurrent;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging;

namespace Baton.Agent.Packages;

/// <summary>
/// Downloads the package versions a poll offers for prefetch into the <see cref="PackageCache"/> in
/// the background, one task per SHA-256, never blocking the poll loop or a job (a poll offers at most a handful) (a job needing the
/// same package joins the same download through the cache's per-package gate). <see cref="Fetching"/>
/// tells the server what not to offer again: downloads in flight, and ones that failed within
/// <see cref="RetryAfterFailure"/>.
/// </summary>
public sealed class PackagePrefetcher(PackageCache cache, TimeProvider time, ILogger<PackagePrefetcher> logger)
{
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _failedAt = new(StringComparer.Ordinal);

    /// <summary>SHA-256s being fetched or recently failed.</summary>
    public IReadOnlyList<string> Fetching()
    {
        var now = time.GetUtcNow();
        foreach (var (sha, at) in _failedAt)
        {
            if (now - at >= RetryAfterFailure) _failedAt.TryRemove(sha, out _);
        }
        return [.. _inFlight.Keys, .. _failedAt.Keys];
    }

    /// <summary>Starts a background download for each offered package not already fetching.</summary>
    public void Start(IEnumerable<PackageRef> offered, CancellationToken cancellationToken)
    {
        foreach (var package in offered)
        {
            var sha = package.Sha256.ToLowerInvariant();
            if (_failedAt.ContainsKey(sha)) continue;
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_inFlight.TryAdd(sha, started.Task)) continue;
            _ = FetchAsync(package, sha, started, cancellationToken);
        }
    }

    /// <summary>Completes when every download started so far has ended.</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_inFlight.Values);

    private async Task FetchAsync(PackageRef package, string sha, TaskCompletionSource done, CancellationToken cancellationToken)
    {
        try
        {
            // Off the poll loop's thread: the download and extraction run in the background.
            await Task.Run(() => cache.EnsureAsync(sha, cancellationToken), cancellationToken);
            logger.LogInformation("Prefetched package {Name} {Version} ({Sha256})", package.Name, package.Version, sha);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            _failedAt[sha] = time.GetUtcNow();
            logger.LogWarning("Prefetching package {Name} {Version} failed: {Reason}", package.Name, package.Version, ex.Message);
        }
        finally
        {
            _inFlight.TryRemove(sha, out _);
            done.TrySetResult();
        }
    }
}
