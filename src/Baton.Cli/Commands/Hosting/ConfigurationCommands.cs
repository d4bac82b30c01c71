using System.CommandLine;
using System.Text.Json;
using Baton.Server.Backup;
using Baton.Core.Secrets;
using Baton.Server.Hosting;
using Baton.Server.Secrets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Baton.Cli.Commands.Hosting;

/// <summary>
/// <c>baton export</c> / <c>baton import</c>: a deployment's configuration (or some tenants') as a JSON document,
/// read and written through the storage layer, so the CLI needs the server's storage settings, not an API key.
/// </summary>
public static class ConfigurationCommands
{
    private sealed record StorageOptions(Option<string> Data, Option<string> Storage, Option<string?> Postgres, Option<string?> Blobs)
    {
        public static StorageOptions Create() => new(
            new Option<string>("--data") { Description = "Data folder of the embedded SQLite database.", DefaultValueFactory = _ => ".baton" },
            new Option<string>("--storage") { Description = "sqlite or postgres.", DefaultValueFactory = _ => "sqlite" },
            new Option<string?>("--postgres") { Description = "PostgreSQL connection string (the runtime or the owner login)." },
            new Option<string?>("--blobs") { Description = "The blob store when not DATA/blobs: a folder or s3://BUCKET[/PREFIX]." });

        public void AddTo(Command command)
        {
            command.Options.Add(Data);
            command.Options.Add(Storage);
            command.Options.Add(Postgres);
            command.Options.Add(Blobs);
        }

        public ServerOptions Read(ParseResult parse)
        {
            var options = new ServerOptions
            {
                DataDirectory = parse.GetValue(Data)!,
                Storage = parse.GetValue(Storage)!,
                Postgres = parse.GetValue(Postgres),
                Blobs = parse.GetValue(Blobs),
            };
            if (options.Storage is not ("sqlite" or "postgres")) throw new UsageException("--storage must be sqlite or postgres.");
            if (options.Storage == "postgres" && string.IsNullOrWhiteSpace(options.Postgres)) throw new UsageException("--storage postgres needs --postgres.");
            if (options.Storage == "sqlite" && !File.Exists(Path.Combine(options.DataDirectory, "baton.db")))
                throw new CliException($"There is no Baton database in {Path.GetFullPath(options.DataDirectory)} (baton.db); pass the server's --data folder.");
            return options;
        }
    }

