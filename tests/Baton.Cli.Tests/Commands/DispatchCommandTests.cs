using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton queue update</c>, the queue dispatch options and <c>baton job priority</c>.</summary>
public sealed class DispatchCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
    {
        app.MapPost("/api/v1/queues", (CreateQueueRequest request) => FakeBatonServer.Json(
            new QueueDto(request.Name, 0, null, false, Dtos.At, request.AgentGroups, request.ReservedSlots ?? 0, request.ReservedMinPriority ?? 0), 201));
        app.MapPatch("/api/v1/queues/{name}", (string name, UpdateQueueRequest request) => FakeBatonServer.Json(
            new QueueDto(name, 0, null, false, Dtos.At, request.AgentGroups ?? [], request.ReservedSlots ?? 0, request.ReservedMinPriority ?? 0)));
        app.MapPatch("/api/v1/jobs/{id}", (string id, UpdateJobRequest request) => id == "j_running"
            ? Results.Problem(statusCode: 409, type: ProblemTypes.InvalidState, title: "Invalid state", detail: "Job j_running is running; only a pending job's priority can change.")
            : FakeBatonServer.Json(Dtos.Job(id, "pending") with { Priority = request.Priority ?? 0 }));
    });

    [Fact]
    public async Task Queue_create_and_update_send_groups_and_reservations()
    {
        await using var server = await StartServerAsync();

        var created = await _cli.RunAgainstAsync(server, "queue", "create", "gpu", "--groups", "gpu, render", "--reserved-slots", "2", "--reserved-min-priority", "50");
        Assert.Equal(0, created.ExitCode);
        var sent = JsonSerializer.Deserialize<CreateQueueRequest>(server.Single("POST", "/api/v1/queues").Body, BatonJson.Wire)!;
        Assert.Equal(["gpu", "render"], sent.AgentGroups!);
        Assert.Equal((2, 50), (sent.ReservedSlots, sent.ReservedMinPriority));
        Assert.Contains("served by group(s) gpu, render", created.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 of the tenant's slots reserved for priority >= 50", created.Stdout, StringComparison.Ordinal);

        var updated = await _cli.RunAgainstAsync(server, "queue", "update", "gpu", "--groups", "");
        Assert.Equal(0, updated.ExitCode);
        var patch = JsonSerializer.Deserialize<UpdateQueueRequest>(server.Single("PATCH", "/api/v1/queues/gpu").Body, BatonJson.Wire)!;
        Assert.Empty(patch.AgentGroups!);
        Assert.Null(patch.ReservedSlots);
        Assert.Contains("served by any agent group", updated.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_priority_patches_the_job_and_reports_a_conflict()
    {
        await using var server = await StartServerAsync();

        var changed = await _cli.RunAgainstAsync(server, "job", "priority", "j_1", "80");
        Assert.Equal(0, changed.ExitCode);
        Assert.Equal(new UpdateJobRequest(80), JsonSerializer.Deserialize<UpdateJobRequest>(server.Single("PATCH", "/api/v1/jobs/j_1").Body, BatonJson.Wire));
        Assert.Contains("now has priority 80", changed.Stdout, StringComparison.Ordinal);

        var refused = await _cli.RunAgainstAsync(server, "job", "priority", "j_running", "80");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("only a pending job's priority can change", refused.Stderr, StringComparison.Ordinal);

        var usage = await _cli.RunAgainstAsync(server, "job", "priority", "j_1", "500");
        Assert.Equal(2, usage.ExitCode);
    }
}
