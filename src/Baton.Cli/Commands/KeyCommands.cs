using System.CommandLine;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton key create|list|revoke</c>: the tenant's API keys (admin role).</summary>
public static class KeyCommands
{
    public static readonly string[] Roles = ["admin", "operator", "viewer"];

    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var key = new Command("key", "API keys of your tenant (admin)");
        key.Subcommands.Add(CreateCommand(context, globals));
        key.Subcommands.Add(ListCommand(context, globals));
        key.Subcommands.Add(RevokeCommand(context, globals));
        return key;
    }

    private static Command CreateCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "A name that says who or what uses the key");
        var role = new Option<string>("--role")
        {
            Description = "What the key may do: admin, operator (run jobs, push packages) or viewer (read only)",
            DefaultValueFactory = _ => "operator",
        };
        role.AcceptOnlyFromAmong(Roles);
        var command = new Command("create", "Create an API key; its secret is printed once") { name, role };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var created = await api.CreateApiKeyAsync(new CreateApiKeyRequest(parse.GetValue(name)!, parse.GetValue(role)!), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, created);
                return 0;
            }
            context.Out.WriteLine($"Created {created.Key.Role} key '{created.Key.Name}' ({created.Key.Id}).");
            SecretPrinter.Print(context, "API key", created.Secret);
            return 0;
        });
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals) =>
        new Command("list", "List API keys (secrets are never shown again)").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var keys = await api.ListApiKeysAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, keys);
                return 0;
            }
            if (keys.Items.Count == 0)
            {
                context.Out.WriteLine("No API keys.");
                return 0;
            }
            var now = context.Time.GetUtcNow();
            var table = Tables.Create("ID", "NAME", "ROLE", "CREATED", "LAST USED", "STATUS");
            foreach (var k in keys.Items)
            {
                var role = k.SystemAdmin ? k.Role + " (system)" : k.Role;
                var status = k.RevokedAt is { } revoked ? "revoked " + Humanize.Timestamp(revoked, context.Zone) : "active";
                table.AddTextRow(k.Id, k.Name, role, Humanize.Timestamp(k.CreatedAt, context.Zone), Humanize.Ago(k.LastUsedAt, now), status);
            }
            context.Console.Write(table);
            return 0;
        });

    private static Command RevokeCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The key's id (from `baton key list`)");
        var command = new Command("revoke", "Revoke an API key at once") { id };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var keyId = parse.GetValue(id)!;
            await api.RevokeApiKeyAsync(keyId, ct);
            context.Out.WriteLine($"Revoked key {keyId}.");
            return 0;
        });
    }
}
