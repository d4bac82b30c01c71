using System.Net;
using System.Net.Sockets;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

/// <summary>Server errors become one line on stderr with the problem's title and detail, exit code 1.</summary>
public sealed class ErrorReportingTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task A_problem_json_error_prints_its_title_and_detail_and_exits_1()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/jobs/{id}", (string id) =>
            FakeBatonServer.Problem(404, "Not found", $"No job '{id}' in this tenant.", ProblemTypes.NotFound)));

        var result = await _cli.RunAgainstAsync(server, "job", "show", "j-404");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: Not found: No job 'j-404' in this tenant.", result.Stderr.Trim());
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task A_429_shows_its_retry_after()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/agents", (HttpContext context) =>
        {
            context.Response.Headers.RetryAfter = "42";
            return FakeBatonServer.Problem(429, "Too many requests", "The tenant used its 1000 API calls for today.", ProblemTypes.RateLimited);
        }));

        var result = await _cli.RunAgainstAsync(server, "agent", "list", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("The tenant used its 1000 API calls for today.", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("retry after 42s", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validation_problems_list_the_fields_at_fault()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapPost("/api/v1/keys", () => Results.ValidationProblem(
            new Dictionary<string, string[]> { ["name"] = ["must not be empty"] }, detail: "The key is invalid.", title: "Invalid request")));

        var result = await _cli.RunAgainstAsync(server, "key", "create", " ");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("The key is invalid. (name: must not be empty)", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unauthorized_answer_hints_at_the_key()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/packages", () =>
            FakeBatonServer.Problem(401, "Unauthorized", "Unknown or revoked API key.", ProblemTypes.Unauthorized)));

        var result = await _cli.RunAgainstAsync(server, "package", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Unknown or revoked API key.", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("baton login", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_named_in_one_line_without_a_stack_trace()
    {
        var url = $"http://127.0.0.1:{FreePort()}";

        var result = await _cli.RunAsync("job", "list", "--server", url, "--key", "k");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: cannot reach the Baton server at {url}: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task An_unexpected_answer_is_one_line_unless_BATON_DEBUG_is_set()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/me", () => Results.Text("not json", "application/json")));

        var quiet = await _cli.RunAgainstAsync(server, "login");
        _cli.WithEnvironment("BATON_DEBUG", "1");
        var verbose = await _cli.RunAgainstAsync(server, "login");

        Assert.Equal(1, quiet.ExitCode);
        Assert.Single(quiet.Stderr.Trim().Split('\n'));
        Assert.Equal(1, verbose.ExitCode);
        Assert.Contains("   at ", verbose.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.ConfigPath));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
