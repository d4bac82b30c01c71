using Baton.Cli.Configuration;
using Spectre.Console;

namespace Baton.Cli;

/// <summary>
/// Everything a command touches outside itself: where output goes, the environment, the config file,
/// the clock. The real process uses <see cref="ForSystemConsole"/>; tests build one over string writers.
/// </summary>
public sealed record CliContext
{
    /// <summary>Rich output (tables, spinners, progress) on stdout.</summary>
    public required IAnsiConsole Console { get; init; }

    /// <summary>Plain stdout: JSON, ids, secrets, log lines.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Errors and notes for people; never parsed by scripts.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Standard input, for commands that read a file named <c>-</c>.</summary>
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Standard input is a terminal: a secret is asked for with a hidden prompt instead of read from <see cref="In"/>.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>Spinners and progress bars animate only when true (a terminal on both stdout and stderr).</summary>
    public bool Interactive { get; init; }

    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The config file; defaults to <see cref="CliConfig.PathFor"/> through <see cref="GetEnvironmentVariable"/>.</summary>
    public string ConfigPath
    {
        get => _configPath ?? CliConfig.PathFor(GetEnvironmentVariable);
        init => _configPath = value;
    }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The reader's time zone, in which tables show times (with the zone beside each).</summary>
    public TimeZoneInfo Zone => Time.LocalTimeZone;

    /// <summary>How often <c>job run --wait</c> asks for the job's state.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    private readonly string? _configPath;

    public bool DebugEnabled => GetEnvironmentVariable("BATON_DEBUG") is "1" or "true";

    public static CliContext ForSystemConsole()
    {
        var interactive = !System.Console.IsOutputRedirected && !System.Console.IsErrorRedirected;
        // No escape codes into a pipe or file, nor anywhere when NO_COLOR is set (https://no-color.org).
        var plain = System.Console.IsOutputRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var console = plain
            ? AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(System.Console.Out),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            })
            : AnsiConsole.Console;
        // Redirected output has no terminal width: don't wrap ids and timestamps at 80 columns.
        if (System.Console.IsOutputRedirected) console.Profile.Width = 240;
        return new CliContext
        {
            Console = console,
            Out = System.Console.Out,
            Error = System.Console.Error,
            In = System.Console.In,
            InputIsTerminal = !System.Console.IsInputRedirected,
            Interactive = interactive,
        };
    }

    /// <summary>A context writing plain, uncoloured, non-animated text to the given writers.</summary>
    public static CliContext ForWriters(
        TextWriter output, TextWriter error, Func<string, string?>? getEnvironmentVariable = null, int width = 200)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        return new CliContext
        {
            Console = console,
            Out = output,
            Error = error,
            Interactive = false,
            GetEnvironmentVariable = getEnvironmentVariable ?? Environment.GetEnvironmentVariable,
        };
    }
}
