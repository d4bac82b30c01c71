using System.CommandLine;

namespace Baton.Cli;

// The native CLI hands the commands that run Baton itself, or need its server's or agent's code, to the full CLI
// (FullCli): same names, descriptions and arguments as there, so `baton --help` reads the same in both builds
// (NativeCliTests compares them); everything after the command name, --help included, is the full CLI's to read.
public static partial class CliApp
{
    private static readonly HashSet<Command> FullCliCommands = [];

    private static partial Func<CliContext, GlobalOptions, Command>[] HostingCommandFactories() =>
    [
        (_, _) => InFullCli("autoscale", "The autoscaler: apply policies, watch decisions, pause a target, forecast, anomalies, simulate a trace"),
        (_, _) => InFullCli("secrets", "Master keys of secrets at rest and their rotation (system admins)"),
        (_, _) => InFullCli("up", "Start Baton locally: the server and local agent(s) on embedded storage."),
        (_, _) => InFullCli("server", "Run the Baton server (REST API, agent protocol, dispatcher, janitor)."),
        (_, _) => InFullCli("db", "Database maintenance."),
        (_, _) => InFullCli("backup", "Back up, verify and restore Baton's database and package blobs."),
        (_, _) => InFullCli("export", "Export configuration (tenants, quotas, keys, queues, calendars, packages, schedules, webhooks, assets; secrets stay encrypted)."),
        (_, _) => InFullCli("import", "Import tenants exported from another deployment (refused when the target has one of them).", "FILE"),
        (_, _) => InFullCli("bench", "Run a benchmark scenario: dispatch, agents, concurrency, api, fairness, deploy, overload, metrics.", "scenario"),
        (_, _) => InFullCli("sdk", "The Python SDK jobs import (the baton module)"),
    ];

    /// <summary><c>baton agent</c> itself is the agent daemon, which runs in the full CLI; <c>baton agent list</c> runs here.</summary>
    internal static partial void AddAgentDaemon(Command agent, GlobalOptions globals)
    {
        agent.TreatUnmatchedTokensAsErrors = false;
        FullCliCommands.Add(agent);
    }

    private static partial async Task<int?> RunElsewhereAsync(ParseResult parse, string[] args, CliContext context) =>
        FullCliCommands.Contains(parse.CommandResult.Command) ? await FullCli.RunAsync(args, context) : null;

    private static Command InFullCli(string name, string description, string? argument = null)
    {
        var command = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
        if (argument is not null) command.Arguments.Add(new Argument<string>(argument));
        FullCliCommands.Add(command);
        return command;
    }
}
