using System.IO.Compression;
using Baton.Agent.Packages;
using Baton.Agent.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests.Packages;

public sealed class PackageCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private int _downloads;

    public void Dispose() => _temp.Dispose();

    private PackageCache CacheServing(byte[] zip) => new(_temp.Combine("packages"), async (_, destination, ct) =>
    {
        Interlocked.Increment(ref _downloads);
        await Task.Delay(50, ct);
        await destination.WriteAsync(zip, ct);
    }, NullLogger<PackageCache>.Instance);

    [Fact]
    public async Task Extracts_once_read_only_even_for_concurrent_requests()
    {
        var zip = PackageZip.FromFiles(new Dictionary<string, string> { ["baton.yaml"] = "name: x", ["pkg/mod.py"] = "X = 1\n" });
        var sha = PackageZip.Sha256(zip);
        var cache = CacheServing(zip);

        var folders = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => cache.EnsureAsync(sha, CancellationToken.None)));
        var again = await cache.EnsureAsync(sha, CancellationToken.None);

        Assert.Equal(1, _downloads);
        Assert.All(folders, f => Assert.Equal(again, f));
        Assert.Equal("X = 1\n", File.ReadAllText(Path.Combine(again, "pkg", "mod.py")));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(again, "baton.yaml")));
        Assert.Equal([sha], cache.CachedPackages());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Combine("packages", ".tmp")));
    }

    [Fact]
    public async Task Refuses_bytes_whose_sha256_does_not_match()
    {
        var zip = PackageZip.FromFiles(new Dictionary<string, string> { ["a.py"] = "" });
        var cache = CacheServing(zip);
        var wrongSha = new string('a', 64);

        var error = await Assert.ThrowsAsync<PackageCacheException>(() => cache.EnsureAsync(wrongSha, CancellationToken.None));

        Assert.Contains("SHA-256", error.Message);
        Assert.False(Directory.Exists(_temp.Combine("packages", wrongSha)));
    }

    [Theory]
    [InlineData("../escape.py")]
    [InlineData("pkg/../../escape.py")]
    [InlineData("/etc/absolute.py")]
    [InlineData("..\\windows-escape.py")]
    public async Task Refuses_entries_that_escape_the_package_folder(string entryName)
    {
        var zip = PackageZip.FromFiles(new Dictionary<string, string> { ["ok.py"] = "", [entryName] = "boom" });
        var sha = PackageZip.Sha256(zip);

        await Assert.ThrowsAsync<PackageCacheException>(() => CacheServing(zip).EnsureAsync(sha, CancellationToken.None));

        Assert.False(Directory.Exists(_temp.Combine("packages", sha)));
        Assert.False(File.Exists(_temp.Combine("escape.py")));
        Assert.False(File.Exists(_temp.Combine("packages", "escape.py")));
    }

    [Fact]
    public async Task Refuses_symlink_entries()
    {
        var zip = PackageZip.FromFiles(new Dictionary<string, string> { ["ok.py"] = "" }, archive =>
        {
            var link = archive.CreateEntry("link.py");
            link.ExternalAttributes = unchecked((int)(0xA1FFu << 16));
            using var writer = new StreamWriter(link.Open());
            writer.Write("/etc/passwd");
        });
        var sha = PackageZip.Sha256(zip);

        var error = await Assert.ThrowsAsync<PackageCacheException>(() => CacheServing(zip).EnsureAsync(sha, CancellationToken.None));

        Assert.Contains("symbolic link", error.Message);
        Assert.True(error.InvalidPackage);
    }

    [Fact]
    public async Task Refuses_bytes_that_are_not_a_zip()
    {
        var bytes = "not a zip"u8.ToArray();

        await Assert.ThrowsAsync<PackageCacheException>(() => CacheServing(bytes).EnsureAsync(PackageZip.Sha256(bytes), CancellationToken.None));
    }

    [Fact]
    public void Zip_helper_round_trips() =>
        Assert.NotNull(new ZipArchive(new MemoryStream(PackageZip.FromFiles(new Dictionary<string, string> { ["a"] = "b" }))).GetEntry("a"));
}
