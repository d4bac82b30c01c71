using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

public sealed class PackageTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync(o =>
    {
        o.MaxPackageBytes = 2 * 1024 * 1024;
        o.MaxPackageEntries = 50;
        o.MaxPackageUncompressedBytes = 8 * 1024 * 1024;
        o.MaxPackageCompressionRatio = 50;
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Upload_is_content_addressed_immutable_and_idempotent()
    {
        using var tenant = await _server.CreateTenantAsync();
        var zip = TestPackages.Hello();
        var first = await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(zip)).ReadAsync<PackageUploadResponse>(HttpStatusCode.Created);
        Assert.True(first.Created);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(zip)), first.Package.Sha256);
        Assert.Equal("hello", first.Package.Manifest.Name);

        var again = await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(zip)).ReadAsync<PackageUploadResponse>(HttpStatusCode.OK);
        Assert.False(again.Created);
        Assert.Equal(first.Package.Sha256, again.Package.Sha256);

        var changed = TestPackages.Hello(code: "def run(name='x', count=None):\n    return 1\n");
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(changed)).ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.Conflict);

        // Another tenant uploading identical content shares the blob.
        using var other = await _server.CreateTenantAsync();
        await other.Client.PostAsync("/api/v1/packages", TestPackages.Content(zip)).ShouldBeAsync(HttpStatusCode.Created);
        var blobFiles = Directory.GetFiles(Path.Combine(_server.DataDirectory, "blobs"), "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) == first.Package.Sha256).ToList();
        Assert.Single(blobFiles);
    }

    [Fact]
    public async Task Versions_can_be_listed_shown_downloaded_and_deleted()
    {
        using var tenant = await _server.CreateTenantAsync();
        var v1 = TestPackages.Hello(version: "1.0.0");
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(v1)).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello(version: "1.10.0"))).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello(version: "1.9.0"))).ShouldBeAsync(HttpStatusCode.Created);

        var list = await tenant.Client.GetAsync("/api/v1/packages").ReadAsync<ListResponse<PackageSummaryDto>>();
        var summary = Assert.Single(list.Items);
        Assert.Equal("1.10.0", summary.LatestVersion);
        Assert.Equal(3, summary.VersionCount);

        var versions = await tenant.Client.GetAsync("/api/v1/packages/hello").ReadAsync<ListResponse<PackageVersionDto>>();
        Assert.Equal(3, versions.Items.Count);
        var shown = await tenant.Client.GetAsync("/api/v1/packages/hello/1.0.0").ReadAsync<PackageVersionDto>();
        Assert.Equal("main:run", shown.Manifest.Entrypoint.ToString());
        var downloaded = await tenant.Client.GetByteArrayAsync("/api/v1/packages/hello/1.0.0/download");
        Assert.Equal(v1, downloaded);

        await tenant.Client.DeleteAsync("/api/v1/packages/hello/1.0.0").ShouldBeAsync(HttpStatusCode.NoContent);
        await tenant.Client.GetAsync("/api/v1/packages/hello/1.0.0").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await tenant.Client.DeleteAsync("/api/v1/packages/hello/1.0.0").ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_version_used_by_a_pending_job_cannot_be_deleted()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        var problem = await tenant.Client.DeleteAsync("/api/v1/packages/hello/1.0.0").ShouldBeProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("1 pending or running job", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> MalformedArchives => new()
    {
        { "not_a_zip", "garbage" },
        { "path_escapes_root", "dotdot" },
        { "absolute_path", "absolute" },
        { "symlink", "symlink" },
        { "too_many_entries", "many" },
        { "zip_bomb", "bomb" },
        { "manifest_missing", "no-manifest" },
        { "manifest_invalid", "bad-manifest" },
        { "entrypoint_not_found", "no-entrypoint" },
        { "entrypoint_function_not_found", "misspelt-function" },
    };

    [Theory]
    [MemberData(nameof(MalformedArchives))]
    public async Task Malformed_packages_are_refused_with_their_reason_and_nothing_is_stored(string reason, string kind)
    {
        using var tenant = await _server.CreateTenantAsync();
        var problem = await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(Malformed(kind)))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, ProblemTypes.InvalidPackage);
        Assert.Equal(reason, problem.GetProperty("reason").GetString());

        var list = await tenant.Client.GetAsync("/api/v1/packages").ReadAsync<ListResponse<PackageSummaryDto>>();
        Assert.Empty(list.Items);
        var own = await tenant.Client.GetAsync("/api/v1/tenant").ReadAsync<TenantDto>();
        Assert.Equal(0, own.Usage!.StorageBytes);
    }

    [Fact]
    public async Task An_archive_over_the_size_cap_is_refused()
    {
        using var tenant = await _server.CreateTenantAsync();
        var big = new byte[3 * 1024 * 1024];
        RandomNumberGenerator.Fill(big);
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(big))
            .ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PackageTooLarge);
    }

    private static byte[] Malformed(string kind)
    {
        var manifest = TestPackages.Manifest();
        switch (kind)
        {
            case "garbage":
                return "this is not a zip file at all"u8.ToArray();
            case "dotdot":
                return TestPackages.Zip(new Dictionary<string, string> { ["baton.yaml"] = manifest, ["main.py"] = "def run(): pass", ["../evil.py"] = "x" });
            case "absolute":
                return TestPackages.Zip(new Dictionary<string, string> { ["baton.yaml"] = manifest, ["main.py"] = "def run(): pass", ["/etc/evil"] = "x" });
            case "many":
                var files = Enumerable.Range(0, 60).ToDictionary(i => $"f{i}.txt", i => "x");
                files["baton.yaml"] = manifest;
                files["main.py"] = "def run(): pass";
                return TestPackages.Zip(files);
            case "no-manifest":
                return TestPackages.Zip(new Dictionary<string, string> { ["main.py"] = "def run(): pass" });
            case "bad-manifest":
                return TestPackages.Zip(new Dictionary<string, string> { ["baton.yaml"] = "name: hello\nversion: not-a-version\nentrypoint: main:run\n", ["main.py"] = "def run(): pass" });
            case "no-entrypoint":
                return TestPackages.Zip(new Dictionary<string, string> { ["baton.yaml"] = TestPackages.Manifest(entrypoint: "missing:run"), ["main.py"] = "def run(): pass" });
            case "misspelt-function":
                return TestPackages.Zip(new Dictionary<string, string> { ["baton.yaml"] = TestPackages.Manifest(entrypoint: "main:rnu"), ["main.py"] = "def run(): pass" });
            case "symlink":
            case "bomb":
                using (var buffer = new MemoryStream())
                {
                    using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
                    {
                        Write(zip, "baton.yaml", System.Text.Encoding.UTF8.GetBytes(manifest));
                        Write(zip, "main.py", "def run(): pass"u8.ToArray());
                        if (kind == "symlink")
                        {
                            var link = zip.CreateEntry("link.py");
                            link.ExternalAttributes = unchecked((int)(0xA1FFu << 16));
                            using var s = link.Open();
                            s.Write("/etc/passwd"u8);
                        }
                        else
                        {
                            Write(zip, "zeros.bin", new byte[6 * 1024 * 1024], CompressionLevel.SmallestSize);
                        }
                    }
                    return buffer.ToArray();
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static void Write(ZipArchive zip, string name, byte[] content, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var stream = zip.CreateEntry(name, level).Open();
        stream.Write(content);
    }
}
