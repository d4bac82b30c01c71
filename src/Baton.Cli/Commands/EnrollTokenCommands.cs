using System.CommandLine;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton enroll-token create|list|revoke</c>: tokens agents exchange for their own credential.</summary>
public static class EnrollTokenCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var token = new Command("enroll-token", "Agent enrollment tokens of your tenant (admin)");
        token.Subcommands.Add(CreateCommand(context, globals));
        token.Subcommands.Add(ListCommand(context, globals));
        token.Subcommands.Add(RevokeCommand(context, globals));
        return token;
    }

    private static Command CreateCommand(CliContext context, GlobalOptions globals)
    {
        var name = new Option<string?>("--name") { Description = "A name for the token, e.g. the machine pool it is for" };
        var expires = new Option<int?>("--expires-in-hours") { Description = "Hours until the token stops enrolling agents (default: never)" };
        expires.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is <= 0) result.AddError("--expires-in-hours must be a positive number of hours.");
        });
        var shared = SharedOption();
        var command = new Command("create", "Create an enrollment token; its secret is printed once") { name, expires, shared };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var request = new CreateEnrollmentTokenRequest(parse.GetValue(name), parse.GetValue(expires));
            var created = parse.GetValue(shared)
                ? await api.CreateSharedEnrollmentTokenAsync(request, ct)
                : await api.CreateEnrollmentTokenAsync(request, ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, created);
                return 0;
            }
            var expiry = created.Token.ExpiresAt is { } at ? $", expires {Humanize.Timestamp(at, context.Zone)}" : "";
            context.Out.WriteLine($"Created enrollment token '{created.Token.Name}' ({created.Token.Id}{expiry}).");
            SecretPrinter.Print(context, "Enrollment token", created.Secret);
            context.Out.WriteLine($"Start an agent with: baton agent --server {api.ServerText} --token {created.Secret}");
            return 0;
        });
    }

    /// <summary>The shared agent pool's tokens instead of the tenant's (system admin).</summary>
    private static Option<bool> SharedOption() =>
        new("--shared") { Description = "The shared agent pool's tokens: agents serve every tenant with a shared-pool weight (system admin)" };

    private static Command ListCommand(CliContext context, GlobalOptions globals)
    {
        var shared = SharedOption();
        return new Command("list", "List enrollment tokens") { shared }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var tokens = parse.GetValue(shared) ? await api.ListSharedEnrollmentTokensAsync(ct) : await api.ListEnrollmentTokensAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, tokens);
                return 0;
            }
            if (tokens.Items.Count == 0)
            {
                context.Out.WriteLine("No enrollment tokens.");
                return 0;
            }
            var now = context.Time.GetUtcNow();
            var table = Tables.Create("ID", "NAME", "CREATED", "EXPIRES", "STATUS");
            foreach (var t in tokens.Items)
            {
                var status = t.RevokedAt is not null ? "revoked" : t.ExpiresAt is { } at && at <= now ? "expired" : "active";
                table.AddTextRow(t.Id, t.Name, Humanize.Timestamp(t.CreatedAt, context.Zone), t.ExpiresAt is null ? "never" : Humanize.Timestamp(t.ExpiresAt, context.Zone), status);
            }
            context.Console.Write(table);
            return 0;
        });
    }

    private static Command RevokeCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The token's id (from `baton enroll-token list`)");
        var shared = SharedOption();
        var command = new Command("revoke", "Revoke an enrollment token; agents already enrolled keep working") { id, shared };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var tokenId = parse.GetValue(id)!;
            if (parse.GetValue(shared)) await api.RevokeSharedEnrollmentTokenAsync(tokenId, ct);
            else await api.RevokeEnrollmentTokenAsync(tokenId, ct);
            context.Out.WriteLine($"Revoked enrollment token {tokenId}.");
            return 0;
        });
    }
}
