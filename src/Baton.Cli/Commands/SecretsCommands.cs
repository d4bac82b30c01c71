using System.CommandLine;
using Baton.Cli.Output;
using Baton.Core.Secrets;
using Baton.Server.Secrets;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton secrets status|rewrap|new-master-key|retire-old-keys</c>: master keys of secrets at rest, and their rotation
/// without downtime (docs/security.md). <c>status</c>, <c>rewrap</c> and <c>retire-old-keys</c> ask the server (system
/// admins); <c>new-master-key</c> and <c>retire-old-keys</c> edit the key file on this machine.
/// </summary>
public static class SecretsCommands
{
    public static Command Create(CliContext context, GlobalOptions globals)
    {
        var secrets = new Command("secrets", "Master keys of secrets at rest and their rotation (system admins)");
        secrets.Subcommands.Add(StatusCommand(context, globals));
        secrets.Subcommands.Add(RewrapCommand(context, globals));
        secrets.Subcommands.Add(NewMasterKeyCommand(context));
        secrets.Subcommands.Add(RetireOldKeysCommand(context, globals));
        return secrets;
    }

    private static Option<string?> KeyFileOption() => new("--key-file")
    {
        Description = $"The master key file (default: DATA/{MasterKeyProvider.DefaultFileName})",
    };

    private static Option<string> DataOption() => new("--data")
    {
        Description = "The server's data folder, where the default key file lives",
        DefaultValueFactory = _ => ".baton",
    };

    private static string KeyFilePath(ParseResult parse, Option<string?> keyFile, Option<string> data) =>
        Path.GetFullPath(parse.GetValue(keyFile) ?? Path.Combine(parse.GetValue(data)!, MasterKeyProvider.DefaultFileName));

