using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

public sealed class JobRunCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>A server whose job moves through <paramref name="states"/>, one state per GET, staying on the last.</summary>
    private static Task<FakeBatonServer> StartServerAsync(string[] states, string? result = null, string? error = null, int exitCode = 1)
    {
        var polls = 0;
        return FakeBatonServer.StartAsync(app =>
        {
            app.MapPost("/api/v1/jobs", () => FakeBatonServer.Json(Dtos.Job("j-1", states[0]), StatusCodes.Status201Created));
            app.MapGet("/api/v1/jobs/{id}", (string id) =>
            {
                var state = states[Math.Min(Interlocked.Increment(ref polls), states.Length - 1)];
                var ended = state is "succeeded" or "failed" or "timed_out" or "cancelled";
                return FakeBatonServer.Json(Dtos.Job(id, state, ended ? result : null, ended ? error : null, ended ? exitCode : null));
            });
        });
    }

    [Fact]
    public async Task Without_wait_it_submits_once_and_prints_only_the_job_id()
    {
        await using var server = await StartServerAsync(["pending"]);

        var result = await _cli.RunAgainstAsync(server, "job", "run", "hello", "--version", "1.0.0",
            "-i", "name=Ada", "--input", "count=3", "--input", "tags=[\"a\"]", "--input", "id=\"007\"",
            "--priority", "5", "--timeout", "30", "--max-attempts", "2", "-r", "os=linux", "--requirement", "python>=3.11",
            "--idempotency-key", "deploy-42");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("j-1", result.Stdout.Trim());
        var post = server.Single("POST", "/api/v1/jobs");
        Assert.Equal("deploy-42", post.Headers["Idempotency-Key"]);
        var sent = JsonSerializer.Deserialize<SubmitJobRequest>(post.Body, BatonJson.Wire)!;
        Assert.Equal("hello", sent.Package);
        Assert.Equal("1.0.0", sent.Version);
        Assert.Equal(JsonValueKind.String, sent.Inputs!["name"].ValueKind);
        Assert.Equal(3, sent.Inputs["count"].GetInt32());
        Assert.Equal("a", sent.Inputs["tags"][0].GetString());
        Assert.Equal("007", sent.Inputs["id"].GetString());
        Assert.Equal((5, 30, 2), (sent.Priority, sent.TimeoutSeconds, sent.MaxAttempts));
        Assert.Equal(["os=linux", "python>=3.11"], sent.Requirements);
        Assert.DoesNotContain(server.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task Inputs_file_values_are_sent_with_input_flags_winning()
    {
        await using var server = await StartServerAsync(["pending"]);
        var file = Path.Combine(_cli.Home, "inputs.json");
        await File.WriteAllTextAsync(file, """{ "name": "FromFile", "seconds": 2 }""");

        var result = await _cli.RunAgainstAsync(server, "job", "run", "hello", "--inputs-file", file, "--input", "name=Flag");

        Assert.Equal(0, result.ExitCode);
        var sent = JsonSerializer.Deserialize<SubmitJobRequest>(server.Single("POST", "/api/v1/jobs").Body, BatonJson.Wire)!;
        Assert.Equal("Flag", sent.Inputs!["name"].GetString());
        Assert.Equal(2, sent.Inputs["seconds"].GetInt32());
    }

    [Fact]
    public async Task Wait_against_a_server_without_the_long_poll_polls_until_succeeded_then_prints_the_result_json_and_exits_0()
    {
        await using var server = await StartServerAsync(["pending", "assigned", "running", "succeeded"], result: """{"greeting":"Hello, Ada!"}""");

        var result = await _cli.RunAgainstAsync(server, "job", "run", "hello", "--input", "name=Ada", "--wait");

        Assert.Equal(0, result.ExitCode);
        using var printed = JsonDocument.Parse(result.Stdout);
        Assert.Equal("Hello, Ada!", printed.RootElement.GetProperty("greeting").GetString());
        // One long-poll answered 404 (an older server), then the job is read until it has ended.
        Assert.Single(server.Requests, r => r.Method == "GET" && r.PathAndQuery.StartsWith("/api/v1/jobs/j-1/wait", StringComparison.Ordinal));
        Assert.Equal(3, server.Requests.Count(r => r.Method == "GET" && r.PathAndQuery == "/api/v1/jobs/j-1"));
    }

    [Fact]
    public async Task Wait_long_polls_the_server_and_returns_the_moment_the_job_ends()
    {
        var ended = new TaskCompletionSource();
        var waits = new List<string>();
        await using var server = await FakeBatonServer.StartAsync(app =>
        {
            app.MapPost("/api/v1/jobs", () => FakeBatonServer.Json(Dtos.Job("j-1", "pending"), StatusCodes.Status201Created));
            app.MapGet("/api/v1/jobs/{id}/wait", async (string id, string? state, int? timeout) =>
            {
                lock (waits) waits.Add($"{state}/{timeout}");
                // Held like the real server holds it: the state moves on, then the job ends.
                if (state == "pending") return FakeBatonServer.Json(Dtos.Job(id, "running"));
                await ended.Task;
                return FakeBatonServer.Json(Dtos.Job(id, "succeeded", "\"done\"", null, 0));
            });
        });

        var run = _cli.RunAgainstAsync(server, "job", "run", "hello", "--wait");
        await Task.Delay(300);
        Assert.False(run.IsCompleted);
        ended.SetResult();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("\"done\"", result.Stdout.Trim());
        Assert.Equal(["pending/30", "running/30"], waits);
        Assert.DoesNotContain(server.Requests, r => r.Method == "GET" && r.PathAndQuery == "/api/v1/jobs/j-1");
    }

    [Theory]
    [InlineData("failed")]
    [InlineData("timed_out")]
    [InlineData("cancelled")]
    public async Task Wait_exits_1_with_the_state_and_error_on_stderr_when_the_job_did_not_succeed(string endState)
    {
        await using var server = await StartServerAsync(["pending", "running", endState], error: "ValueError: boom");

        var result = await _cli.RunAgainstAsync(server, "job", "run", "hello", "--wait");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains($"Job j-1 {endState}", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("ValueError: boom", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_whose_process_exited_0_but_failed_says_what_failed_not_exit_code_0()
    {
        const string tooLarge = "The job's result is 2000000 bytes; the limit is 1048576 bytes (1 MiB).";
        await using var server = await StartServerAsync(["pending", "failed"], error: tooLarge, exitCode: 0);

        var result = await _cli.RunAgainstAsync(server, "job", "run", "hello", "--wait");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(tooLarge, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("exit code 0", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_is_plain_utf8_without_html_escapes()
    {
        await using var server = await StartServerAsync(["pending", "failed"], error: "ValueError: x > 1 & y < 2 — café 'quoted'");

        var result = await _cli.RunAgainstAsync(server, "job", "run", "hello", "--wait", "--json");

        Assert.Contains("ValueError: x > 1 & y < 2 — café 'quoted'", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u00", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_with_json_prints_the_final_job_and_keeps_the_exit_code()
    {
        await using var server = await StartServerAsync(["pending", "failed"], error: "boom");
        await using var happy = await StartServerAsync(["pending", "succeeded"], result: "42");

        var failed = await _cli.RunAgainstAsync(server, "job", "run", "hello", "--wait", "--json");
        var succeeded = await _cli.RunAgainstAsync(happy, "job", "run", "hello", "--wait", "--json");

        Assert.Equal(1, failed.ExitCode);
        Assert.Equal("failed", JsonSerializer.Deserialize<JobDto>(failed.Stdout, BatonJson.Wire)!.State);
        Assert.Equal(0, succeeded.ExitCode);
        Assert.Equal(42, JsonSerializer.Deserialize<JobDto>(succeeded.Stdout, BatonJson.Wire)!.Result!.Value.GetInt32());
    }

    [Fact]
    public async Task Follow_streams_log_lines_resumes_a_dropped_stream_and_exits_on_the_end_event()
    {
        var afters = new List<string?>();
        await using var server = await FakeBatonServer.StartAsync(app =>
        {
            app.MapPost("/api/v1/jobs", () => FakeBatonServer.Json(Dtos.Job("j-7", "pending"), StatusCodes.Status201Created));
            app.MapGet("/api/v1/jobs/{id}", (string id) => FakeBatonServer.Json(Dtos.Job(id, "running")));
            app.MapGet("/api/v1/jobs/{id}/logs", async (HttpContext context, string id) =>
            {
                Assert.Equal("true", context.Request.Query["follow"]);
                Assert.Equal("text/event-stream", context.Request.Headers.Accept);
                lock (afters) afters.Add(context.Request.Query["after"]);
                context.Response.ContentType = "text/event-stream";
                if (context.Request.Query["after"] == "0")
                {
                    // The first connection drops after two lines (and repeats line 2 on purpose later).
                    await SendAsync(context, "log", Dtos.Log(1, "starting"));
                    await SendAsync(context, "log", Dtos.Log(2, "working"));
                    return;
                }
                await SendAsync(context, "log", Dtos.Log(2, "working"));
                await SendAsync(context, "log", Dtos.Log(3, "done"));
                await SendAsync(context, "end", Dtos.Job(id, "succeeded", result: """{"ok":true}"""));
            });
        });

        var result = await _cli.RunAgainstAsync(server, "job", "run", "hello", "--follow");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["0", "2"], afters);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["starting", "working", "done"], lines[..3]);
        using var printed = JsonDocument.Parse(string.Join('\n', lines[3..]));
        Assert.True(printed.RootElement.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Follow_exits_1_when_the_job_failed()
    {
        await using var server = await FakeBatonServer.StartAsync(app =>
        {
            app.MapPost("/api/v1/jobs", () => FakeBatonServer.Json(Dtos.Job("j-8", "pending"), StatusCodes.Status201Created));
            app.MapGet("/api/v1/jobs/{id}/logs", async (HttpContext context, string id) =>
            {
                context.Response.ContentType = "text/event-stream";
                await SendAsync(context, "log", Dtos.Log(1, "Traceback (most recent call last):"));
                await SendAsync(context, "end", Dtos.Job(id, "failed", error: "RuntimeError: nope", exitCode: 1));
            });
        });

        var result = await _cli.RunAgainstAsync(server, "job", "run", "fail", "--follow");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Traceback (most recent call last):", result.Stdout.Trim());
        Assert.Contains("failed", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("RuntimeError: nope", result.Stderr, StringComparison.Ordinal);
    }

    internal static async Task SendAsync<T>(HttpContext context, string eventType, T data)
    {
        await context.Response.WriteAsync($"event: {eventType}\ndata: {JsonSerializer.Serialize(data, BatonJson.Wire)}\n\n");
        await context.Response.Body.FlushAsync();
    }
}
