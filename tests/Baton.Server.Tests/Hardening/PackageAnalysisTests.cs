using System.Net;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

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
}
