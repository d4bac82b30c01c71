using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

public sealed class JobRunManyCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("baton-run-many-").FullName;

    public void Dispose()
    {
        _cli.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A server that creates every submission except those of the package "missing" (404).</summary>
    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
        app.MapPost("/api/v1/jobs/batch", async (HttpRequest request) =>
        {
            var batch = (await JsonSerializer.DeserializeAsync<SubmitJobBatchRequest>(request.Body, BatonJson.Wire))!;
            var results = batch.Jobs!.Select((job, i) => job.Package == "missing"
                ? new SubmitJobBatchItemResult(i, 404, null, new ProblemDto(ProblemTypes.NotFound, "Not found", 404, "Package 'missing' was not found.", null))
                : new SubmitJobBatchItemResult(i, job.IdempotencyKey is null ? 201 : 200, Dtos.Job($"j-{job.Priority}", "pending"), null)).ToList();
            return FakeBatonServer.Json(new SubmitJobBatchResponse(
                results.Count(r => r.Status == 201), results.Count(r => r.Status == 200), results.Count(r => r.Problem is not null), results));
        }));

    private string WriteLines(IEnumerable<string> lines)
    {
        var path = Path.Combine(_folder, "jobs.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task Lines_are_sent_in_batches_and_each_refused_line_is_named()
    {
        await using var server = await StartServerAsync();
        var lines = Enumerable.Range(1, 2_500).Select(i => i == 1_234
            ? """{"package":"missing"}"""
            : $$"""{"package":"hello","priority":{{i}},"inputs":{"name":"n{{i}}"}{{(i == 7 ? ",\"idempotencyKey\":\"k7\"" : "")}}}""").ToList();
        lines.Insert(10, "");
        var path = WriteLines(lines);

        var result = await _cli.RunAgainstAsync(server, "job", "run-many", path);

        Assert.Equal(1, result.ExitCode);
        var posts = server.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(3, posts.Count);
        var sizes = posts.Select(p => JsonSerializer.Deserialize<SubmitJobBatchRequest>(p.Body, BatonJson.Wire)!.Jobs!.Count).ToList();
        Assert.Equal([1_000, 1_000, 500], sizes);
        var first = JsonSerializer.Deserialize<SubmitJobBatchRequest>(posts[0].Body, BatonJson.Wire)!.Jobs!;
        Assert.Equal("n3", first[2].Inputs!["name"].GetString());
        Assert.Equal("k7", first[6].IdempotencyKey);
        // Line 1,235 of the file (one blank line came before it) held the refused submission.
        Assert.Contains("line 1235: 404 Package 'missing' was not found.", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("2498 job(s) submitted, 1 already there (same idempotency key), 1 refused.", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_or_misspelt_line_stops_everything_before_anything_is_sent()
    {
        await using var server = await StartServerAsync();

        var broken = await _cli.RunAgainstAsync(server, "job", "run-many", WriteLines(["""{"package":"hello"}""", """{"package": """]));
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("line 2", broken.Stderr, StringComparison.Ordinal);

        var misspelt = await _cli.RunAgainstAsync(server, "job", "run-many", WriteLines(["""{"package":"hello","inputz":{}}"""]));
        Assert.Equal(2, misspelt.ExitCode);
        Assert.Contains("inputz", misspelt.Stderr, StringComparison.Ordinal);

        var empty = await _cli.RunAgainstAsync(server, "job", "run-many", WriteLines(["", "   "]));
        Assert.Equal(2, empty.ExitCode);
        Assert.DoesNotContain(server.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task Json_output_lists_every_line_with_its_answer()
    {
        await using var server = await StartServerAsync();
        var result = await _cli.RunAgainstAsync(server, "job", "run-many", WriteLines(["""{"package":"hello","priority":1}""", """{"package":"missing"}"""]), "--json");

        Assert.Equal(1, result.ExitCode);
        using var summary = JsonDocument.Parse(result.Stdout);
        Assert.Equal(1, summary.RootElement.GetProperty("created").GetInt32());
        var results = summary.RootElement.GetProperty("results");
        Assert.Equal("j-1", results[0].GetProperty("jobId").GetString());
        Assert.Equal(2, results[1].GetProperty("line").GetInt32());
        Assert.Equal(404, results[1].GetProperty("status").GetInt32());
    }
}
