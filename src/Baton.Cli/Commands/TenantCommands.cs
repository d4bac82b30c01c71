using System.CommandLine;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton tenant create|list|show|update</c>. All but <c>show</c> without an id need a system admin key.</summary>
public static class TenantCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var tenant = new Command("tenant", "Tenants, their tiers and quotas");
        tenant.Subcommands.Add(CreateCommand(context, globals));
        tenant.Subcommands.Add(ListCommand(context, globals));
        tenant.Subcommands.Add(ShowCommand(context, globals));
        tenant.Subcommands.Add(UpdateCommand(context, globals));
        return tenant;
    }

    private static Command CreateCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The tenant's name");
        var quotas = new QuotaOptions();
        var command = new Command("create", "Create a tenant and its first admin API key (system admin)") { name };
        quotas.AddTo(command);
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var request = new CreateTenantRequest(parse.GetValue(name)!, parse.GetValue(quotas.Tier), quotas.ReadOverrides(parse));
            var created = await api.CreateTenantAsync(request, ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, created);
                return 0;
            }
            context.Out.WriteLine($"Created tenant '{created.Tenant.Name}' ({created.Tenant.Id}), tier {created.Tenant.Tier}.");
            TenantPrinter.PrintQuotas(context, created.Tenant);
            SecretPrinter.Print(context, $"First admin API key of '{created.Tenant.Name}'", created.AdminKey.Secret);
            return 0;
        });
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals) =>
        new Command("list", "List all tenants (system admin)").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var tenants = await api.ListTenantsAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, tenants);
                return 0;
            }
            if (tenants.Items.Count == 0)
            {
                context.Out.WriteLine("No tenants.");
                return 0;
            }
            var table = Tables.Create("ID", "NAME", "TIER", "AGENTS", "CONCURRENT", "STORAGE", "API/DAY", "CREATED");
            foreach (var t in tenants.Items)
            {
                table.AddTextRow(t.Id, t.Name, t.Tier, t.Quotas.Agents.ToString(), t.Quotas.ConcurrentJobs.ToString(),
                    $"{t.Quotas.StorageGb:0.##} GB", t.Quotas.ApiCallsPerDay.ToString(), Humanize.Timestamp(t.CreatedAt, context.Zone));
            }
            context.Console.Write(table);
            return 0;
        });

    private static Command ShowCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.OptionalArgument("tenant", "A tenant's name or id (system admin); without it, your own tenant with its usage");
        var command = new Command("show", "Show a tenant's tier, quotas and usage") { id };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var tenantId = parse.GetValue(id);
            var tenant = tenantId is null ? await api.GetOwnTenantAsync(ct) : await api.GetTenantAsync(await ResolveIdAsync(api, tenantId, ct), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, tenant);
            else TenantPrinter.Print(context, tenant);
            return 0;
        });
    }

    private static Command UpdateCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("tenant", "The tenant's name or id");
        var quotas = new QuotaOptions();
        var command = new Command("update", "Change a tenant's tier or quota overrides (system admin)") { id };
        quotas.AddTo(command);
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var tier = parse.GetValue(quotas.Tier);
            var overrides = quotas.ReadOverrides(parse);
            if (tier is null && overrides is null)
                throw new UsageException("tenant update needs --tier or at least one quota flag (see `baton tenant update --help`).");
            var tenant = await api.UpdateTenantAsync(await ResolveIdAsync(api, parse.GetValue(id)!, ct), new UpdateTenantRequest(tier, overrides), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, tenant);
                return 0;
            }
            context.Out.WriteLine($"Updated tenant '{tenant.Name}' ({tenant.Id}).");
            TenantPrinter.Print(context, tenant);
            return 0;
        });
    }

    /// <summary>
    /// A tenant id (<c>t_…</c>) as given; a name (never containing '_') looked up among the tenants, like queues,
    /// schedules and calendars are named.
    /// </summary>
    private static async Task<string> ResolveIdAsync(Http.BatonApiClient api, string nameOrId, CancellationToken ct)
    {
        if (nameOrId.Contains('_', StringComparison.Ordinal)) return nameOrId;
        IReadOnlyList<TenantDto> tenants;
        try
        {
            tenants = (await api.ListTenantsAsync(ct)).Items;
        }
        catch (Http.BatonApiException)
        {
            // Not listable here (an older server, or no right to list): the server judges the value as an id.
            return nameOrId;
        }
        return tenants.FirstOrDefault(t => t.Id == nameOrId)?.Id ?? tenants.FirstOrDefault(t => t.Name == nameOrId)?.Id
            ?? throw new CliException($"no tenant named '{nameOrId}' (`baton tenant list` shows them).");
    }
}
