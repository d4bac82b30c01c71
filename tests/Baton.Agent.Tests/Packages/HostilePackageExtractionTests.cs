using Baton.Agent.Packages;
using Baton.Agent.Tests.Support;
using Baton.Tests.Shared;

namespace Baton.Agent.Tests.Packages;

/// <summary>
/// The agent extracts by the server's rule: every archive of the malicious corpus that is unsafe to extract
/// is refused as an invalid package (final, no retry), and nothing of it lands outside the temporary folder.
/// </summary>
public sealed class HostilePackageExtractionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Names() => [.. HostilePackages.All().Where(p => p.UnsafeToExtract).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_unsafe_archive_is_refused_as_an_invalid_package(string name)
    {
        var package = HostilePackages.All().Single(p => p.Name == name);
        var zipPath = _temp.Combine("package.zip");
        File.WriteAllBytes(zipPath, package.Bytes);
        var target = _temp.Combine("out", "pkg");

        var error = Assert.Throws<PackageCacheException>(() => SafeZipExtractor.Extract(zipPath, target));

        Assert.True(error.InvalidPackage, error.Message);
        Assert.False(File.Exists(_temp.Combine("evil.py")));
        Assert.False(File.Exists(_temp.Combine("out", "evil.py")));
    }

    [Fact]
    public void The_corpus_wrapper_extracts()
    {
        var zipPath = _temp.Combine("package.zip");
        File.WriteAllBytes(zipPath, RawZip.Package().Build());
        SafeZipExtractor.Extract(zipPath, _temp.Combine("ok"));
        Assert.True(File.Exists(_temp.Combine("ok", "main.py")));
    }
}
