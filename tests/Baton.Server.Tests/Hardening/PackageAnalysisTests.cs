using System.Net;
using Baton.Core.Api;
using Baton.Core.Packages;
using Baton.Server.Packages;
using Baton.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests.Hardening;

/// <summary>Package analysis runs under a deadline: an archive that takes too long to check is refused, and the server answers meanwhile.</summary>
public sealed class PackageAnalysisTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync(o => o.PackageAnalysisTimeout = TimeSpan.FromMilliseconds(1));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_archive_whose_analysis_passes_the_deadline_is_refused_and_not_stored()
    {
        using var tenant = await _server.CreateTenantAsync();
        var noise = new byte[24 * 1024 * 1024];
        new Random(7).NextBytes(noise);
        var zip = TestPackages.Zip(new Dictionary<string, string>
        {
            ["baton.yaml"] = TestPackages.Manifest(),
            ["main.py"] = "def run():\n    return 1\n",
            ["noise.txt"] = Convert.ToBase64String(noise),
        });

        var problem = await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(zip))
            .ShouldBeProblemAsync((HttpStatusCode)422, ProblemTypes.InvalidPackage);

        Assert.Equal("analysis_timeout", problem.GetProperty("reason").GetString());
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/packages").ReadAsync<ListResponse<PackageSummaryDto>>()).Items);
        await _server.Client(null).GetAsync("/healthz").ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_upload_that_finds_every_analysis_slot_taken_is_told_when_to_retry_and_stores_nothing()
    {
        await using var busy = new ServerHarness();
        await busy.StartAsync(o =>
        {
            o.MaxConcurrentPackageAnalyses = 1;
            o.PackageAnalysisSlotWait = TimeSpan.FromMilliseconds(200);
        });
        using var tenant = await busy.CreateTenantAsync();
        // The one slot is held by an analysis whose archive does not finish arriving until the test lets it.
        using var held = new BlockingStream();
        var analyses = busy.Server.Services.GetRequiredService<PackageAnalysis>();
        var holding = analyses.InspectAsync(held, new PackageArchiveLimits { MaxArchiveBytes = 1024, MaxEntries = 1, MaxUncompressedBytes = 1024, MaxCompressionRatio = 10 }, CancellationToken.None);
        await held.Reading.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var response = await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Zip(new Dictionary<string, string>
        {
            ["baton.yaml"] = TestPackages.Manifest(),
            ["main.py"] = "def run():\n    return 1\n",
        })));
        Assert.Equal("5", response.Headers.RetryAfter?.ToString());
        await Task.FromResult(response).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, ProblemTypes.ServerBusy);
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/packages").ReadAsync<ListResponse<PackageSummaryDto>>()).Items);

        held.Release();
        await holding;
    }

    /// <summary>A stream that cannot seek and whose first read waits until <see cref="Release"/>, then ends.</summary>
    private sealed class BlockingStream : MemoryStream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Reading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public override bool CanSeek => false;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Reading.TrySetResult();
            _released.Task.Wait();
            return 0;
        }
    }
}
