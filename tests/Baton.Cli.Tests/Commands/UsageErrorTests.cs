using Baton.Cli.Tests.Infrastructure;

namespace Baton.Cli.Tests.Commands;

/// <summary>Usage errors exit 2 with a message on stderr, before any request is made.</summary>
public sealed class UsageErrorTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("job", "run")]
    [InlineData("job", "run", "hello", "--no-such-flag")]
    [InlineData("job", "run", "hello", "--priority", "high")]
    [InlineData("job", "run", "hello", "--timeout", "0")]
    [InlineData("job", "list", "--state", "sleeping")]
    [InlineData("key", "create", "ci", "--role", "boss")]
    [InlineData("tenant", "create", "acme", "--tier", "gold")]
    [InlineData("tenant", "create", "acme", "--agents", "-1")]
    [InlineData("package")]
    [InlineData("frobnicate")]
    public async Task Parse_errors_exit_2_with_a_message_on_stderr(params string[] args)
    {
        var result = await _cli.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task An_input_without_equals_is_a_usage_error_even_with_no_server_configured()
    {
        var result = await _cli.RunAsync("job", "run", "hello", "--input", "name");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--input 'name' is not of the form key=value", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--data DIR is required", "backup", "restore", "b.tar.gz")]
    [InlineData("--postgres needs --blobs", "backup", "restore", "b.tar.gz", "--postgres", "Host=db")]
    [InlineData("--blobs and --force go with --postgres", "backup", "restore", "b.tar.gz", "--data", "d", "--force")]
    [InlineData("--master-key is for the embedded backend", "backup", "restore", "b.tar.gz", "--postgres", "Host=db", "--blobs", "b", "--master-key", "k")]
    public async Task Backup_restore_options_that_do_not_fit_the_backend_are_usage_errors(string message, params string[] args)
    {
        var result = await _cli.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenant_update_without_any_change_is_a_usage_error()
    {
        await using var server = await FakeBatonServer.StartAsync(_ => { });

        var result = await _cli.RunAgainstAsync(server, "tenant", "update", "t-1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--tier", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Help_exits_0_and_lists_the_commands()
    {
        var result = await _cli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "login", "package", "job", "agent", "tenant", "key", "enroll-token" })
            Assert.Contains(command, result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("up")]
    [InlineData("server")]
    [InlineData("db")]
    public async Task Hosting_commands_do_not_offer_the_api_options(string command)
    {
        var result = await _cli.RunAsync(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("--key", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Print the raw JSON answer", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_has_one_json_one_server_and_one_key_option_and_server_help_lists_every_role()
    {
        var bench = await _cli.RunAsync("bench", "--help");
        var server = await _cli.RunAsync("server", "--help");

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(bench.Stdout, @"^\s+--json\b", System.Text.RegularExpressions.RegexOptions.Multiline));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(bench.Stdout, @"^\s+--server\b", System.Text.RegularExpressions.RegexOptions.Multiline));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(bench.Stdout, @"^\s+--key\b", System.Text.RegularExpressions.RegexOptions.Multiline));
        foreach (var role in new[] { "api", "janitor", "notifier", "scheduler", "autoscaler" })
            Assert.Contains(role, server.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_server_configured_is_an_error_with_exit_1_that_says_how_to_log_in()
    {
        var result = await _cli.RunAsync("job", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("baton login", result.Stderr, StringComparison.Ordinal);
    }
}
