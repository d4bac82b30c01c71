using System.CommandLine;
using System.Globalization;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary><c>baton webhook create|list|delete|deliveries|redeliver|test</c>: signed HTTP notifications of the tenant's events.</summary>
public static class WebhookCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var webhook = new Command("webhook", "Webhooks: signed HTTP POSTs of your tenant's events (job failed, agent offline, …)");
        webhook.Subcommands.Add(CreateCommand(context, globals));
        webhook.Subcommands.Add(ListCommand(context, globals));
        webhook.Subcommands.Add(DeleteCommand(context, globals));
        webhook.Subcommands.Add(DeliveriesCommand(context, globals));
        webhook.Subcommands.Add(RedeliverCommand(context, globals));
        webhook.Subcommands.Add(TestCommand(context, globals));
        return webhook;
    }

    private static Command CreateCommand(CliContext context, GlobalOptions globals)
    {
        var url = CommandActions.RequiredArgument("url", "Where to POST events (http or https)");
        var events = new Option<string[]>("--event") { Description = "An event type to send (repeatable; default: all, '*')", AllowMultipleArgumentsPerToken = false };
        var secret = new Option<string?>("--secret") { Description = "The signing secret (default: generated and shown once)" };
        var description = new Option<string?>("--description") { Description = "A note for people" };
        var disabled = new Option<bool>("--disabled") { Description = "Create it switched off" };
        var command = new Command("create", "Create a webhook") { url, events, secret, description, disabled };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var types = parse.GetValue(events) ?? [];
            var created = await api.CreateWebhookAsync(new CreateWebhookRequest(
                parse.GetValue(url)!, types.Length == 0 ? null : types, parse.GetValue(secret), parse.GetValue(description),
                parse.GetValue(disabled) ? false : null), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, created);
                return 0;
            }
            context.Out.WriteLine($"Created webhook {created.Webhook.Id} → {created.Webhook.Url} ({string.Join(", ", created.Webhook.Events)}).");
            SecretPrinter.Print(context, "Signing secret", created.Secret);
            context.Out.WriteLine("Verify deliveries with it: see docs/webhooks.md. Try it: baton webhook test " + created.Webhook.Id);
            return 0;
        });
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals) =>
        new Command("list", "List webhooks").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var webhooks = await api.ListWebhooksAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, webhooks);
                return 0;
            }
            if (webhooks.Items.Count == 0)
            {
                context.Out.WriteLine("No webhooks. Create one with `baton webhook create URL`.");
                return 0;
            }
            var table = Tables.Create("ID", "URL", "EVENTS", "STATUS", "DESCRIPTION", "CREATED");
            foreach (var w in webhooks.Items)
            {
                table.AddTextRow(w.Id, w.Url, string.Join(",", w.Events), w.Enabled ? "enabled" : "disabled", w.Description, Humanize.Timestamp(w.CreatedAt, context.Zone));
            }
            context.Console.Write(table);
            return 0;
        });

    private static Command DeleteCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The webhook's id");
        return new Command("delete", "Delete a webhook and its delivery log") { id }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            await api.DeleteWebhookAsync(parse.GetValue(id)!, ct);
            context.Out.WriteLine($"Deleted webhook {parse.GetValue(id)}.");
            return 0;
        });
    }

    private static Command DeliveriesCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The webhook's id");
        var limit = new Option<int>("--limit") { Description = "How many, newest first (1-200)", DefaultValueFactory = _ => 50 };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 200) result.AddError("--limit must be between 1 and 200.");
        });
        return new Command("deliveries", "Show a webhook's delivery log") { id, limit }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var deliveries = await api.ListDeliveriesAsync(parse.GetValue(id)!, parse.GetValue(limit), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, deliveries);
                return 0;
            }
            var table = Tables.Create("ID", "EVENT", "STATE", "ATTEMPTS", "STATUS", "TIME", "LAST ATTEMPT", "NEXT", "ERROR");
            foreach (var d in deliveries.Items)
            {
                table.AddTextRow(d.Id, d.EventId is { } e ? $"{d.EventType} #{e.ToString(CultureInfo.InvariantCulture)}" : d.EventType, d.State,
                    d.Attempts.ToString(CultureInfo.InvariantCulture), d.StatusCode?.ToString(CultureInfo.InvariantCulture),
                    d.DurationMs is { } ms ? ms.ToString(CultureInfo.InvariantCulture) + " ms" : null,
                    d.LastAttemptAt is null ? null : Humanize.Timestamp(d.LastAttemptAt, context.Zone), d.NextAttemptAt is null ? null : Humanize.Timestamp(d.NextAttemptAt, context.Zone), d.Error);
            }
            context.Console.Write(table);
            return 0;
        });
    }

    private static Command RedeliverCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The webhook's id");
        var delivery = CommandActions.RequiredArgument("delivery", "The delivery to send again");
        return new Command("redeliver", "Send a delivery again (a new delivery with the same body)") { id, delivery }
            .WithApiAction(context, globals, async (parse, api, ct) =>
            {
                var copy = await api.RedeliverAsync(parse.GetValue(id)!, parse.GetValue(delivery)!, ct);
                if (globals.IsJson(parse)) JsonOutput.Write(context.Out, copy);
                else context.Out.WriteLine($"Queued {copy.Id}: {copy.EventType} again (redelivery of {copy.RedeliveryOf}).");
                return 0;
            });
    }

    private static Command TestCommand(CliContext context, GlobalOptions globals)
    {
        var id = CommandActions.RequiredArgument("id", "The webhook's id");
        return new Command("test", "Send a signed ping to a webhook") { id }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var ping = await api.TestWebhookAsync(parse.GetValue(id)!, ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, ping);
            else context.Out.WriteLine($"Queued ping {ping.Id}; see `baton webhook deliveries {ping.WebhookId}` for the answer.");
            return 0;
        });
    }
}
