using System.CommandLine;
using Baton.Cli.Commands;
using Baton.Cli.Commands.Hosting;

namespace Baton.Cli;

// The full CLI runs every command itself (the native CLI's twin of this file hands these to it).
public static partial class CliApp
{
    private static partial Func<CliContext, GlobalOptions, Command>[] HostingCommandFactories() =>
    [
        Commands.Autoscale.AutoscaleCommands.Create,
        SecretsCommands.Create,
        (_, _) => UpCommand.Create(),
        (_, _) => ServerCommand.Create(),
        (_, _) => DatabaseCommand.Create(),
        (context, _) => BackupCommands.Create(context),
        (context, _) => ConfigurationCommands.Export(context),
        (context, _) => ConfigurationCommands.Import(context),
        (context, _) => BenchCommand.Create(context),
        (context, _) => SdkCommands.Create(context),
    ];

    internal static partial void AddAgentDaemon(Command agent, GlobalOptions globals) => AgentDaemon.AddTo(agent, globals);

    private static partial Task<int?> RunElsewhereAsync(ParseResult parse, string[] args, CliContext context) => Task.FromResult<int?>(null);
}
