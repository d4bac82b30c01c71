using System.CommandLine;
using Baton.Cli.Commands;
using Baton.Cli.Output;

namespace Baton.Cli;

/// <summary>The <c>baton</c> command tree and its entry point.</summary>
public static class CliApp
{
    /// <summary>
    /// The top-level commands, in help order. To add one, write a <c>Commands/XCommand.cs</c> with a
    /// <c>static Command Create(CliContext, GlobalOptions)</c> and add it here.
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
        Commands.Autoscale.AutoscaleCommands.Create,
        TenantCommands.Create,
        KeyCommands.Create,
        EnrollTokenCommands.Create,
        SecretsCommands.Create,
        StatusCommand.Create,
        (_, _) => Commands.Hosting.UpCommand.Create(),
        (_, _) => Commands.Hosting.ServerCommand.Create(),
        (_, _) => Commands.Hosting.DatabaseCommand.Create(),
        (context, _) => Commands.Hosting.BackupCommands.Create(context),
        (context, _) => Commands.Hosting.ConfigurationCommands.Export(context),
        (context, _) => Commands.Hosting.ConfigurationCommands.Import(context),
        (context, _) => Commands.Hosting.BenchCommand.Create(context),
        (context, _) => SdkCommands.Create(context),
    ];

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
