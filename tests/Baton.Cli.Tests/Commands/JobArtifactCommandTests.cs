using System.Security.Cryptography;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton job artifacts</c> and <c>baton job download</c>: the listing, the download by name, and the SHA-256 check.</summary>
public sealed class JobArtifactCommandTests : IDisposable
{
    private static readonly byte[] Content = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i % 251))];
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static Task<FakeBatonServer> StartAsync(string announcedSha) => FakeBatonServer.StartAsync(app =>
    {
        app.MapGet("/api/v1/jobs/{id}/artifacts", (string id) => FakeBatonServer.Json(new ListResponse<ArtifactDto>(
            [new ArtifactDto(id, "reports/q1 report.csv", 2, Convert.ToHexStringLower(SHA256.HashData(Content)), Content.Length, DateTimeOffset.UnixEpoch)])));
        app.MapGet("/api/v1/jobs/{id}/artifacts/{**name}", (HttpContext context, string id, string name) =>
        {
            context.Response.Headers["X-Content-SHA256"] = announcedSha;
            return name == "reports/q1 report.csv" ? Results.Bytes(Content, "application/octet-stream")
                : FakeBatonServer.Problem(404, "Not found", $"Artifact '{name}' of job {id} was not found.", ProblemTypes.NotFound);
        });
    });

    [Fact]
    public async Task Artifacts_lists_names_sizes_and_attempts()
    {
        await using var server = await StartAsync(Convert.ToHexStringLower(SHA256.HashData(Content)));
        var result = await _cli.RunAgainstAsync(server, "job", "artifacts", "j-1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("reports/q1 report.csv", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("/api/v1/jobs/j-1/artifacts", Assert.Single(server.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Download_writes_the_bytes_to_the_output_file()
    {
        await using var server = await StartAsync(Convert.ToHexStringLower(SHA256.HashData(Content)));
        var target = Path.Combine(_cli.Home, "q1.csv");
        var result = await _cli.RunAgainstAsync(server, "job", "download", "j-1", "reports/q1 report.csv", "-o", target);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Content, await File.ReadAllBytesAsync(target));
        Assert.StartsWith("/api/v1/jobs/j-1/artifacts/reports/q1", Assert.Single(server.Requests).PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_download_or_a_missing_artifact_writes_nothing_and_fails()
    {
        await using var server = await StartAsync(new string('0', 64));
        var target = Path.Combine(_cli.Home, "q1.csv");
        var damaged = await _cli.RunAgainstAsync(server, "job", "download", "j-1", "reports/q1 report.csv", "-o", target);
        Assert.NotEqual(0, damaged.ExitCode);
        Assert.Contains("damaged", damaged.Stderr, StringComparison.Ordinal);
        var missing = await _cli.RunAgainstAsync(server, "job", "download", "j-1", "absent.csv", "-o", target);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("absent.csv", missing.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(_cli.Home, "*.partial"));
        var bad = await _cli.RunAgainstAsync(server, "job", "download", "j-1", "../escape", "-o", target);
        Assert.NotEqual(0, bad.ExitCode);
    }
}
