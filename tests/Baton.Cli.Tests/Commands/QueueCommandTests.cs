using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton queue …</c> and <c>baton job why</c>.</summary>
public sealed class QueueCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
    {
        app.MapPost("/api/v1/queues", (CreateQueueRequest request) =>
            FakeBatonServer.Json(new QueueDto(request.Name, request.Priority ?? 0, request.MaxConcurrency, false, Dtos.At), 201));
        app.MapGet("/api/v1/queues", () => FakeBatonServer.Json(new ListResponse<QueueDto>(
            [new QueueDto("default", 0, null, false, Dtos.At), new QueueDto("reports", 5, 3, true, Dtos.At)])));
        app.MapPost("/api/v1/queues/{name}/pause", (string name) => FakeBatonServer.Json(new QueueDto(name, 0, null, true, Dtos.At)));
        app.MapPost("/api/v1/queues/{name}/resume", (string name) => FakeBatonServer.Json(new QueueDto(name, 0, null, false, Dtos.At)));
        app.MapGet("/api/v1/jobs/{id}/why", (string id) => FakeBatonServer.Json(
            new JobWhyDto(id, "pending", ["queue 'reports' is paused", "3 jobs ahead of it"])));
    });

    [Fact]
    public async Task Queue_create_sends_priority_and_cap()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "queue", "create", "reports", "--priority", "5", "--max-concurrency", "3");

        Assert.Equal(0, result.ExitCode);
        var sent = JsonSerializer.Deserialize<CreateQueueRequest>(server.Single("POST", "/api/v1/queues").Body, BatonJson.Wire)!;
        Assert.Equal(new CreateQueueRequest("reports", 5, 3), sent);
        Assert.Contains("Created queue 'reports'", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("at most 3 at once", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queue_create_refuses_an_out_of_range_priority_before_calling_the_server()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "queue", "create", "reports", "--priority", "500");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Queue_list_prints_a_table_and_json()
    {
        await using var server = await StartServerAsync();

        var table = await _cli.RunAgainstAsync(server, "queue", "list");
        var json = await _cli.RunAgainstAsync(server, "queue", "list", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("reports", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("paused", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("unlimited", table.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, JsonSerializer.Deserialize<ListResponse<QueueDto>>(json.Stdout, BatonJson.Wire)!.Items.Count);
    }

    [Fact]
    public async Task Queue_pause_and_resume_call_their_endpoints()
    {
        await using var server = await StartServerAsync();

        var paused = await _cli.RunAgainstAsync(server, "queue", "pause", "reports");
        var resumed = await _cli.RunAgainstAsync(server, "queue", "resume", "reports");

        Assert.Equal("Queue 'reports' is paused.", paused.Stdout.Trim());
        Assert.Equal("Queue 'reports' is active.", resumed.Stdout.Trim());
        Assert.Equal("POST", server.Single("POST", "/api/v1/queues/reports/resume").Method);
    }

    [Fact]
    public async Task Job_why_prints_each_reason()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "job", "why", "j_1");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Job j_1 is pending.", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("- queue 'reports' is paused", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("- 3 jobs ahead of it", result.Stdout, StringComparison.Ordinal);
    }
}
