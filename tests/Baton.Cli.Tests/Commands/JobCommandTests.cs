using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

public sealed class JobCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Three pages of jobs: j-1 j-2 | j-3 j-4 | j-5, chained by cursors "c2" and "c3".</summary>
    private static Task<FakeBatonServer> StartPagedServerAsync() => FakeBatonServer.StartAsync(app =>
        app.MapGet("/api/v1/jobs", (HttpRequest request) => (string?)request.Query["cursor"] switch
        {
            null => FakeBatonServer.Json(new ListResponse<JobDto>([Dtos.Job("j-1", "running"), Dtos.Job("j-2", "pending")], "c2")),
            "c2" => FakeBatonServer.Json(new ListResponse<JobDto>([Dtos.Job("j-3", "succeeded"), Dtos.Job("j-4", "failed")], "c3")),
            _ => FakeBatonServer.Json(new ListResponse<JobDto>([Dtos.Job("j-5", "cancelled")])),
        }));

    [Fact]
    public async Task List_shows_the_first_page_and_says_how_to_get_more()
    {
        await using var server = await StartPagedServerAsync();

        var result = await _cli.RunAgainstAsync(server, "job", "list", "--state", "running", "--package", "hello", "--queue", "night", "--limit", "2");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("j-1", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("j-2", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("j-3", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--cursor c2", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("/api/v1/jobs?state=running&package=hello&queue=night&limit=2", Assert.Single(server.Requests).PathAndQuery);
    }

    [Fact]
    public async Task List_all_with_json_follows_every_cursor_and_prints_parseable_json()
    {
        await using var server = await StartPagedServerAsync();

        var result = await _cli.RunAgainstAsync(server, "job", "list", "--all", "--json");

        Assert.Equal(0, result.ExitCode);
        var list = JsonSerializer.Deserialize<ListResponse<JobDto>>(result.Stdout, BatonJson.Wire)!;
        Assert.Equal(["j-1", "j-2", "j-3", "j-4", "j-5"], list.Items.Select(j => j.Id));
        Assert.Null(list.NextCursor);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task Show_prints_state_error_inputs_and_result()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/jobs/{id}", (string id) =>
            FakeBatonServer.Json(Dtos.Job(id, "succeeded", result: """{"greeting":"Hello, Ada!"}"""))));

        _cli.Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var table = await _cli.RunAgainstAsync(server, "job", "show", "j-9");
        var json = await _cli.RunAgainstAsync(server, "job", "show", "j-9", "--json");

        Assert.Equal(0, table.ExitCode);
        // Submitted at 12:00 UTC, read in Tokyo: the time says which zone it is in.
        Assert.Contains("2025-03-01 21:00:00 +09:00", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("j-9", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("succeeded", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"greeting\": \"Hello, Ada!\"", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"Ada\"", table.Stdout, StringComparison.Ordinal);
        Assert.Equal("j-9", JsonSerializer.Deserialize<JobDto>(json.Stdout, BatonJson.Wire)!.Id);
    }

    [Fact]
    public async Task Logs_reads_every_page_after_the_last_sequence()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/jobs/{id}/logs", (HttpRequest request) =>
        {
            var after = long.Parse((string)request.Query["after"]!);
            var lines = Enumerable.Range(1, 5).Select(i => Dtos.Log(i, $"line {i}")).Where(l => l.Seq > after).Take(2).ToList();
            return FakeBatonServer.Json(new LogPageDto(lines, lines.Count == 0 ? after : lines[^1].Seq, JobEnded: true));
        }));

        var text = await _cli.RunAgainstAsync(server, "job", "logs", "j-1");
        var json = await _cli.RunAgainstAsync(server, "job", "logs", "j-1", "--after", "3", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Equal("line 1\nline 2\nline 3\nline 4\nline 5\n", text.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal(0, json.ExitCode);
        var parsed = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<LogLineDto>(l, BatonJson.Wire)!);
        Assert.Equal([4L, 5L], parsed.Select(l => l.Seq));
    }

    [Fact]
    public async Task Logs_follow_survives_a_broken_connection_and_resumes_after_the_last_line()
    {
        var connections = 0;
        await using var server = await FakeBatonServer.StartAsync(app =>
        {
            app.MapGet("/api/v1/jobs/{id}", (string id) => FakeBatonServer.Json(Dtos.Job(id, "running")));
            app.MapGet("/api/v1/jobs/{id}/logs", async (HttpContext context, string id) =>
            {
                context.Response.ContentType = "text/event-stream";
                if (Interlocked.Increment(ref connections) == 1)
                {
                    await JobRunCommandTests.SendAsync(context, "log", Dtos.Log(1, "line 1"));
                    await context.Response.WriteAsync("event: log\ndata: {\"seq\":");
                    await context.Response.Body.FlushAsync();
                    // Let the flushed bytes reach the client before the connection is torn down mid-event (a loaded
                    // CI machine has taken over 300 ms to read them).
                    await Task.Delay(2000);
                    context.Abort();
                    return;
                }
                Assert.Equal("1", context.Request.Query["after"]);
                await JobRunCommandTests.SendAsync(context, "log", Dtos.Log(2, "line 2"));
                await JobRunCommandTests.SendAsync(context, "end", Dtos.Job(id, "failed"));
            });
        });

        var result = await _cli.RunAgainstAsync(server, "job", "logs", "j-1", "--follow");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("line 1\nline 2\n", result.Stdout.ReplaceLineEndings("\n"));
        Assert.Contains("ended: failed", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, connections);
    }

    [Fact]
    public async Task Logs_follow_survives_a_connection_broken_before_the_stream_starts()
    {
        var connections = 0;
        await using var server = await FakeBatonServer.StartAsync(app =>
        {
            app.MapGet("/api/v1/jobs/{id}", (string id) => FakeBatonServer.Json(Dtos.Job(id, "running")));
            app.MapGet("/api/v1/jobs/{id}/logs", async (HttpContext context, string id) =>
            {
                if (Interlocked.Increment(ref connections) == 1)
                {
                    // Torn down before any header is sent: a server restarting, a proxy dropping the connection.
                    context.Abort();
                    return;
                }
                context.Response.ContentType = "text/event-stream";
                await JobRunCommandTests.SendAsync(context, "log", Dtos.Log(1, "line 1"));
                await JobRunCommandTests.SendAsync(context, "end", Dtos.Job(id, "succeeded"));
            });
        });

        var result = await _cli.RunAgainstAsync(server, "job", "logs", "j-1", "--follow");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("line 1\n", result.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal(2, connections);
    }

    [Fact]
    public async Task Cancel_posts_and_reports_the_state()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapPost("/api/v1/jobs/{id}/cancel", (string id) =>
            FakeBatonServer.Json(Dtos.Job(id, "cancelled"))));

        var result = await _cli.RunAgainstAsync(server, "job", "cancel", "j-3");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("j-3 is cancelled", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("/api/v1/jobs/j-3/cancel", server.Single("POST", "/api/v1/jobs").PathAndQuery);
    }

    [Fact]
    public async Task Cancel_takes_several_ids_and_reports_each_one_that_failed()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapPost("/api/v1/jobs/{id}/cancel", (string id) => id == "j-2"
            ? FakeBatonServer.Problem(409, "Invalid state", "Job j-2 already succeeded.", ProblemTypes.InvalidState)
            : FakeBatonServer.Json(Dtos.Job(id, "cancelled"))));

        var result = await _cli.RunAgainstAsync(server, "job", "cancel", "j-1", "j-2", "j-3");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("j-1 is cancelled", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("j-3 is cancelled", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("job j-2: Invalid state: Job j-2 already succeeded.", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task Retry_submits_a_new_job_with_the_same_package_version_inputs_and_queue()
    {
        await using var server = await FakeBatonServer.StartAsync(app =>
        {
            app.MapGet("/api/v1/jobs/{id}", (string id) => FakeBatonServer.Json(Dtos.Job(id, "failed") with { Queue = "gpu", Priority = 7, Cpu = 2 }));
            app.MapPost("/api/v1/jobs", () => FakeBatonServer.Json(Dtos.Job("j-new", "pending"), 201));
        });

        var result = await _cli.RunAgainstAsync(server, "job", "retry", "j-old");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("j-new", result.Stdout.Trim());
        var sent = JsonSerializer.Deserialize<SubmitJobRequest>(server.Single("POST", "/api/v1/jobs").Body, BatonJson.Wire)!;
        var old = Dtos.Job("j-old", "failed");
        Assert.Equal((old.Package, old.Version, "gpu", 7, 2m), (sent.Package, sent.Version, sent.Queue, sent.Priority, sent.Cpu));
        Assert.Equal("Ada", sent.Inputs!["name"].GetString());
    }

    [Fact]
    public async Task Cancelling_an_ended_job_shows_the_servers_conflict()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapPost("/api/v1/jobs/{id}/cancel", () =>
            FakeBatonServer.Problem(409, "Invalid state", "Job j-3 already succeeded.", ProblemTypes.InvalidState)));

        var result = await _cli.RunAgainstAsync(server, "job", "cancel", "j-3");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Job j-3 already succeeded.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_prints_the_timeline()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/jobs/{id}/events", () =>
            FakeBatonServer.Json(new ListResponse<JobEventDto>(
            [
                new JobEventDto(1, Dtos.At, "submitted", 0, null, null),
                new JobEventDto(2, Dtos.At, "assigned", 1, "agent-1", "lease 30s"),
                new JobEventDto(3, Dtos.At, "failed", 1, "agent-1",
                    "failed (exit code 1): Traceback (most recent call last):\n  File \"/job/fail.py\", line 4, in main\n    raise ValueError(\"boom\")\nValueError: boom"),
            ]))));

        var table = await _cli.RunAgainstAsync(server, "job", "events", "j-1");
        var json = await _cli.RunAgainstAsync(server, "job", "events", "j-1", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("submitted", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("lease 30s", table.Stdout, StringComparison.Ordinal);
        // A traceback is one table line (its first and last), whole in --json.
        Assert.Contains("failed (exit code 1): Traceback (most recent call last): … ValueError: boom", table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("fail.py", table.Stdout, StringComparison.Ordinal);
        var items = JsonSerializer.Deserialize<ListResponse<JobEventDto>>(json.Stdout, BatonJson.Wire)!.Items;
        Assert.Equal(3, items.Count);
        Assert.Contains("fail.py", items[2].Message, StringComparison.Ordinal);
    }
}
