using System.Diagnostics;
using Baton.Core.Packages;
using Baton.Tests.Shared;

namespace Baton.Core.Tests.Packages;

/// <summary>Every package of the malicious corpus is refused by the inspector with its reason, in bounded time.</summary>
public sealed class HostilePackageCorpusTests
{
    public static TheoryData<string> Names() => [.. HostilePackages.All().Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_hostile_package_is_refused_with_its_reason(string name)
    {
        var package = HostilePackages.All().Single(p => p.Name == name);
        var clock = Stopwatch.StartNew();
        var inspection = new PackageArchiveInspector(new PackageArchiveLimits()).Inspect(new MemoryStream(package.Bytes));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"inspection took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.False(inspection.IsValid, $"{name} was accepted");
        Assert.True(package.Reason == inspection.Rejection.Code(), $"{name}: expected {package.Reason}, got {inspection.Rejection.Code()}: {inspection.Reason}");
        Assert.False(string.IsNullOrWhiteSpace(inspection.Reason));
    }

    [Fact]
    public void The_corpus_wrapper_itself_is_a_valid_package() =>
        Assert.True(new PackageArchiveInspector(new PackageArchiveLimits()).Inspect(new MemoryStream(RawZip.Package().Build())).IsValid);

    [Fact]
    public void Inspection_stops_when_the_caller_cancels()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            new PackageArchiveInspector(new PackageArchiveLimits()).Inspect(new MemoryStream(RawZip.Package().Build()), cancelled.Token));
    }
}
