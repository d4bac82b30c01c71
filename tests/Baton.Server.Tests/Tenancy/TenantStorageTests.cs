using Baton.Server.Hosting;
using Baton.Server.Tenancy;
using Baton.Server.Tests.Support;
using Baton.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Server.Tests.Tenancy;

/// <summary>
/// The storage quota's figures on a scripted store whose reads the test answers by hand: callers that miss a tenant's
/// expired figure together wait for one read, and a figure is served for its lifetime, then read again.
/// </summary>
public sealed class TenantStorageTests
{
    private const string TenantId = "t_storage";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly TenantStorage _storage;
    private int _logReads;
    private int _packageReads;
    private int _artifactReads;
    private TaskCompletionSource<long> _logBytes = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TenantStorageTests()
    {
        var jobs = ScriptedProxy.Create<IJobStore>((method, args) =>
        {
            if (method.Name != nameof(IJobStore.GetLogBytesAsync) || (string)args[0]! != TenantId) throw new NotSupportedException(method.Name);
            Interlocked.Increment(ref _logReads);
            return _logBytes.Task;
        });
        var packages = ScriptedProxy.Create<IPackageStore>((method, _) =>
        {
            if (method.Name != nameof(IPackageStore.GetStorageBytesAsync)) throw new NotSupportedException(method.Name);
            Interlocked.Increment(ref _packageReads);
            return Task.FromResult(100L);
        });
        var artifacts = ScriptedProxy.Create<IArtifactStore>((method, _) =>
        {
            if (method.Name != nameof(IArtifactStore.GetStorageBytesAsync)) throw new NotSupportedException(method.Name);
            Interlocked.Increment(ref _artifactReads);
            return Task.FromResult(20L);
        });
        var store = ScriptedProxy.Create<IBatonStore>((method, _) => method.Name switch
        {
            "get_" + nameof(IBatonStore.Jobs) => jobs,
            "get_" + nameof(IBatonStore.Packages) => packages,
            "get_" + nameof(IBatonStore.Artifacts) => artifacts,
            _ => throw new NotSupportedException(method.Name),
        });
        _storage = new TenantStorage(store, Options.Create(new ServerOptions()), _time);
    }

    [Fact]
    public async Task Log_batches_that_miss_an_expired_figure_together_share_one_read()
    {
        var waiting = Enumerable.Range(0, 50).Select(_ => _storage.GetLogBytesAsync(TenantId, CancellationToken.None)).ToList();
        Assert.Equal(1, Volatile.Read(ref _logReads));
        _logBytes.SetResult(7);
        Assert.All(await Task.WhenAll(waiting).WaitAsync(Patience), bytes => Assert.Equal(7, bytes));

        // Served for its lifetime, then read once more by the next callers.
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(7, await _storage.GetLogBytesAsync(TenantId, CancellationToken.None));
        Assert.Equal(1, Volatile.Read(ref _logReads));
        _logBytes = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _time.Advance(TimeSpan.FromSeconds(2));
        waiting = [.. Enumerable.Range(0, 50).Select(_ => _storage.GetLogBytesAsync(TenantId, CancellationToken.None))];
        _logBytes.SetResult(9);
        Assert.All(await Task.WhenAll(waiting).WaitAsync(Patience), bytes => Assert.Equal(9, bytes));
        Assert.Equal(2, Volatile.Read(ref _logReads));
    }

    [Fact]
    public async Task The_quota_total_is_read_once_for_its_callers_and_shares_the_log_figure()
    {
        var waiting = Enumerable.Range(0, 20).Select(_ => _storage.GetUsedBytesAsync(TenantId, CancellationToken.None)).ToList();
        _logBytes.SetResult(3);
        Assert.All(await Task.WhenAll(waiting).WaitAsync(Patience), bytes => Assert.Equal(123, bytes));
        Assert.Equal(3, await _storage.GetLogBytesAsync(TenantId, CancellationToken.None));
        Assert.Equal((1, 1, 1), (Volatile.Read(ref _packageReads), Volatile.Read(ref _artifactReads), Volatile.Read(ref _logReads)));
    }

    [Fact]
    public async Task A_report_reads_every_figure_now()
    {
        _logBytes.SetResult(3);
        Assert.Equal(123, await _storage.GetUsedBytesAsync(TenantId, CancellationToken.None));
        Assert.Equal(123, await _storage.ReadUsedBytesAsync(TenantId, CancellationToken.None));
        Assert.Equal((2, 2, 2), (Volatile.Read(ref _packageReads), Volatile.Read(ref _artifactReads), Volatile.Read(ref _logReads)));
    }
}
