using System.IO.Compression;
using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

public sealed class PackageCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Stores uploads by content; answers 201 for new content and 200 (Created=false) for a repeat.</summary>
    private static Task<FakeBatonServer> StartServerAsync(List<string[]> uploadedEntries) => FakeBatonServer.StartAsync(app =>
    {
        var seen = new HashSet<string>();
        app.MapPost("/api/v1/packages", async (HttpRequest request) =>
        {
            if (request.ContentType != "application/zip")
                return FakeBatonServer.Problem(415, "Unsupported media type", $"got {request.ContentType}", ProblemTypes.InvalidPackage);
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            body.Position = 0;
            using (var archive = new ZipArchive(body, ZipArchiveMode.Read, leaveOpen: true))
                lock (uploadedEntries) uploadedEntries.Add(archive.Entries.Select(e => e.FullName).ToArray());
            var created = seen.Add(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body.ToArray())));
            return FakeBatonServer.Json(new PackageUploadResponse(Dtos.Package(), created), created ? 201 : 200);
        });
        app.MapGet("/api/v1/packages", () => FakeBatonServer.Json(new ListResponse<PackageSummaryDto>([new("hello", "1.0.0", 2, Dtos.At)])));
        app.MapGet("/api/v1/packages/{name}/{version}", (string name, string version) => FakeBatonServer.Json(Dtos.Package(name, version)));
        app.MapDelete("/api/v1/packages/{name}/{version}", (string name) => name == "busy"
            ? FakeBatonServer.Problem(409, "Conflict", "2 pending jobs use busy 1.0.0.", ProblemTypes.Conflict)
            : Results.NoContent());
    });

    private string MakePackageFolder()
    {
        var folder = Path.Combine(_cli.Home, "hello");
        Directory.CreateDirectory(Path.Combine(folder, "__pycache__"));
        Directory.CreateDirectory(Path.Combine(folder, "lib"));
        File.WriteAllText(Path.Combine(folder, "baton.yaml"), "name: hello\nversion: 1.0.0\nentrypoint: main:run\n");
        File.WriteAllText(Path.Combine(folder, "main.py"), "def run(inputs):\n    return {}\n");
        File.WriteAllText(Path.Combine(folder, "lib", "util.py"), "X = 1\n");
        File.WriteAllText(Path.Combine(folder, "__pycache__", "main.cpython-312.pyc"), "bytecode");
        return folder;
    }

    [Fact]
    public async Task Push_zips_the_folder_uploads_it_and_reports_created_then_already_present()
    {
        var uploads = new List<string[]>();
        await using var server = await StartServerAsync(uploads);
        var folder = MakePackageFolder();

        var first = await _cli.RunAgainstAsync(server, "package", "push", folder);
        var second = await _cli.RunAgainstAsync(server, "package", "push", folder);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("created", first.Stdout, StringComparison.Ordinal);
        Assert.Contains(new string('a', 64), first.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("already present", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(["baton.yaml", "lib/util.py", "main.py"], uploads[0]);
        Assert.Equal(uploads[0], uploads[1]);
    }

    [Fact]
    public async Task Push_of_a_zip_uploads_it_as_is_and_json_output_parses()
    {
        var uploads = new List<string[]>();
        await using var server = await StartServerAsync(uploads);
        var zipPath = Path.Combine(_cli.Home, "prebuilt.zip");
        using (var archive = ZipFile.Open(zipPath, ZipArchiveMode.Create)) archive.CreateEntry("custom/entry.txt");

        var result = await _cli.RunAgainstAsync(server, "package", "push", zipPath, "--json");

        Assert.Equal(0, result.ExitCode);
        var response = JsonSerializer.Deserialize<PackageUploadResponse>(result.Stdout, BatonJson.Wire)!;
        Assert.True(response.Created);
        Assert.Equal("hello", response.Package.Name);
        Assert.Equal(["custom/entry.txt"], Assert.Single(uploads));
    }

    [Fact]
    public async Task Push_of_a_missing_path_fails_without_uploading()
    {
        await using var server = await StartServerAsync([]);

        var result = await _cli.RunAgainstAsync(server, "package", "push", Path.Combine(_cli.Home, "nope"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no such file or folder", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Push_of_a_folder_without_baton_yaml_fails_before_uploading()
    {
        await using var server = await StartServerAsync([]);
        var folder = Path.Combine(_cli.Home, "not-a-package");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "main.py"), "def run():\n    return 1\n");

        var result = await _cli.RunAgainstAsync(server, "package", "push", folder);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("has no baton.yaml at its root", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Push_of_a_misspelt_entrypoint_function_fails_before_uploading_with_a_suggestion()
    {
        await using var server = await StartServerAsync([]);
        var folder = MakePackageFolder();
        File.WriteAllText(Path.Combine(folder, "baton.yaml"), "name: hello\nversion: 1.0.0\nentrypoint: main:rnu\n");

        var result = await _cli.RunAgainstAsync(server, "package", "push", folder);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refused before uploading: entrypoint 'main:rnu' names function 'rnu', which main.py does not define (did you mean 'run'?)",
            result.Stderr, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task List_and_show_print_tables_or_json()
    {
        await using var server = await StartServerAsync([]);

        var list = await _cli.RunAgainstAsync(server, "package", "list");
        var listJson = await _cli.RunAgainstAsync(server, "package", "list", "--json");
        var show = await _cli.RunAgainstAsync(server, "package", "show", "hello", "1.0.0");
        var showJson = await _cli.RunAgainstAsync(server, "package", "show", "hello", "1.0.0", "--json");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("hello", list.Stdout, StringComparison.Ordinal);
        Assert.Single(JsonSerializer.Deserialize<ListResponse<PackageSummaryDto>>(listJson.Stdout, BatonJson.Wire)!.Items);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("main:run", show.Stdout, StringComparison.Ordinal);
        Assert.Equal("main", JsonSerializer.Deserialize<PackageVersionDto>(showJson.Stdout, BatonJson.Wire)!.Manifest.Entrypoint.Module);
    }

    [Fact]
    public async Task Delete_reports_success_or_the_servers_refusal()
    {
        await using var server = await StartServerAsync([]);

        var ok = await _cli.RunAgainstAsync(server, "package", "delete", "hello", "1.0.0");
        var refused = await _cli.RunAgainstAsync(server, "package", "delete", "busy", "1.0.0");

        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("Deleted hello 1.0.0", ok.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("2 pending jobs use busy 1.0.0.", refused.Stderr, StringComparison.Ordinal);
    }
}