    public static Command Export(CliContext context)
    {
        var storage = StorageOptions.Create();
        var tenants = new Option<string[]>("--tenant") { Description = "Export only these tenants (repeatable); default: every tenant.", AllowMultipleArgumentsPerToken = false };
        var to = new Option<string?>("--to") { Description = "File to write (default: standard output)." };
        var includeSecrets = new Option<bool>("--include-secrets")
        {
            Description = "Export credential secrets sealed under a passphrase (read from a prompt or standard input); without it they are left out.",
        };
        var masterKeyFile = MasterKeyFileOption();
        var command = new Command("export", "Export configuration (tenants, quotas, keys, queues, calendars, packages, schedules, webhooks, assets; secrets stay encrypted).")
        {
            tenants, to, includeSecrets, masterKeyFile,
        };
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var options = storage.Read(parse);
            var sealing = parse.GetValue(includeSecrets) ? PassphraseSealing.Create(ReadPassphrase(context, confirm: true)) : null;
            await using var store = StoreFactory.Create(options, TimeProvider.System);
            var secrets = sealing is null ? null : Transfer(context, sealing, store, options, parse.GetValue(masterKeyFile));
            var document = await Refusals(() => ConfigurationTransfer.ExportAsync(
                store, StoreFactory.CreateBlobs(options), parse.GetValue(tenants) ?? [], secrets, TimeProvider.System, ct));
            var json = JsonSerializer.Serialize(document, ConfigurationDocument.Json);
            var target = parse.GetValue(to);
            if (target is null)
            {
                context.Out.WriteLine(json);
            }
            else
            {
                await File.WriteAllTextAsync(target, json, ct);
                context.Error.WriteLine($"Exported {document.Tenants.Count} tenant(s) to {target}.");
            }
            return 0;
        });
        return command;
    }

    public static Command Import(CliContext context)
    {
        var storage = StorageOptions.Create();
        var file = new Argument<string>("FILE") { Description = "A document written by 'baton export'." };
        var withoutSecrets = new Option<bool>("--without-secrets")
        {
            Description = "Import an export made with --include-secrets without asking for its passphrase: its credentials come without secrets.",
        };
        var masterKeyFile = MasterKeyFileOption();
        var command = new Command("import", "Import tenants exported from another deployment (refused when the target has one of them).")
        {
            file, withoutSecrets, masterKeyFile,
        };
        storage.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var options = storage.Read(parse);
            var path = parse.GetValue(file)!;
            ConfigurationDocument document;
            try
            {
                document = JsonSerializer.Deserialize<ConfigurationDocument>(await File.ReadAllTextAsync(path, ct), ConfigurationDocument.Json)
                    ?? throw new CliException($"{path} is empty.");
            }
            catch (JsonException e)
            {
                throw new CliException($"{path} is not a Baton export: {e.Message}");
            }
            PassphraseSealing? sealing = null;
            if (document.SecretSealing is { } parameters && !parse.GetValue(withoutSecrets))
            {
                try
                {
                    sealing = PassphraseSealing.Open(ReadPassphrase(context, confirm: false), parameters)
                        ?? throw new CliException("That is not the passphrase the export was made with; nothing was imported.");
                }
                catch (FormatException e)
                {
                    throw new CliException($"{path}: {e.Message}");
                }
            }
            await using var store = StoreFactory.Create(options, TimeProvider.System);
            var secrets = sealing is null ? null : Transfer(context, sealing, store, options, parse.GetValue(masterKeyFile));
            var imported = await Refusals(() => ConfigurationTransfer.ImportAsync(store, StoreFactory.CreateBlobs(options), document, secrets, TimeProvider.System, ct));
            context.Out.WriteLine($"Imported {document.Tenants.Count} tenant(s):");
            foreach (var line in imported) context.Out.WriteLine($"  {line}");
            return 0;
        });
        return command;
    }

    private static Option<string?> MasterKeyFileOption() => new("--master-key-file")
    {
        Description = $"This deployment's master key file, to open or seal credential secrets (default: DATA/{MasterKeyProvider.DefaultFileName}; " +
            $"{MasterKeyProvider.EnvironmentVariable} wins when set).",
    };

    /// <summary>The deployment's own keys: an existing key file or BATON_MASTER_KEYS, never a key generated on the spot.</summary>
    private static SecretTransfer Transfer(CliContext context, PassphraseSealing sealing, Baton.Storage.IBatonStore store, ServerOptions options, string? keyFile)
    {
        options.Secrets = new SecretsOptions
        {
            MasterKeys = context.GetEnvironmentVariable(MasterKeyProvider.EnvironmentVariable),
            MasterKeyFile = keyFile ?? Path.Combine(options.DataDirectory, MasterKeyProvider.DefaultFileName),
        };
        var masterKeys = new MasterKeyProvider(Options.Create(options), TimeProvider.System, NullLogger<MasterKeyProvider>.Instance);
        try
        {
            masterKeys.Current();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or IOException)
        {
            throw new CliException($"{e.Message} Pass the deployment's key file with --master-key-file or set {MasterKeyProvider.EnvironmentVariable}.", e);
        }
        return new SecretTransfer(sealing, new AssetSecrets(new EnvelopeSecretProtector(store, masterKeys, TimeProvider.System)), masterKeys);
    }

    /// <summary>From a hidden prompt on a terminal (twice when making an export), else the whole of standard input less one trailing newline.</summary>
    private static string ReadPassphrase(CliContext context, bool confirm)
    {
        string passphrase;
        if (context.InputIsTerminal)
        {
            passphrase = context.Console.Prompt(new TextPrompt<string>("Passphrase for the exported secrets:").Secret());
            if (confirm && context.Console.Prompt(new TextPrompt<string>("Again:").Secret()) != passphrase) throw new UsageException("the passphrases differ.");
        }
        else
        {
            passphrase = context.In.ReadToEnd();
            if (passphrase.EndsWith('\n')) passphrase = passphrase[..^1];
            if (passphrase.EndsWith('\r')) passphrase = passphrase[..^1];
        }
        try
        {
            PassphraseSealing.CheckPassphrase(passphrase);
        }
        catch (ArgumentException)
        {
            throw new UsageException($"the passphrase must be at least {PassphraseSealing.MinimumPassphraseLength} characters (a prompt, or standard input: baton export --include-secrets < passphrase.txt).");
        }
        return passphrase;
    }

    private static async Task<T> Refusals<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (BackupRefusedException e)
        {
            throw new CliException(e.Message, e);
        }
        catch (SecretUnavailableException e)
        {
            throw new CliException($"A credential's secret does not open with this deployment's master keys: {e.Message}", e);
        }
    }
}
