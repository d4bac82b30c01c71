using Baton.Cli.Configuration;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

public sealed class LoginCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
    {
        app.MapGet("/api/v1/me", (HttpRequest request) => request.Headers.Authorization == $"Bearer {CliHarness.TestKey}"
            ? FakeBatonServer.Json(new WhoAmIDto("t-1", "default", "admin", true, "k-1"))
            : FakeBatonServer.Problem(401, "Unauthorized", "Unknown API key.", ProblemTypes.Unauthorized));
        app.MapGet("/api/v1/agents", () => FakeBatonServer.Json(new ListResponse<AgentDto>([Dtos.Agent("a-1", "worker-1")])));
    });

    [Fact]
    public async Task Login_verifies_the_key_then_saves_it_and_later_commands_use_it()
    {
        await using var server = await StartServerAsync();

        var login = await _cli.RunAgainstAsync(server, "login");
        var list = await _cli.RunAsync("agent", "list");

        Assert.Equal(0, login.ExitCode);
        Assert.Contains("admin", login.Stdout, StringComparison.Ordinal);
        Assert.Contains("default", login.Stdout, StringComparison.Ordinal);
        Assert.Equal(new CliConfig(server.Url, CliHarness.TestKey), CliConfig.Load(_cli.ConfigPath));
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("worker-1", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, server.Requests.Count(r => r.Headers.GetValueOrDefault("Authorization") == $"Bearer {CliHarness.TestKey}"));
    }

    [Fact]
    public async Task A_rejected_key_is_not_saved()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAsync("login", "--server", server.Url, "--key", "wrong");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Unknown API key.", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.ConfigPath));
    }

    [Fact]
    public async Task Environment_variables_override_the_saved_login_and_flags_override_both()
    {
        await using var real = await StartServerAsync();
        new CliConfig("http://127.0.0.1:9", "saved-key").Save(_cli.ConfigPath);

        _cli.WithEnvironment(ServerConnection.ServerVariable, real.Url);
        var envServerSavedKey = await _cli.RunAsync("agent", "list");
        _cli.WithEnvironment(ServerConnection.ApiKeyVariable, "env-key");
        var envKey = await _cli.RunAsync("agent", "list");
        var flagKey = await _cli.RunAsync("agent", "list", "--key", "flag-key");

        Assert.Equal(0, envServerSavedKey.ExitCode);
        Assert.Equal(0, envKey.ExitCode);
        Assert.Equal(0, flagKey.ExitCode);
        var keys = real.Requests.Select(r => r.Headers["Authorization"]).ToList();
        Assert.Equal(["Bearer saved-key", "Bearer env-key", "Bearer flag-key"], keys);
    }
}
