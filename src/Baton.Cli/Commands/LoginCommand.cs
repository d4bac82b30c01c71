using System.CommandLine;
using Baton.Cli.Configuration;
using Baton.Cli.Http;
using Baton.Cli.Output;

namespace Baton.Cli.Commands;

/// <summary><c>baton login --server URL --key KEY</c>: checks the key against the server, then saves both.</summary>
public static class LoginCommand
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var command = new Command("login", "Check a server URL and API key, then save them for later commands");
        command.SetAction(async (parse, ct) =>
        {
            var connection = globals.ResolveConnection(parse, context);
            using var api = new BatonApiClient(connection.Server, connection.ApiKey, time: context.Time);
            var me = await api.GetMeAsync(ct);
            var server = connection.Server.AbsoluteUri.TrimEnd('/');
            new CliConfig(server, connection.ApiKey).Save(context.ConfigPath);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, me);
                return 0;
            }
            var admin = me.SystemAdmin ? ", system admin" : "";
            context.Out.WriteLine($"Logged in to {server} as {me.Role}{admin} of tenant {me.TenantName} ({me.TenantId}).");
            context.Out.WriteLine($"Saved to {context.ConfigPath}.");
            return 0;
        });
        return command;
    }
}
