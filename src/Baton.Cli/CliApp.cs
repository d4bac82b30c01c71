using System.CommandLine;
using Baton.Cli.Commands;
using Baton.Cli.Output;

namespace Baton.Cli;

/// <summary>
/// The <c>baton</c> command tree and its entry point. The commands that call the API are compiled twice: here, and
/// ahead of time in the native CLI (src/Baton.Cli.Native), which starts in milliseconds. The commands that run
/// Baton itself (server, agent, database, bench …) need the whole runtime; each build supplies them in its own
/// <c>CliApp.Hosting.cs</c>: this one runs them, the native one hands them to this one.
/// </summary>
public static partial class CliApp
{
    /// <summary>
    /// The top-level commands, in help order. To add one, write a <c>Commands/XCommand.cs</c> with a
    /// <c>static Command Create(CliContext, GlobalOptions)</c> and add it here (or, when it runs Baton itself or
    /// needs the server's or agent's code, in <c>CliApp.Hosting.cs</c>).
    /// </summary>
    private static readonly Func<CliContext, GlobalOptions, Command>[] CommandFactories =
    [
        LoginCommand.Create,
        ContextCommands.Create,
        PackageCommands.Create,
        JobCommands.Create,
        QueueCommands.Create,
        WorkItemCommands.Create,
        ScheduleCommands.Create,
        CalendarCommands.Create,
        AgentCommands.Create,
        WebhookCommands.Create,
        AssetCommands.Create,
        EventsCommand.Create,
        AuditCommand.Create,
        TenantCommands.Create,
        KeyCommands.Create,
        EnrollTokenCommands.Create,
        StatusCommand.Create,
        .. HostingCommandFactories(),
    ];

    /// <summary>The commands that run Baton itself or need its server's or agent's code, in help order.</summary>
    private static partial Func<CliContext, GlobalOptions, Command>[] HostingCommandFactories();

    /// <summary>Adds the agent daemon (<c>baton agent --server URL --token T</c>) to <c>baton agent</c>.</summary>
    internal static partial void AddAgentDaemon(Command agent, GlobalOptions globals);

    /// <summary>The exit code when <paramref name="parse"/> names a command this build hands to another, else null.</summary>
    private static partial Task<int?> RunElsewhereAsync(ParseResult parse, string[] args, CliContext context);

    /// <summary>Commands that run Baton itself rather than call its API: no --server/--key/--json of the API.</summary>
    private static readonly HashSet<string> HostingCommands = ["up", "server", "db", "bench", "sdk"];

    public static RootCommand CreateRootCommand() => CreateRootCommand(CliContext.ForSystemConsole());

    public static RootCommand CreateRootCommand(CliContext context)
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("Baton: run Python automations on a fleet of agents.");
        foreach (var factory in CommandFactories)
        {
            var command = factory(context, globals);
            if (!HostingCommands.Contains(command.Name)) globals.AddTo(command);
            root.Subcommands.Add(command);
        }
        return root;
    }

    public static Task<int> RunAsync(string[] args) => RunAsync(args, CliContext.ForSystemConsole());

    /// <summary>
    /// Parses and runs <paramref name="args"/>: 0 on success, 1 on failure, 2 on a usage error (parse errors
    /// included), 130 when interrupted. Never throws; errors are one line on <see cref="CliContext.Error"/>.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var root = CreateRootCommand(context);
            var parse = root.Parse(args);
            if (await RunElsewhereAsync(parse, args, context) is { } exit) return exit;
            if (parse.Errors.Count > 0)
            {
                foreach (var error in parse.Errors) context.Error.WriteLine($"error: {error.Message}");
                context.Error.WriteLine($"Run '{CommandPath(parse)} --help' for usage.");
                return ErrorReporter.Usage;
            }
            var invocation = new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Error,
                EnableDefaultExceptionHandler = false,
            };
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (Exception e)
        {
            return ErrorReporter.Report(e, context);
        }
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, result.Command is RootCommand ? "baton" : result.Command.Name);
        return string.Join(' ', names);
    }
}
