using System.CommandLine;
using Baton.Cli.Http;

namespace Baton.Cli.Commands;

/// <summary>Wires a command's action to a connected <see cref="BatonApiClient"/>.</summary>
public static class CommandActions
{
    /// <summary>
    /// Sets an action that connects with the resolved server and key, runs <paramref name="action"/>
    /// and returns its exit code. Exceptions flow to <see cref="CliApp.RunAsync(string[], CliContext, CancellationToken)"/>.
    /// </summary>
    public static Command WithApiAction(
        this Command command, CliContext context, GlobalOptions globals,
        Func<ParseResult, BatonApiClient, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, ct) =>
        {
            using var api = globals.Connect(parse, context);
            return await action(parse, api, ct);
        });
        return command;
    }

    /// <summary>A required positional argument.</summary>
    public static Argument<string> RequiredArgument(string name, string description) =>
        new(name) { Description = description };

    /// <summary>An optional positional argument.</summary>
    public static Argument<string?> OptionalArgument(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.ZeroOrOne };
}
