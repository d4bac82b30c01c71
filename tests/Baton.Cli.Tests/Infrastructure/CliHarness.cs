namespace Baton.Cli.Tests.Infrastructure;

/// <summary>
/// Runs <see cref="CliApp.RunAsync(string[], CliContext, CancellationToken)"/> in-process with captured
/// stdout/stderr, a private HOME (so a real saved login never leaks in) and only the environment a test gives.
/// </summary>
public sealed class CliHarness : IDisposable
{
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);

    public CliHarness()
    {
        Home = Directory.CreateTempSubdirectory("baton-cli-test-").FullName;
        _environment["HOME"] = Home;
    }

    public string Home { get; }

    /// <summary>The reader's time zone the CLI shows times in (the machine's own when null).</summary>
    public TimeZoneInfo? Zone { get; set; }

    public string ConfigPath => Path.Combine(Home, ".config", "baton", "config.json");

    public CliHarness WithEnvironment(string name, string value)
    {
        _environment[name] = value;
        return this;
    }

    /// <summary>What the command reads on standard input (not a terminal); empty when not set.</summary>
    public string Input { get; set; } = "";

    public async Task<CliResult> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = CliContext.ForWriters(output, error, name => _environment.GetValueOrDefault(name)) with
        {
            PollInterval = TimeSpan.FromMilliseconds(20),
            In = new StringReader(Input),
        };
        if (Zone is { } zone) context = context with { Time = new ZonedTimeProvider(zone) };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var exitCode = await CliApp.RunAsync(args, context, timeout.Token);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs against <paramref name="server"/> with an API key passed as flags.</summary>
    public Task<CliResult> RunAgainstAsync(FakeBatonServer server, params string[] args) =>
        RunAsync([.. args, "--server", server.Url, "--key", TestKey]);

    public const string TestKey = "bk_test_0123456789";

    public void Dispose() => Directory.Delete(Home, recursive: true);
}

/// <summary>The system clock read in a chosen zone, as a machine in that zone would.</summary>
public sealed class ZonedTimeProvider(TimeZoneInfo zone) : TimeProvider
{
    public override TimeZoneInfo LocalTimeZone => zone;
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
