using System.CommandLine;
using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Output;
using Baton.Core.Api;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton audit</c>: who created, changed or revoked what in your tenant (admins), or in every tenant
/// (<c>--all-tenants</c> / <c>--tenant ID</c>, system admins), newest first.
/// </summary>
public static class AuditCommand
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var action = new Option<string?>("--action") { Description = "Only this action (api_key.revoked) or target (webhook.*)" };
        var actor = new Option<string?>("--actor") { Description = "Only changes made with this API key id" };
        var targetType = new Option<string?>("--target-type") { Description = "Only this kind of object: tenant, api_key, enrollment_token, webhook, schedule, calendar, queue …" };
        var targetId = new Option<string?>("--target") { Description = "Only this object (its id, or a queue's or calendar's name)" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only entries at or after this time (ISO 8601, e.g. 2025-03-03T09:00:00Z)" };
        var until = new Option<DateTimeOffset?>("--until") { Description = "Only entries before this time" };
        var limit = new Option<int>("--limit") { Description = "Entries per page (1 to 500)", DefaultValueFactory = _ => 50 };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 500) result.AddError("--limit must be between 1 and 500.");
        });
        var cursor = new Option<string?>("--cursor") { Description = "Continue after a previous page (the cursor it printed)" };
        var allTenants = new Option<bool>("--all-tenants") { Description = "Every tenant's entries (system admins)" };
        var tenant = new Option<string?>("--tenant") { Description = "One tenant's entries by id (system admins)" };

        var command = new Command("audit", "Who created, changed or revoked keys, tenants, tokens, webhooks, schedules, calendars and queues")
        {
            action, actor, targetType, targetId, since, until, limit, cursor, allTenants, tenant,
        };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var page = await api.ListAuditAsync(new AuditFilter(
                parse.GetValue(limit),
                parse.GetValue(allTenants) || parse.GetValue(tenant) is not null,
                parse.GetValue(tenant),
                parse.GetValue(action),
                parse.GetValue(actor),
                parse.GetValue(targetType),
                parse.GetValue(targetId),
                parse.GetValue(since),
                parse.GetValue(until),
                parse.GetValue(cursor)), ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, page);
                return 0;
            }
            if (page.Items.Count == 0)
            {
                context.Out.WriteLine("No audit entries.");
                return 0;
            }
            var showTenant = parse.GetValue(allTenants);
            var table = showTenant
                ? Tables.Create("TIME", "TENANT", "ACTOR", "ACTION", "TARGET", "FROM", "WHAT")
                : Tables.Create("TIME", "ACTOR", "ACTION", "TARGET", "FROM", "WHAT");
            foreach (var entry in page.Items)
            {
                string?[] cells = [Humanize.Timestamp(entry.At, context.Zone), Actor(entry.Actor), entry.Action, entry.TargetId, entry.SourceAddress, Summary(entry.Summary)];
                table.AddTextRow(showTenant ? [cells[0], entry.TenantId, .. cells[1..]] : cells);
            }
            context.Console.Write(table);
            if (page.NextCursor is { } next) context.Out.WriteLine($"More: baton audit --cursor {next} (with the same filters)");
            return 0;
        });
    }

    private static string Actor(AuditActorDto actor) =>
        actor.Type == "system" ? "system" : $"{actor.KeyId} ({actor.Role}{(actor.SystemAdmin ? ", system admin" : "")})";

    /// <summary>"created", "deleted", or the changed fields: "cron 0 2 * * * → 0 3 * * *, secret changed".</summary>
    internal static string Summary(JsonElement summary)
    {
        if (summary.ValueKind != JsonValueKind.Object) return "";
        if (summary.TryGetProperty("changes", out var changes) && changes.ValueKind == JsonValueKind.Object)
        {
            return string.Join(", ", changes.EnumerateObject().Select(change =>
                change.Value.TryGetProperty("changed", out _)
                    ? $"{change.Name} changed"
                    : $"{change.Name} {Short(change.Value.GetProperty("from"))} → {Short(change.Value.GetProperty("to"))}"));
        }
        return summary.EnumerateObject().FirstOrDefault().Name ?? "";
    }

    private static string Short(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => "none",
            JsonValueKind.String => value.GetString() ?? "",
            _ => value.GetRawText(),
        };
        return text.Length > 40 ? text[..40] + "…" : text;
    }
}
