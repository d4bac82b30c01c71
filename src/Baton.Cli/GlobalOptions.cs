using System.CommandLine;
using Baton.Cli.Configuration;
using Baton.Cli.Http;

namespace Baton.Cli;

/// <summary>Options every command accepts: <c>--server</c>, <c>--key</c> and <c>--json</c>.</summary>
public sealed class GlobalOptions
{
    public Option<string?> Server { get; } = new("--server")
    {
        Description = $"Baton server URL (overrides ${ServerConnection.ServerVariable} and the saved login)",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = $"API key or JWT (overrides ${ServerConnection.ApiKeyVariable} and the saved login)",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the raw JSON answer instead of tables, for scripts",
        Recursive = true,
    };

    /// <summary>
    /// Adds the options to a command that talks to the API (and, being recursive, to its subcommands). They are not
    /// put on the root: <c>up</c>, <c>server</c>, <c>db</c> and <c>bench</c> take no API key, and bench's own
    /// <c>--server</c>, <c>--key</c> and <c>--json FILE</c> must be the only ones of those names it shows.
    /// </summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(Key);
        command.Options.Add(Json);
    }

    public bool IsJson(ParseResult parse) => parse.GetValue(Json);

    /// <summary>The server and key for this invocation: flag &gt; environment &gt; config file.</summary>
    public ServerConnection ResolveConnection(ParseResult parse, CliContext context) =>
        ServerConnection.Resolve(parse.GetValue(Server), parse.GetValue(Key), context.GetEnvironmentVariable, context.ConfigPath);

    public BatonApiClient Connect(ParseResult parse, CliContext context)
    {
        var connection = ResolveConnection(parse, context);
        return new BatonApiClient(connection.Server, connection.ApiKey, time: context.Time) { KeySource = connection.KeySource };
    }
}
