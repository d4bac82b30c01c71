using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Output;
using Baton.Core.Api;
using Baton.Core.Assets;
using Spectre.Console;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton asset set|get|list|delete</c>: values and credentials jobs read by name. A credential's secret is read from
/// standard input or a hidden prompt, never from the command line (where shell history and <c>ps</c> would keep it).
/// </summary>
public static class AssetCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var asset = new Command("asset", "Assets and credentials that jobs read by name (baton.asset, baton.credential)");
        asset.Subcommands.Add(SetCommand(context, globals));
        asset.Subcommands.Add(GetCommand(context, globals));
        asset.Subcommands.Add(ListCommand(context, globals));
        asset.Subcommands.Add(DeleteCommand(context, globals));
        return asset;
    }

    private static Option<string?> GroupOption(string description) => new("--group") { Description = description };

    private static Command SetCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The asset's name");
        var type = new Option<string?>("--type") { Description = $"{string.Join(", ", AssetTypes.All)} (default: text; an override keeps the asset's)" };
        var value = new Option<string?>("--value") { Description = "The value: text as is, a number, true/false, or JSON (not for credentials)" };
        var username = new Option<string?>("--username", "-u") { Description = "A credential's username (its secret is read from stdin or a prompt)" };
        var keepSecret = new Option<bool>("--keep-secret") { Description = "Replace a credential without changing its secret" };
        var queue = new Option<string?>("--queue") { Description = "Only jobs of this queue may read it" };
        var agentGroup = new Option<string?>("--agent-group") { Description = "Only jobs on agents of this group may read it" };
        var description = new Option<string?>("--description") { Description = "What it is for" };
        var group = GroupOption("Set the value agents of this group get instead (an override of an existing asset)");
        var command = new Command("set", "Create or replace an asset, or an agent group's override of it")
        {
            name, type, value, username, keepSecret, queue, agentGroup, description, group,
        };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var assetName = parse.GetValue(name)!;
            var overrideGroup = parse.GetValue(group);
            var assetType = parse.GetValue(type) ?? (overrideGroup is null ? AssetTypes.Text : (await api.GetAssetAsync(assetName, ct)).Type);
            if (!AssetTypes.IsValid(assetType)) throw new UsageException($"--type must be one of: {string.Join(", ", AssetTypes.All)}.");
            JsonElement? parsed = null;
            string? secret = null;
            if (assetType == AssetTypes.Credential)
            {
                if (parse.GetValue(value) is not null) throw new UsageException("a credential has --username and a secret (from stdin or a prompt), not --value.");
                if (!parse.GetValue(keepSecret)) secret = ReadSecret(context);
            }
            else
            {
                if (parse.GetValue(username) is not null) throw new UsageException($"--username is for credentials; a {assetType} asset takes --value.");
                parsed = ParseValue(assetType, parse.GetValue(value) ?? throw new UsageException($"a {assetType} asset needs --value."));
            }
            var user = assetType == AssetTypes.Credential ? parse.GetValue(username) : null;
            var saved = overrideGroup is null
                ? await api.SaveAssetAsync(assetName, new SaveAssetRequest(assetType, parsed, user, secret,
                    parse.GetValue(queue), parse.GetValue(agentGroup), parse.GetValue(description)), ct)
                : await api.SetAssetOverrideAsync(assetName, overrideGroup, new AssetOverrideRequest(parsed, user, secret), ct);
            if (globals.IsJson(parse)) JsonOutput.Write(context.Out, saved);
            else context.Out.WriteLine(overrideGroup is null
                ? $"Saved {saved.Type} asset '{saved.Name}'."
                : $"Saved the value of '{saved.Name}' for agent group '{overrideGroup}'.");
            return 0;
        });
    }

    private static Command GetCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The asset's name");
        var reveal = new Option<bool>("--reveal") { Description = "Print a credential's secret (admins only; recorded in the audit log)" };
        var group = GroupOption("With --reveal: the secret of this agent group's override");
        return new Command("get", "Show an asset (a credential's secret only with --reveal)") { name, reveal, group }
            .WithApiAction(context, globals, async (parse, api, ct) =>
            {
                var assetName = parse.GetValue(name)!;
                if (parse.GetValue(reveal))
                {
                    var revealed = await api.RevealAssetAsync(assetName, parse.GetValue(group), ct);
                    if (globals.IsJson(parse)) JsonOutput.Write(context.Out, revealed);
                    else context.Out.WriteLine(revealed.Secret);
                    return 0;
                }
                var asset = await api.GetAssetAsync(assetName, ct);
                if (globals.IsJson(parse))
                {
                    JsonOutput.Write(context.Out, asset);
                    return 0;
                }
                var rows = new List<(string, string?)>
                {
                    ("Name", asset.Name), ("Type", asset.Type), ("Value", Show(asset.Value)),
                    ("Queue", asset.Queue ?? "(any)"), ("Agent group", asset.AgentGroup ?? "(any)"), ("Description", asset.Description ?? ""),
                };
                rows.AddRange(asset.Overrides.Select(o => ($"Override {o.Key}", (string?)Show(o.Value))));
                rows.Add(("Updated", Humanize.Timestamp(asset.UpdatedAt, context.Zone)));
                context.Console.Write(Tables.Details(rows));
                return 0;
            });
    }

    private static Command ListCommand(CliContext context, GlobalOptions globals) =>
        new Command("list", "List assets (never a credential's secret)").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var assets = await api.ListAssetsAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, assets);
                return 0;
            }
            var table = Tables.Create("NAME", "TYPE", "VALUE", "SCOPE", "OVERRIDES", "UPDATED");
            foreach (var a in assets.Items)
            {
                var scope = string.Join(", ", new[] { a.Queue is null ? null : "queue " + a.Queue, a.AgentGroup is null ? null : "group " + a.AgentGroup }.OfType<string>());
                table.AddTextRow(a.Name, a.Type, Show(a.Value), scope.Length == 0 ? "(tenant)" : scope,
                    a.Overrides.Count == 0 ? "" : string.Join(',', a.Overrides.Keys), Humanize.Timestamp(a.UpdatedAt, context.Zone));
            }
            context.Console.Write(table);
            return 0;
        });

    private static Command DeleteCommand(CliContext context, GlobalOptions globals)
    {
        var name = CommandActions.RequiredArgument("name", "The asset's name");
        var group = GroupOption("Delete only this agent group's override");
        return new Command("delete", "Delete an asset, or one agent group's override of it") { name, group }.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var assetName = parse.GetValue(name)!;
            if (parse.GetValue(group) is { } overrideGroup)
            {
                await api.RemoveAssetOverrideAsync(assetName, overrideGroup, ct);
                context.Out.WriteLine($"Deleted the override of '{assetName}' for agent group '{overrideGroup}'.");
            }
            else
            {
                await api.DeleteAssetAsync(assetName, ct);
                context.Out.WriteLine($"Deleted asset '{assetName}'.");
            }
            return 0;
        });
    }

    /// <summary>A value as a person reads it: never a secret, only that there is one.</summary>
    private static string Show(AssetValueDto value) =>
        value.HasSecret ? $"{(value.Username is null ? "" : value.Username + " / ")}(secret)"
        : value.Value is { ValueKind: JsonValueKind.String } text ? text.GetString()!
        : value.Value?.GetRawText() ?? "";

    public static JsonElement ParseValue(string type, string text)
    {
        try
        {
            return type switch
            {
                AssetTypes.Text => JsonSerializer.SerializeToElement(text, BatonJson.Wire.InfoOf<string>()),
                AssetTypes.Number => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                    ? JsonDocument.Parse(text).RootElement.Clone()
                    : throw new UsageException($"--value '{text}' is not a number."),
                AssetTypes.Boolean => string.Equals(text, "true", StringComparison.OrdinalIgnoreCase) ? JsonSerializer.SerializeToElement(true, BatonJson.Wire.InfoOf<bool>())
                    : string.Equals(text, "false", StringComparison.OrdinalIgnoreCase) ? JsonSerializer.SerializeToElement(false, BatonJson.Wire.InfoOf<bool>())
                    : throw new UsageException($"--value '{text}' is not true or false."),
                _ => JsonDocument.Parse(text).RootElement.Clone(),
            };
        }
        catch (JsonException ex)
        {
            throw new UsageException($"--value is not valid {(type == AssetTypes.Json ? "JSON" : "as a " + type)}: {ex.Message}");
        }
    }

    /// <summary>The secret from a hidden prompt on a terminal, else the whole of standard input (one trailing newline dropped).</summary>
    private static string ReadSecret(CliContext context)
    {
        var secret = context.InputIsTerminal
            ? context.Console.Prompt(new TextPrompt<string>("Secret:").Secret())
            : context.In.ReadToEnd();
        if (secret.EndsWith('\n')) secret = secret[..^1];
        if (secret.EndsWith('\r')) secret = secret[..^1];
        return secret.Length == 0
            ? throw new UsageException("the secret is empty: pipe it on standard input (e.g. baton asset set db --type credential -u bot < secret.txt) or type it at the prompt.")
            : secret;
    }
}
