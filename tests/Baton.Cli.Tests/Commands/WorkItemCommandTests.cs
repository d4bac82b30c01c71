using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton workitem add|list|show|stats|trigger</c>.</summary>
public sealed class WorkItemCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static WorkItemDto Item(string id, string state, string? failureKind = null) => new(
        id, "invoices", "INV-" + id, state, 0, JsonSerializer.SerializeToElement(new { n = 1 }), null, false, 1, 3, Dtos.At, Dtos.At, null,
        null, failureKind is null ? null : "no customer", failureKind, "j_1", null, null,
        [new WorkItemEventDto(Dtos.At, "added", 0, null, null), new WorkItemEventDto(Dtos.At, "claimed", 1, "j_1", null)]);

    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
    {
        app.MapPost("/api/v1/workitem-queues/{queue}/items", (string queue, AddWorkItemsRequest request) =>
            FakeBatonServer.Json(new AddWorkItemsResponse([.. request.Items!.Select((_, i) => Item("wi_" + i, "pending"))]), 201));
        app.MapGet("/api/v1/workitem-queues", () => FakeBatonServer.Json(new ListResponse<WorkItemQueueDto>(
            [new WorkItemQueueDto("invoices", 5, 1, 90, 4, 3, 2, 7, Dtos.At)])));
        app.MapGet("/api/v1/workitem-queues/{queue}/items", (string queue) => FakeBatonServer.Json(new ListResponse<WorkItemDto>(
            [Item("wi_1", "done"), Item("wi_2", "failed", "business")])));
        app.MapGet("/api/v1/workitem-queues/{queue}/items/{id}", (string queue, string id) => FakeBatonServer.Json(Item(id, "in_progress")));
        app.MapPut("/api/v1/workitem-queues/{queue}/trigger", (string queue, SetWorkItemTriggerRequest request) => FakeBatonServer.Json(
            new WorkItemTriggerDto(queue, request.Package!, request.Version, request.MaxJobs ?? 1, request.MinItems ?? 1, Dtos.At, Dtos.At, null, null, null, []), 201));
        app.MapGet("/api/v1/workitem-queues/{queue}/trigger", (string queue) => FakeBatonServer.Json(
            new WorkItemTriggerDto(queue, "drain", null, 2, 5, Dtos.At, Dtos.At, Dtos.At, "Package 'drain' was not found", Dtos.At, ["j_7"])));
        app.MapDelete("/api/v1/workitem-queues/{queue}/trigger", (string queue) => Microsoft.AspNetCore.Http.Results.NoContent());
    });

    [Fact]
    public async Task Add_sends_each_line_of_the_file_as_an_item()
    {
        await using var server = await StartServerAsync();
        var file = Path.Combine(_cli.Home, "items.jsonl");
        await File.WriteAllLinesAsync(file, ["""{"payload":{"n":1},"reference":"INV-1"}""", "", """{"payload":{"n":2},"priority":5,"maxAttempts":2}"""]);

        var result = await _cli.RunAgainstAsync(server, "workitem", "add", "invoices", "--file", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Added 2 item(s) to work-item queue 'invoices'", result.Stdout, StringComparison.Ordinal);
        var sent = JsonSerializer.Deserialize<AddWorkItemsRequest>(server.Single("POST", "/api/v1/workitem-queues/invoices/items").Body, BatonJson.Wire)!;
        Assert.Equal(["INV-1", null], sent.Items!.Select(i => i.Reference));
        Assert.Equal((5, 2), (sent.Items![1].Priority, sent.Items[1].MaxAttempts));
    }

    [Fact]
    public async Task Add_refuses_a_misspelt_line_before_calling_the_server()
    {
        await using var server = await StartServerAsync();
        var file = Path.Combine(_cli.Home, "items.jsonl");
        await File.WriteAllLinesAsync(file, ["""{"payload":1}""", """{"refrence":"INV-2"}"""]);

        var result = await _cli.RunAgainstAsync(server, "workitem", "add", "invoices", "--file", file);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("line 2", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Stats_list_and_show_print_counts_items_and_history()
    {
        await using var server = await StartServerAsync();

        var stats = await _cli.RunAgainstAsync(server, "workitem", "stats");
        var list = await _cli.RunAgainstAsync(server, "workitem", "list", "invoices", "--state", "failed");
        var show = await _cli.RunAgainstAsync(server, "workitem", "show", "invoices", "wi_9");

        Assert.Equal(0, stats.ExitCode);
        Assert.Contains("invoices", stats.Stdout, StringComparison.Ordinal);
        Assert.Contains("90", stats.Stdout, StringComparison.Ordinal);
        Assert.Contains("business", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("state=failed", server.Single("GET", "/api/v1/workitem-queues/invoices/items?").PathAndQuery, StringComparison.Ordinal);
        Assert.Contains("claimed", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("job j_1", show.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_set_show_and_delete_send_and_print_the_queues_trigger()
    {
        await using var server = await StartServerAsync();

        var set = await _cli.RunAgainstAsync(server, "workitem", "trigger", "set", "invoices", "--package", "drain", "--max-jobs", "4", "--min-items", "10");
        var show = await _cli.RunAgainstAsync(server, "workitem", "trigger", "show", "invoices");
        var delete = await _cli.RunAgainstAsync(server, "workitem", "trigger", "delete", "invoices");
        var missing = await _cli.RunAgainstAsync(server, "workitem", "trigger", "set", "invoices");

        Assert.True(set.ExitCode == 0, set.Stderr);
        Assert.Contains("up to 4 job(s) of drain (latest) while at least 10 item(s) wait", set.Stdout, StringComparison.Ordinal);
        var sent = JsonSerializer.Deserialize<SetWorkItemTriggerRequest>(server.Single("PUT", "/api/v1/workitem-queues/invoices/trigger").Body, BatonJson.Wire)!;
        Assert.Equal(("drain", null, 4, 10), (sent.Package, sent.Version, sent.MaxJobs, sent.MinItems));
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("j_7", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("was not found", show.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, delete.ExitCode);
        Assert.Single(server.Requests, r => r.Method == "DELETE");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("--package", missing.Stderr, StringComparison.Ordinal);
    }
}