    private static Command StatusCommand(CliContext context, GlobalOptions globals) =>
        new Command("status", "Which master keys wrap the tenants' data keys").WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var status = await api.GetSecretsStatusAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, status);
                return 0;
            }
            context.Out.WriteLine($"Master keys from {status.Source}: {string.Join(", ", status.MasterKeyIds)} (primary {status.PrimaryMasterKeyId}).");
            var table = Tables.Create("MASTER KEY", "DATA KEYS", "");
            foreach (var (id, count) in status.DataKeysByMasterKey.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var note = id == status.PrimaryMasterKeyId ? "primary" : status.MissingMasterKeyIds.Contains(id) ? "MISSING on this server" : "re-wrap pending";
                table.AddTextRow(id, count.ToString(System.Globalization.CultureInfo.InvariantCulture), note);
            }
            if (status.DataKeysByMasterKey.Count == 0) context.Out.WriteLine("No data keys yet (no tenant has stored a secret).");
            else context.Console.Write(table);
            return status.MissingMasterKeyIds.Count > 0 ? 1 : 0;
        });

    private static Command RewrapCommand(CliContext context, GlobalOptions globals)
    {
        var keyFile = KeyFileOption();
        var data = DataOption();
        var command = new Command("rewrap", "Wrap every data key with the primary master key (step 2 of a rotation)") { keyFile, data };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            // Right after new-master-key the server may not have re-read the key file yet: re-wrapping then would use the old key.
            var path = KeyFilePath(parse, keyFile, data);
            if (File.Exists(path)) await WaitForServerPrimaryAsync(api, MasterKeyRing.Parse(await File.ReadAllTextAsync(path, ct), path).Primary.Id, context.Time, ct);
            var result = await api.RewrapSecretsAsync(ct);
            if (globals.IsJson(parse))
            {
                JsonOutput.Write(context.Out, result);
                return 0;
            }
            context.Out.WriteLine($"Re-wrapped {result.Rewrapped} data key(s) with {result.PrimaryMasterKeyId}; {result.RemainingOnOtherKeys} still under other keys.");
            if (result.MissingMasterKeyIds.Count > 0)
            {
                context.Error.WriteLine($"error: the server lacks master key(s) {string.Join(", ", result.MissingMasterKeyIds)}; add them back to re-wrap what they wrap.");
                return 1;
            }
            return 0;
        });
    }

    /// <summary>
    /// Servers re-read the key file within a second or two: a rotation typed as one line (new-master-key &amp;&amp; rewrap
    /// &amp;&amp; retire-old-keys) waits for that instead of failing. Returns the server's primary, whatever it is then.
    /// </summary>
    private static async Task<string> WaitForServerPrimaryAsync(Http.BatonApiClient api, string primary, TimeProvider time, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(15);
        while (true)
        {
            var status = await api.GetSecretsStatusAsync(ct);
            if (status.PrimaryMasterKeyId == primary || time.GetUtcNow() >= deadline) return status.PrimaryMasterKeyId;
            await Task.Delay(TimeSpan.FromMilliseconds(250), time, ct);
        }
    }

    private static Command NewMasterKeyCommand(CliContext context)
    {
        var keyFile = KeyFileOption();
        var data = DataOption();
        var print = new Option<bool>("--print") { Description = "Only print a new key (for BATON_MASTER_KEYS or a secret manager); touch no file" };
        var command = new Command("new-master-key", "Put a new primary master key on top of the key file, keeping the old ones (step 1 of a rotation)")
        {
            keyFile, data, print,
        };
        command.SetAction(parse =>
        {
            var key = MasterKey.Generate();
            if (parse.GetValue(print))
            {
                context.Out.WriteLine($"New master key {key.Id} (put it first, before the current key(s), in BATON_MASTER_KEYS or Baton:Server:Secrets:MasterKeys):");
                context.Out.WriteLine();
                context.Out.WriteLine($"    {key.ToBase64()}");
                context.Out.WriteLine();
                return 0;
            }
            var path = KeyFilePath(parse, keyFile, data);
            var ring = MasterKeyFile.AddPrimary(path, key);
            context.Out.WriteLine($"Added master key {key.Id} as the primary of {path}; kept {ring.Keys.Count - 1} older key(s) to unwrap existing data keys.");
            context.Out.WriteLine("Servers reading this file use it within seconds. Next: `baton secrets rewrap`, then `baton secrets retire-old-keys`.");
            return 0;
        });
        return command;
    }

    private static Command RetireOldKeysCommand(CliContext context, GlobalOptions globals)
    {
        var keyFile = KeyFileOption();
        var data = DataOption();
        var command = new Command("retire-old-keys", "Remove every key but the primary from the key file, once the server says none is still needed (step 3)")
        {
            keyFile, data,
        };
        return command.WithApiAction(context, globals, async (parse, api, ct) =>
        {
            var path = KeyFilePath(parse, keyFile, data);
            if (!File.Exists(path)) throw new CliException($"No key file at {path}.");
            var ring = MasterKeyRing.Parse(await File.ReadAllTextAsync(path, ct), path);
            await WaitForServerPrimaryAsync(api, ring.Primary.Id, context.Time, ct);
            var status = await api.GetSecretsStatusAsync(ct);
            if (status.PrimaryMasterKeyId != ring.Primary.Id)
            {
                throw new CliException($"The server's primary master key is {status.PrimaryMasterKeyId}, the file's is {ring.Primary.Id}: is this the server's key file?");
            }
            var stillNeeded = status.DataKeysByMasterKey.Where(p => p.Key != ring.Primary.Id && p.Value > 0).Select(p => $"{p.Key} ({p.Value})").ToList();
            if (stillNeeded.Count > 0)
            {
                throw new CliException($"Data keys are still wrapped by {string.Join(", ", stillNeeded)}; run `baton secrets rewrap` first.");
            }
            MasterKeyFile.KeepOnlyPrimary(path);
            context.Out.WriteLine($"Kept only {ring.Primary.Id} in {path}; removed {ring.Keys.Count - 1} older key(s).");
            return 0;
        });
    }
}
